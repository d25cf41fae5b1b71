"""Staff dashboards: the figures on the pages and in the CSVs match a seeded database.

The seed is a small known world with fixed timestamps (local time Europe/Amsterdam, CET
= UTC+1 in March): tickets with first responses, waiting and resolutions, ratings,
search log rows, suggestion sessions, events with registrations, learning enrolments and
assistant conversations. The expected figures are worked out by hand below, from the
definitions in the README ("Dashboards"), not by calling the code under test.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from portal import timeutil
from portal.db import get_db
from tests.desk_support import switch_user
from tests.learning_support import INTRO, QUALITY, courses  # noqa: F401

NOW = datetime(2026, 3, 16, 12, 0, tzinfo=timezone.utc)  # Monday 13:00 local
PERIOD = "van=2026-03-02&tot=2026-03-15"  # weeks 10 and 11 of 2026


def utc(local: str) -> str:
    """'2026-03-02 10:00' local (CET, UTC+1) as the UTC ISO the database stores."""
    return timeutil.iso(datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/Amsterdam")))


@pytest.fixture
def frozen():
    timeutil.set_now(NOW)
    yield NOW
    timeutil.set_now(None)


@pytest.fixture
def world(app, make_user, frozen, courses):  # noqa: F811
    szw = make_user("employee", department="szw")
    szw2 = make_user("employee", department="szw")
    dsb = make_user("employee", department="dsb")
    other = make_user("employee", department="szw")
    staff = make_user("staff", teams=["bi"])
    admin = make_user("admin")
    with app.app_context():
        db = get_db()
        tickets = [
            # number, requester, department, type, team, priority, created, first response, resolved
            ("DS-2026-0001", szw, "szw", "analysis", "bi", "normal", "2026-03-02 10:00",
             "2026-03-02 12:00", "2026-03-03 11:00"),
            ("DS-2026-0002", szw, "szw", "data_delivery", "udp", "high", "2026-03-03 16:00",
             "2026-03-04 17:00", None),
            ("DS-2026-0003", dsb, "dsb", "analysis", None, "urgent", "2026-03-09 09:30",
             "2026-03-09 10:30", "2026-03-10 12:00"),
            ("DS-2026-0004", dsb, "dsb", "dashboard", "bi", "low", "2026-03-13 15:00", None, None),
            ("DS-2026-0005", szw, "szw", "analysis", "bi", "normal", "2026-02-27 10:00",
             "2026-02-27 11:00", "2026-02-27 12:00"),  # before the period
            ("DS-2026-0006", szw, "szw", "other", "udp", "normal", "2026-03-15 23:30", None, None),
            ("DS-2026-0007", szw, "szw", "other", "udp", "normal", "2026-03-16 00:30", None,
             None),  # the local day after the period (still 15 March in UTC)
        ]
        ids = {}
        for number, user, dept, kind, team, prio, created, first, resolved in tickets:
            status = "resolved" if resolved else "in_progress"
            ids[number] = db.execute(
                "INSERT INTO tickets (number, type, subject, description, department,"
                " personal_data, status, priority, team, requester_id, created_at, updated_at,"
                " first_response_at, resolved_at) VALUES (?, ?, 'Vraag', 'Omschrijving', ?,"
                " 'no', ?, ?, ?, ?, ?, ?, ?, ?)",
                [number, kind, dept, status, prio, team, user.id, utc(created), utc(created),
                 utc(first) if first else None, utc(resolved) if resolved else None]).lastrowid
        # DS-2026-0003 waited on the requester from Monday 10:30 to Tuesday 09:00.
        for at, old, new in (("2026-03-09 10:30", "new", "waiting"),
                             ("2026-03-10 09:00", "waiting", "in_progress"),
                             ("2026-03-10 12:00", "in_progress", "resolved")):
            db.execute("INSERT INTO ticket_events (ticket_id, actor_id, at, field, old, new)"
                       " VALUES (?, ?, ?, 'status', ?, ?)",
                       [ids["DS-2026-0003"], staff.id, utc(at), old, new])
        for number, score, at in (("DS-2026-0001", 4, "2026-03-03 12:00"),
                                  ("DS-2026-0003", 2, "2026-03-10 13:00"),
                                  ("DS-2026-0005", 5, "2026-02-27 13:00")):
            db.execute("INSERT INTO ratings (ticket_id, score, comment, created_at)"
                       " VALUES (?, ?, NULL, ?)", [ids[number], score, utc(at)])
        for at, query, results, source in (
                ("2026-03-02 10:00", "parkeren", 5, "web"), ("2026-03-03 10:00", "parkeren", 0, "web"),
                ("2026-03-10 10:00", "parkeren", 2, "api"), ("2026-03-10 11:00", "afval", 0, "web"),
                ("2026-03-11 11:00", "=hyperlink(1)", 0, "web"),
                ("2026-03-11 11:00", "parkeren", 1, "suggest"),  # a form lookup: not a search
                ("2026-02-20 10:00", "afval", 0, "web")):  # before the period
            db.execute("INSERT INTO search_log (at, query, result_count, source) VALUES (?, ?, ?, ?)",
                       [utc(at), query, results, source])
        for sid, at, submitted, shown, opened in (
                ("s1", "2026-03-03 10:00", 0, True, True), ("s2", "2026-03-04 10:00", 1, True, True),
                ("s3", "2026-03-10 10:00", 0, True, False), ("s4", "2026-03-10 10:00", 1, False, False),
                ("s5", "2026-02-20 10:00", 0, True, True)):
            db.execute("INSERT INTO suggest_sessions (id, created_at, submitted) VALUES (?, ?, ?)",
                       [sid, utc(at), submitted])
            if shown:
                db.execute("INSERT INTO suggest_shown VALUES (?, 'doc')", [sid])
            if opened:
                db.execute("INSERT INTO suggest_opened VALUES (?, 'doc')", [sid])
        event = db.execute(
            "INSERT INTO events (title, type, starts_at, ends_at, capacity, status, created_at,"
            " updated_at) VALUES ('Meetup data', 'meetup', ?, ?, 20, 'published', ?, ?)",
            [utc("2026-03-05 15:00"), utc("2026-03-05 17:00"), utc("2026-02-01 10:00"),
             utc("2026-02-01 10:00")]).lastrowid
        db.execute("INSERT INTO events (title, type, starts_at, ends_at, capacity, status, created_at,"
                   " updated_at) VALUES ('Concept', 'meetup', ?, ?, 20, 'draft', ?, ?)",
                   [utc("2026-03-06 15:00"), utc("2026-03-06 17:00"), utc("2026-02-01 10:00"),
                    utc("2026-02-01 10:00")])
        for n, (user, guest, status, attended, score) in enumerate((
                (szw, None, "confirmed", 1, 5), (dsb, None, "confirmed", 1, 3),
                (szw2, None, "waitlisted", 0, None), (other, None, "cancelled", 0, None),
                (None, "Gast", "walk_in", 1, None))):
            db.execute("INSERT INTO registrations (event_id, user_id, guest_name, status, queue_no,"
                       " uid, attended, feedback_score, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [event, user.id if user else None, guest, status, n + 1, f"uid-{n}",
                        attended, score, utc("2026-02-10 10:00"), utc("2026-02-10 10:00")])
        for user, module, enrolled, completed in (
                (szw, INTRO, "2026-03-03 10:00", "2026-03-10 10:00"),
                (dsb, INTRO, "2026-03-10 10:00", None),
                (szw2, QUALITY, "2026-02-20 10:00", "2026-03-12 10:00")):
            db.execute("INSERT INTO learning_enrolments (user_id, module_id, enrolled_at,"
                       " completed_at) VALUES (?, ?, ?, ?)",
                       [user.id, module, utc(enrolled), utc(completed) if completed else None])
        for user, at, status, actions in (
                (szw, "2026-03-04 10:00", "open", ["answer", "answer"]),
                (dsb, "2026-03-10 10:00", "handed_over", ["answer", "handover"]),
                (szw, "2026-03-11 10:00", "open", ["clarify"]),
                (szw2, "2026-03-12 10:00", "open", ["fallback"]),
                (szw, "2026-02-20 10:00", "open", ["answer"])):
            cid = db.execute("INSERT INTO chat_conversations (user_id, status, created_at,"
                             " updated_at) VALUES (?, ?, ?, ?)",
                             [user.id, status, utc(at), utc(at)]).lastrowid
            for action in actions:
                db.execute("INSERT INTO chat_messages (conversation_id, role, body, created_at)"
                           " VALUES (?, 'user', 'vraag', ?)", [cid, utc(at)])
                db.execute("INSERT INTO chat_messages (conversation_id, role, body, action,"
                           " feedback, created_at) VALUES (?, 'assistant', 'antwoord', ?, ?, ?)",
                           [cid, action, 1 if action == "answer" else None, utc(at)])
    return {"staff": staff, "admin": admin, "employee": szw}


def _csv(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))


def test_requests_per_week_by_type_team_and_department(client, login_as, world):
    login_as(world["staff"])
    types = _csv(client, f"/dashboard/loket.csv?{PERIOD}&table=types")
    assert types[0] == ["Week", "Datalevering of toegang tot data", "Analysevraag", "Dashboard",
                        "Overig", "Totaal"]
    assert types[1:] == [["2026-W10", "1", "1", "0", "0", "2"],
                         ["2026-W11", "0", "1", "1", "1", "3"]]
    teams = _csv(client, f"/dashboard/loket?{PERIOD}&format=csv&table=teams")
    assert teams[0] == ["Week", "Business Intelligence", "Urban Data Platform", "(geen)", "Totaal"]
    assert teams[1:] == [["2026-W10", "1", "1", "0", "2"], ["2026-W11", "1", "1", "1", "3"]]
    weeks = _csv(client, f"/dashboard/loket.csv?{PERIOD}&table=department_weeks")
    assert weeks == [["Week", "Sociale Zaken en Werkgelegenheid", "Stadsbeheer", "Totaal"],
                     ["2026-W10", "2", "0", "2"], ["2026-W11", "1", "2", "3"]]
    departments = _csv(client, f"/dashboard/loket.csv?{PERIOD}&table=departments")
    assert departments[1:] == [["Sociale Zaken en Werkgelegenheid", "3"], ["Stadsbeheer", "2"]]


def test_sla_compliance_and_median_times_in_business_hours(client, login_as, world):
    login_as(world["staff"])
    rows = {r[0]: r[1:] for r in _csv(client, f"/dashboard/loket.csv?{PERIOD}&table=sla")}
    # First response: 2 h (met), 9 h against 8 (missed), 1 h (met); two still within target.
    # Resolution: 9 h (met), 69 h so far against 40 (missed), 10.5 h less 6.5 h waiting = 4 h.
    assert rows["Alle prioriteiten"] == ["5", "66,7", "2,0", "66,7", "6,5"]
    assert rows["Hoog"] == ["1", "0,0", "9,0", "0,0", ""]
    assert rows["Urgent"] == ["1", "100,0", "1,0", "100,0", "4,0"]
    assert rows["Laag"] == ["1", "", "", "", ""]
    dsb = {r[0]: r[1:] for r in _csv(client, f"/dashboard/loket.csv?{PERIOD}&afdeling=dsb&table=sla")}
    assert dsb["Alle prioriteiten"] == ["2", "100,0", "1,0", "100,0", "4,0"]


def test_satisfaction_counts_ratings_given_in_the_period(client, login_as, world):
    login_as(world["staff"])
    rows = _csv(client, f"/dashboard/loket.csv?{PERIOD}&table=satisfaction")
    assert rows == [["Score", "Beoordelingen"], ["1", "0"], ["2", "1"], ["3", "0"], ["4", "1"],
                    ["5", "0"]]
    key = {r[0]: r[2] for r in _csv(client, f"/dashboard.csv?{PERIOD}&table=key")}
    assert key["Gemiddelde beoordeling (1–5)"] == "3,0"
    assert key["Aanvragen"] == "5"


def test_search_figures_and_suggestion_deflection(client, login_as, world):
    login_as(world["staff"])
    assert _csv(client, f"/dashboard/zoeken.csv?{PERIOD}&table=searches")[1:] == [
        ["2026-W10", "2", "1"], ["2026-W11", "3", "2"]]
    top = _csv(client, f"/dashboard/zoeken.csv?{PERIOD}&table=top")
    assert top[1:] == [["parkeren", "3", "1"], ["'=hyperlink(1)", "1", "1"], ["afval", "1", "1"]]
    zero = _csv(client, f"/dashboard/zoeken.csv?{PERIOD}&table=zero")
    assert zero[1:] == [["'=hyperlink(1)", "1"], ["afval", "1"], ["parkeren", "1"]]
    key = {r[0]: r[2] for r in _csv(client, f"/dashboard.csv?{PERIOD}&table=key")}
    assert key["Zoekopdrachten"] == "5" and key["Zoekopdrachten zonder resultaat (%)"] == "60,0"
    key = {r[0]: r[2] for r in _csv(client, f"/dashboard.csv?{PERIOD}&afdeling=dsb&table=key")}
    assert key["Zoekopdrachten"] == ""  # the log holds no person: nothing per department
    suggestions = _csv(client, f"/dashboard/zoeken.csv?{PERIOD}&table=suggestions")
    assert suggestions[1:] == [["2026-W10", "2", "2", "1", "1"], ["2026-W11", "1", "0", "0", "0"]]


def test_agenda_sign_ups_attendance_and_feedback(client, login_as, world):
    login_as(world["staff"])
    events = _csv(client, f"/dashboard/agenda.csv?{PERIOD}&table=events")
    assert events[1:] == [["Meetup data", "Meetup", "2026-03-05", "4", "1", "3", "2", "4,0"]]
    dsb = _csv(client, f"/dashboard/agenda.csv?{PERIOD}&afdeling=dsb&table=events")
    assert dsb[1:] == [["Meetup data", "Meetup", "2026-03-05", "1", "0", "1", "1", "3,0"]]
    assert _csv(client, f"/dashboard/agenda.csv?{PERIOD}&table=weeks")[1:] == [
        ["2026-W10", "1", "4", "3"], ["2026-W11", "0", "0", "0"]]


def test_learning_enrolments_and_completions_match_the_learning_figures(app, client, login_as,
                                                                         world):
    login_as(world["staff"])
    assert _csv(client, f"/dashboard/leerlijn.csv?{PERIOD}&table=weeks")[1:] == [
        ["2026-W10", "1", "0"], ["2026-W11", "1", "2"]]
    modules = {r[0]: r[1:] for r in _csv(client, f"/dashboard/leerlijn.csv?{PERIOD}&table=modules")[1:]}
    from portal.learning import figures

    with app.test_request_context():
        start, end = figures.period_bounds("2026-03-02", "2026-03-15")
        own = {m["title"]: [str(m["enrolled"]), str(m["completed"])]
               for m in figures.module_figures(world["staff"], start, end)}
    assert modules == own
    assert sum(int(v[0]) for v in modules.values()) == 2


def test_assistant_conversations_by_outcome(client, login_as, world):
    login_as(world["staff"])
    weeks = _csv(client, f"/dashboard/assistent.csv?{PERIOD}&table=conversations")
    assert weeks[0] == ["Week", "Doorgegeven", "Beantwoord", "Alleen doorgevraagd", "Overig",
                        "Totaal"]
    assert weeks[1:] == [["2026-W10", "0", "1", "0", "0", "1"], ["2026-W11", "1", "0", "1", "1", "3"]]
    replies = {r[0]: r[1:] for r in _csv(client, f"/dashboard/assistent.csv?{PERIOD}&table=replies")}
    assert replies["answer"] == ["3", "3", "0"]
    key = {r[0]: r[2] for r in _csv(client, f"/dashboard.csv?{PERIOD}&table=key")}
    assert key["Beantwoord zonder aanvraag (%)"] == "25,0"
    assert key["Overgedragen aan het team"] == "1"


def test_pages_show_accessible_charts_with_their_numbers_and_no_inline_code(client, login_as,
                                                                            world):
    login_as(world["staff"])
    for slug in ("", "/loket", "/zoeken", "/agenda", "/leerlijn", "/assistent"):
        response = client.get(f"/dashboard{slug}?{PERIOD}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        body = html.split("<main", 1)[1]
        assert "<script" not in body and "<style" not in body and " style=" not in body
        charts = re.findall(r'<svg [^>]*role="img"[^>]*>', body)
        assert charts, slug
        for tag in charts:
            chart_id = re.search(r'id="([^"]+)"', tag).group(1)
            assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in tag
            assert f'<title id="{chart_id}-title">' in body and f'<desc id="{chart_id}-desc">' in body
            assert "viewBox=" in tag and "width=" not in tag
        assert "<table>" in body and 'download>' in body
    page = client.get(f"/dashboard/loket?{PERIOD}").get_data(as_text=True)
    assert "66,7" in page and "Analysevraag" in page
    fragment = client.get(f"/dashboard/loket?{PERIOD}", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in fragment.get_data(as_text=True) and "66,7" in fragment.get_data(
        as_text=True)
    css = client.get("/dashboard/grafieken.css")
    assert css.mimetype == "text/css" and "svg.report-chart .color-0" in css.get_data(as_text=True)


def test_only_staff_and_admins_see_the_dashboards(client, login_as, world):
    urls = ["/dashboard", "/dashboard/loket", "/dashboard/zoeken", "/dashboard/agenda",
            "/dashboard/leerlijn", "/dashboard/assistent", "/dashboard.csv",
            "/dashboard/loket.csv?table=sla", "/dashboard/zoeken?format=csv&table=top"]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    login_as(world["employee"])
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert "Dashboards" not in client.get("/").get_data(as_text=True)
    switch_user(client, world["admin"])
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert 'href="/dashboard"' in client.get("/").get_data(as_text=True)


def test_bad_filters_are_a_clear_400_and_unknown_pages_404(client, login_as, world):
    login_as(world["staff"])
    response = client.get("/dashboard/loket?van=2026-13-01&tot=2026-03-01")
    assert response.status_code == 400
    assert "JJJJ-MM-DD" in response.get_data(as_text=True) or "YYYY-MM-DD" in response.get_data(
        as_text=True)
    assert client.get("/dashboard/loket?van=2026-03-10&tot=2026-03-01").status_code == 400
    assert client.get("/dashboard/loket?afdeling=nope").status_code == 400
    assert client.get("/dashboard/agenda?van=9999-12-30&tot=9999-12-31").status_code == 400
    assert client.get("/dashboard/agenda?van=0001-01-01&tot=0001-01-02").status_code == 400
    assert client.get("/dashboard/agenda.csv?van=" + "9" * 500).status_code == 400
    assert client.get("/dashboard/loket.csv?van=gisteren").status_code == 400
    assert client.get("/dashboard/bestaat-niet").status_code == 404
    assert client.get("/dashboard/loket.csv?table=bestaat-niet").status_code == 404


def test_csv_headers_are_dutch_when_the_page_is_english(client, login_as, world):
    from tests.conftest import csrf

    login_as(world["staff"])
    client.post("/language", data={"lang": "en", "next": "/dashboard", "csrf_token": csrf(client)})
    page = client.get(f"/dashboard/loket?{PERIOD}").get_data(as_text=True)
    assert "Requests per week by type" in page and 'lang="en"' in page
    header = _csv(client, f"/dashboard/loket.csv?{PERIOD}&table=sla")[0]
    assert header[:2] == ["Prioriteit", "Aanvragen"]
