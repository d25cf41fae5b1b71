"""Listing users: staff pickers and mail recipients get staff and admins only, with their teams."""

from __future__ import annotations

from portal.db import get_db


def test_list_staff_has_staff_and_admins_with_teams_and_no_employees(app, make_user):
    from portal.accounts import service

    bi = make_user("staff", teams=["bi"], name="Bea")
    both = make_user("admin", teams=["bi", "udp"], name="Anna")
    udp = make_user("staff", teams=["udp"], name="Cor")
    gone = make_user("staff", teams=["bi"], name="Dirk")
    for i in range(5):
        make_user("employee", name=f"Employee {i}")
    with app.app_context():
        get_db().execute("UPDATE users SET active = 0 WHERE id = ?", [gone.id])
        staff = service.list_staff()
        assert [(u.name, u.teams) for u in staff] == [
            ("Anna", ["bi", "udp"]), ("Bea", ["bi"]), ("Cor", ["udp"])]
        assert [u.id for u in service.list_staff("bi")] == [both.id, bi.id]
        assert [u.id for u in service.list_staff("udp")] == [both.id, udp.id]
        assert len(service.list_users(role="employee")) == 5
        assert len(service.list_users()) == 8
