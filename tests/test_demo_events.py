"""`portal demo load` also fills the agenda: a year of events, once."""

from __future__ import annotations

from tests.test_demo import _load, _rows, frozen  # noqa: F401


def test_demo_agenda_has_a_past_with_attendance_and_a_full_upcoming_event(app, frozen):
    first = _load(app)
    assert "Demo events: " in first and "loaded" in first
    assert "Demo events: " in _load(app) and "already there" in _load(app)
    now = frozen.isoformat()
    events = _rows(app, "SELECT e.*, (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id"
                        " AND r.status = 'confirmed') AS seated, (SELECT COUNT(*) FROM"
                        " registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted')"
                        " AS waiting FROM events e")
    past = [e for e in events if e["ends_at"] <= now]
    upcoming = [e for e in events if e["starts_at"] > now]
    assert len(past) >= 25 and len(upcoming) >= 12
    assert {e["type"] for e in events} == {"meetup", "spreekuur", "workshop", "module_session"}
    assert all(e["status"] == "published" for e in events)
    full = [e for e in upcoming if e["seated"] == e["capacity"] and e["waiting"]]
    assert [e["title"] for e in full] == ["Workshop Python voor beleidsmedewerkers"]
    assert all(e["seated"] <= e["capacity"] for e in events)
    attended = _rows(app, "SELECT COUNT(*) AS n, COUNT(feedback_score) AS f FROM registrations"
                          " WHERE attended = 1")[0]
    assert attended["n"] > 50 and attended["f"] > 20
    sanne = _rows(app, "SELECT r.status FROM registrations r JOIN users u ON u.id = r.user_id"
                       " WHERE u.email = 'sanne.devries@denhaag.example' AND r.event_id = ?",
                  [full[0]["id"]])
    assert sanne == [{"status": "waitlisted"}]
    assert _rows(app, "SELECT COUNT(*) AS n FROM outbox WHERE headers LIKE '%X-Datashop-Event%'"
                 ) == [{"n": 0}]  # months-old invitations are not sent
