"""`portal demo load` plays assistant conversations once the knowledge base is indexed."""

from __future__ import annotations

from portal.db import get_db
from tests.search_docs import load_knowledge


def _load(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _one(app, sql):
    with app.app_context():
        return get_db().execute(sql).fetchone()[0]


def test_demo_conversations_fill_the_backlog_and_the_figures(app, login_as, make_user):
    load_knowledge(app)
    output = _load(app)
    assert "Demo assistant conversations: 9 loaded" in output
    assert _one(app, "SELECT COUNT(*) FROM chat_conversations") == 9
    assert _one(app, "SELECT COUNT(*) FROM chat_messages WHERE feedback = -1") >= 2
    assert _one(app, "SELECT COUNT(*) FROM chat_messages WHERE feedback = 1") >= 3
    # the handover became a request of Priya's, with the conversation in it
    handed = _one(app, "SELECT ticket_number FROM chat_conversations WHERE status = 'handed_over'")
    assert handed
    description = _one(app, f"SELECT description FROM tickets WHERE number = '{handed}'")
    assert "ik wil een medewerker spreken" in description
    assert _one(app, f"SELECT COUNT(*) FROM comments c JOIN tickets t ON t.id = c.ticket_id"
                     f" WHERE t.number = '{handed}'") >= 1  # the message after the handover

    staff = make_user("staff", teams=["bi"])
    page = login_as(staff).get("/assistent/onbeantwoord").get_data(as_text=True)
    assert "kademuren" in page  # the questions it could not answer, grouped

    again = _load(app)
    assert "Demo assistant conversations: already there" in again
    assert _one(app, "SELECT COUNT(*) FROM chat_conversations") == 9


def test_without_an_index_no_conversations_are_played(app):
    output = _load(app)
    assert "not indexed yet" in output
    assert _one(app, "SELECT COUNT(*) FROM chat_conversations") == 0
