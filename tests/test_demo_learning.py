"""`portal demo load` also fills the learning track: the pool, progress, certificates."""

from __future__ import annotations

from tests.learning_support import courses  # noqa: F401
from tests.test_demo import _load, _rows, frozen  # noqa: F401


def test_demo_learning_track_has_a_pool_learners_at_every_stage_and_a_revoked_certificate(
        app, courses, frozen):
    first = _load(app)
    assert "Demo learning track: 30 teachers" in first, first
    assert "already there" in _load(app)
    assert _rows(app, "SELECT COUNT(*) AS n FROM learning_teachers") == [{"n": 30}]
    sessions = _rows(app, "SELECT e.id, (SELECT COUNT(*) FROM learning_session_teachers s"
                          " WHERE s.event_id = e.id) AS n FROM events e"
                          " WHERE e.type = 'module_session'")
    assert sessions and all(1 <= s["n"] <= 2 for s in sessions)
    certs = _rows(app, "SELECT c.*, u.email FROM learning_certificates c JOIN users u"
                       " ON u.id = c.user_id")
    assert len(certs) >= 8
    assert [c["email"] for c in certs if c["revoked_at"]] == ["ilse.kok@denhaag.example"]
    assert any(c["email"] == "sanne.devries@denhaag.example" for c in certs)
    assert _rows(app, "SELECT COUNT(*) AS n FROM outbox WHERE headers LIKE '%X-Datashop-Event%'"
                 ) == [{"n": 0}]
    with app.test_request_context():
        from portal.accounts.service import find_by_email
        from portal.learning import service

        states = set()
        for email in ("sanne.devries@denhaag.example", "pieter.smit@denhaag.example",
                      "noor.hendriks@denhaag.example", "bram.willems@denhaag.example",
                      "youssef.haddou@denhaag.example"):
            states |= {m["state"] for m in service.overview(find_by_email(email))["modules"]}
        assert states == {"locked", "open", "enrolled", "in_progress", "completed"}, [
            (m["id"], m["state"]) for m in service.overview(find_by_email(
                "sanne.devries@denhaag.example"))["modules"]]
        sanne = service.overview(find_by_email("sanne.devries@denhaag.example"))
        assert sanne["completed"] == 1 and sanne["next_step"]["id"] == "dgw-03-datakwaliteit"
