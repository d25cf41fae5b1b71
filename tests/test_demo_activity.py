"""`portal demo load` makes the dashboards alive: activity spread over the past weeks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal import timeutil
from portal.db import get_db
from portal.demo.users import DEMO_PASSWORD
from tests.conftest import login

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def frozen():
    timeutil.set_now(NOW)
    yield NOW
    timeutil.set_now(None)


def test_demo_activity_is_loaded_once_and_spread_over_the_weeks(app, client, frozen):
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    assert "nothing loaded" in result.output
    with app.app_context():
        db = get_db()
        searches = db.execute("SELECT COUNT(*), COUNT(DISTINCT strftime('%W', at)),"
                              " SUM(result_count = 0) FROM search_log").fetchone()
        assert searches[0] >= 100 and searches[1] >= 10 and searches[2] > 0
        oldest_chat = db.execute("SELECT MIN(created_at) FROM chat_conversations").fetchone()[0]
        assert timeutil.parse(oldest_chat) > NOW - timedelta(days=30)  # within retention
        assert db.execute("SELECT COUNT(*) FROM chat_conversations WHERE status = 'handed_over'"
                          ).fetchone()[0] > 0
        assert db.execute("SELECT COUNT(*) FROM suggest_sessions").fetchone()[0] > 10
    assert timeutil.now() == NOW
    assert login(client, "mark.jansen@denhaag.example", DEMO_PASSWORD).status_code == 302
    for path, table in (("loket", "types"), ("zoeken", "searches"), ("assistent", "conversations")):
        body = client.get(f"/dashboard/{path}.csv?table={table}").get_data(as_text=True)
        weeks = [line.split(";") for line in body.lstrip("\ufeff").splitlines()[1:]]
        busy = [w for w in weeks if int(w[-1] if path != "zoeken" else w[1]) > 0]
        assert len(busy) >= (3 if path == "assistent" else 6), (path, weeks)
