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


def _played(app):
    """Conversations of the demo script (the demo activity adds synthetic ones too)."""
    from portal.demo.conversations import played

    with app.app_context():
        return played(get_db())


def _feedback(app):
    """Feedback per value on the replies of the demo script's conversations."""
    from portal.demo.conversations import opening_messages

    openings = opening_messages()
    with app.app_context():
        rows = get_db().execute(
            "SELECT feedback, COUNT(*) FROM chat_messages WHERE feedback IS NOT NULL AND"
            " conversation_id IN (SELECT conversation_id FROM chat_messages WHERE role = 'user'"
            f" AND body IN ({','.join('?' * len(openings))})) GROUP BY feedback", openings)
        return dict(rows.fetchall())


def test_demo_conversations_fill_the_backlog_and_the_figures(app, login_as, make_user):
    load_knowledge(app)
    output = _load(app)
    assert "Demo assistant conversations: 9 loaded" in output
    assert _played(app) == 9
    feedback = _feedback(app)
    assert feedback.get(-1, 0) >= 2 and feedback.get(1, 0) >= 3
    # the handover became a request of Priya's, with the conversation in it
    handed = _one(app, "SELECT ticket_number FROM chat_conversations WHERE status = 'handed_over'"
                       " AND ticket_number IS NOT NULL")
    assert handed
    description = _one(app, f"SELECT description FROM tickets WHERE number = '{handed}'")
    assert "ik wil een medewerker spreken" in description
    assert _one(app, f"SELECT COUNT(*) FROM comments c JOIN tickets t ON t.id = c.ticket_id"
                     f" WHERE t.number = '{handed}'") >= 1  # the message after the handover

    staff = make_user("staff", teams=["bi"])
    client = login_as(staff)
    page = client.get("/assistent/onbeantwoord").get_data(as_text=True)
    assert "kademuren" in page  # the questions it could not answer, grouped
    # Joost answered the Tableau question with a FAQ entry: it left the backlog
    assert "tableau" not in page.lower()
    assert "Mag ik Tableau gebruiken in plaats van Power BI?" in client.get(
        "/kennisbank/faq-vragen-aan-de-assistent").get_data(as_text=True)

    again = _load(app)
    assert "Demo assistant conversations: already there" in again
    assert _played(app) == 9


def test_without_an_index_no_conversations_are_played(app):
    output = _load(app)
    assert "not indexed yet" in output
    assert _played(app) == 0
