"""Admins see the background jobs and backups; others do not; /healthz names failing jobs."""

from __future__ import annotations

import pytest

from portal.errors import Forbidden
from portal.ops import backup, jobs, service
from portal.ops.worker import Worker


@pytest.fixture
def failed_backup_run(app, monkeypatch):
    def broken(db, now):
        raise OSError("No space left on device")

    monkeypatch.setattr(jobs, "JOBS", [jobs.Job("backup", broken, "03:00", "Backups"),
                                       jobs.Job("outbox", lambda db, now: "sent 2", 10, "Mail")])
    Worker(app).run_due()


@pytest.mark.parametrize("role", ["employee", "staff"])
def test_only_admins_see_the_jobs_page(client, make_user, login_as, role):
    login_as(make_user(role, teams=["bi"] if role == "staff" else ()))
    assert client.get("/beheer/taken/").status_code == 403


def test_the_service_refuses_non_admins(app, make_user):
    with app.test_request_context(), pytest.raises(Forbidden):
        service.overview(make_user("staff", teams=["bi"]))


def test_admin_sees_each_job_its_failure_and_the_backups(app, client, make_user, login_as,
                                                         failed_backup_run):
    backup.create(app.config, app.instance_path)
    login_as(make_user("admin"))
    page = client.get("/beheer/taken/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Achtergrondtaken" in html  # Dutch first
    assert "1 taak is de laatste keer mislukt." in html
    assert "OSError: No space left on device" in html
    assert "dagelijks om 03:00" in html and "elke 10 seconden" in html
    assert "sent 2" in html
    assert backup.list_backups(app.config)[0]["name"] in html
    # The navigation tells admins a job is failing, with a link to the page.
    home = client.get("/").get_data(as_text=True)
    assert 'href="/beheer/taken/"' in home and "Mislukte taken" in home


def test_the_navigation_is_quiet_while_every_job_succeeds(app, client, make_user, login_as):
    Worker(app, only=["events-remind"]).run_due()
    login_as(make_user("admin"))
    assert "Mislukte taken" not in client.get("/").get_data(as_text=True)


def test_healthz_names_the_failing_jobs(client, failed_backup_run):
    health = client.get("/healthz")
    assert health.status_code == 200  # a failing job does not make the web process unhealthy
    assert health.get_json()["jobs_failing"] == ["backup"]
