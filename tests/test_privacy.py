"""Privacy by design: retention per kind, export and erasure of a person, the audit log,
permissions and the generated processing register."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from portal import timeutil
from portal.desk.attachments import Upload
from tests.conftest import csrf
from tests.desk_support import MONDAY, acting, count, create
from tests.events_support import published
from tests.learning_support import INTRO, QUALITY, complete_intro, courses  # noqa: F401

DAY = timedelta(days=1)


@pytest.fixture
def clock():
    timeutil.set_now(MONDAY)
    yield lambda moment: timeutil.set_now(moment)
    timeutil.set_now(None)


def run(app, dry_run=False, kinds=None):
    from portal.privacy import retention

    with acting(app):
        return {r["key"]: r for r in retention.run(dry_run=dry_run, kinds=kinds)}


def closed_ticket(app, requester, staff, **data):
    from portal.desk import lifecycle, service

    ticket = create(app, requester, **data)
    with acting(app):
        service.add_comment(staff, ticket["number"], f"Beste {requester.name.split()[0]}, "
                            f"hierbij de cijfers. Groet, {staff.name}")
        service.add_comment(staff, ticket["number"], "Intern: aanvrager belde.", internal=True)
        service.add_comment(requester, ticket["number"], f"Dank! {requester.email}")
        for status in ("in_progress", "resolved", "closed"):
            lifecycle.change_status(staff, ticket["number"], status)
    return ticket


def test_closed_tickets_lose_attachments_then_requester_and_names(app, make_user, clock):
    from portal.desk import service

    alice = make_user("employee", name="Alice Jansen", email="alice.jansen@denhaag.example")
    staff = make_user("staff", teams=["bi"], name="Joost Bakker")
    old = closed_ticket(app, alice, staff, subject="Wijkcijfers voor Alice Jansen",
                        uploads=[Upload("wijken.csv", b"wijk,aantal\nCentrum,3\n")])
    with acting(app) as db:
        stored = Path(app.config["UPLOAD_FOLDER"]) / db.execute(
            "SELECT stored_name FROM attachments").fetchone()[0]
    assert stored.is_file()
    clock(MONDAY + 400 * DAY)
    recent = closed_ticket(app, alice, staff, subject="Nieuwe vraag van Alice")

    clock(MONDAY + 200 * DAY)  # attachments go after 180 days; tickets stay until 730
    dry = run(app, dry_run=True)
    assert dry["ticket_attachments"]["count"] == 1
    assert dry["ticket_attachments"]["examples"] == [f"{old['number']}: wijken.csv"]
    assert stored.is_file() and count(app, "attachments") == 1  # a dry run changes nothing
    report = run(app)
    assert report["ticket_attachments"]["count"] == 1 and report["tickets_closed"]["count"] == 0
    assert not stored.exists() and count(app, "attachments") == 0
    assert run(app)["ticket_attachments"]["count"] == 0  # idempotent

    clock(MONDAY + 731 * DAY)
    dry = run(app, dry_run=True)
    assert dry["tickets_closed"]["count"] == 1
    assert count(app, "tickets", "anonymised_at IS NOT NULL") == 0
    assert run(app)["tickets_closed"]["count"] == 1
    assert run(app)["tickets_closed"]["count"] == 0
    with acting(app):
        ticket = service.get_ticket(staff, old["number"])
        thread = service.get_thread(staff, old["number"])
        untouched = service.get_ticket(staff, recent["number"])
    assert ticket["requester"]["name"] == "Verwijderde gebruiker"
    assert ticket["subject"] == "Wijkcijfers voor [naam]"
    bodies = " ".join(c["body"] for c in thread)
    assert "Alice" not in bodies and "alice.jansen" not in bodies and "Jansen" not in bodies
    assert "hierbij de cijfers. Groet, Joost Bakker" in bodies  # staff text and name stay
    assert "Intern: aanvrager belde." in bodies
    assert untouched["requester"]["name"] == "Alice Jansen"
    assert untouched["subject"] == "Nieuwe vraag van Alice"


def test_small_kinds_with_fixed_timestamps(app, make_user, clock):
    from portal.chat import store

    alice = make_user("employee")
    now = MONDAY + 1000 * DAY

    def at(days_ago):
        return timeutil.iso(now - days_ago * DAY)

    with acting(app) as db:
        for days in (91, 89):
            db.execute("INSERT INTO login_attempts (email, success, at) VALUES (?, 0, ?)",
                       [alice.email, at(days)])
            db.execute("INSERT INTO user_sessions (id, user_id, created_at, last_seen_at)"
                       " VALUES (?, ?, ?, ?)", [f"s{days}", alice.id, at(days), at(days - 60)])
            db.execute("INSERT INTO search_log (at, query, result_count, source) VALUES (?, ?, 1, 'web')",
                       [at(days + 275), f"query {days}"])
            db.execute("INSERT INTO outbox (created_at, to_addr, subject, body_text, status,"
                       " next_attempt_at) VALUES (?, ?, 's', 'b', 'sent', ?)",
                       [at(days - 60), alice.email, at(days - 60)])
            db.execute("INSERT INTO audit_log (at, actor, action) VALUES (?, 'cli', 'user.role')",
                       [at(days * 12.1)])
        db.execute("INSERT INTO outbox (created_at, to_addr, subject, body_text, status,"
                   " next_attempt_at) VALUES (?, ?, 's', 'b', 'pending', ?)",
                   [at(300), alice.email, at(300)])
        for days in (31, 29):
            timeutil.set_now(now - days * DAY)
            store.create_conversation(db, alice.id)
    clock(now)
    dry = run(app, dry_run=True)
    expected = {"login_attempts": 1, "sessions": 1, "search_log": 1, "outbox": 1, "audit_log": 1,
                "assistant_conversations": 1}
    assert {k: dry[k]["count"] for k in expected} == expected
    assert count(app, "login_attempts") == 2 and count(app, "chat_conversations") == 2
    done = run(app)
    assert {k: done[k]["count"] for k in expected} == expected
    for table, left in (("login_attempts", 1), ("user_sessions", 1), ("search_log", 1),
                        ("outbox", 2), ("chat_conversations", 1)):
        assert count(app, table) == left, table
    assert count(app, "outbox", "status = 'pending'") == 1  # pending mail is never removed
    assert count(app, "audit_log", "action = 'retention.run'") == 1  # dry run not audited
    assert all(r["count"] == 0 for r in run(app, dry_run=True).values())


def test_registrations_lose_names_after_the_event_counts_stay(app, make_user, clock):
    from portal.events import attendance, registration

    timeutil.set_now(datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc))
    staff, alice, bob = make_user("staff", teams=["bi"]), make_user("employee"), make_user("employee")
    event = published(app, staff)
    with acting(app):
        reg = registration.sign_up(alice, event["id"])["registration"]
        registration.sign_up(bob, event["id"])
        timeutil.set_now(datetime(2027, 2, 3, 14, 30, tzinfo=timezone.utc))
        attendance.set_attended(staff, event["id"], reg["id"], True)
        attendance.add_walk_in(staff, event["id"], "Gast Pietersen")
        timeutil.set_now(datetime(2027, 2, 4, 9, 0, tzinfo=timezone.utc))
        attendance.give_feedback(alice, event["id"], 4, "Leerzaam")
        before = attendance.event_figures(staff, event["id"])
    clock(datetime(2028, 2, 1, tzinfo=timezone.utc))  # less than a year after the event
    assert run(app, dry_run=True)["event_registrations"]["count"] == 0
    clock(datetime(2028, 2, 5, tzinfo=timezone.utc))
    assert run(app, dry_run=True)["event_registrations"]["count"] == 3
    assert count(app, "registrations", "user_id IS NOT NULL") == 2
    assert run(app)["event_registrations"]["count"] == 3
    with acting(app):
        after = attendance.event_figures(staff, event["id"])
        names = [a["name"] for a in attendance.attendees(staff, event["id"])]
    assert after == before
    assert count(app, "registrations", "user_id IS NOT NULL") == 0
    assert "Gast Pietersen" not in names
    assert run(app)["event_registrations"]["count"] == 0


def test_quiz_answers_and_assignments_go_outcome_stays(app, make_user, courses, clock):
    from portal.learning import assignments, service

    learner, staff = make_user("employee"), make_user("staff", teams=["bi"])
    complete_intro(app, learner)
    with acting(app):
        service.enrol(learner, QUALITY)
        handed = assignments.submit(learner, QUALITY, "Vijf controles gedaan.",
                                    Upload("controle.csv", b"kolom,fout\nwijk,0\n"))
        file_path, _name, _type = assignments.file_path(learner, handed["id"])
        assignments.review(staff, handed["id"], "approved", "Goed gedaan")
    assert file_path.is_file()
    assert count(app, "learning_quiz_answers") > 0
    clock(MONDAY + 300 * DAY)
    assert run(app, dry_run=True)["quiz_answers"]["count"] == 0
    clock(MONDAY + 366 * DAY)
    dry = run(app, dry_run=True)
    assert dry["quiz_answers"]["count"] > 0 and dry["assignments"]["count"] == 1
    assert file_path.is_file()
    run(app)
    assert count(app, "learning_quiz_answers") == 0
    assert count(app, "learning_quiz_attempts", "passed = 1") == 1
    assert not file_path.exists()
    with acting(app) as db:
        row = db.execute("SELECT body, status, file_stored, review_comment FROM"
                         " learning_assignments").fetchone()
        state = service.module_detail(learner, INTRO)["state"]
    assert dict(row) == {"body": "[verwijderd na de bewaartermijn]", "status": "approved",
                         "file_stored": None, "review_comment": None}
    assert state == "completed"
    assert run(app)["assignments"]["count"] == 0


def _person_with_everything(app, make_user, courses_dir=None):
    from portal.chat import store
    from portal.desk import service
    from portal.events import registration

    timeutil.set_now(datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc))
    alice = make_user("employee", name="Alice Jansen", email="alice.jansen@denhaag.example")
    bob = make_user("employee", name="Bob de Boer", email="bob.deboer@denhaag.example")
    staff = make_user("staff", teams=["bi"], name="Joost Bakker")
    ticket = create(app, alice, subject="Vraag van Alice Jansen",
                    uploads=[Upload("bijlage.txt", b"gegevens van alice")])
    other = create(app, bob, subject="Vraag van Bob")
    with acting(app) as db:
        service.add_comment(staff, ticket["number"], "Hoi Alice, we kijken ernaar.")
        service.add_comment(staff, ticket["number"], "Notitie: lastige vraag", internal=True)
        event = published(app, staff)
        registration.sign_up(alice, event["id"])
        registration.sign_up(bob, event["id"])
        conversation = store.create_conversation(db, alice.id)
        store.add_message(db, conversation["id"], "user", "Waar vind ik wijkcijfers?")
    complete_intro(app, alice)
    return alice, bob, staff, ticket, other, event


def _zip(data: bytes) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_export_contains_every_feature_and_nothing_of_another(app, make_user, courses):
    from portal.privacy import person

    alice, bob, staff, ticket, other, event = _person_with_everything(app, make_user)
    with acting(app):
        found, data = person.export_person(person.CLI, alice.email)
        own = person.export_own(alice)
    files = _zip(data)
    assert {"desk.json", "events.json", "learning.json", "assistant.json", "mail.json",
            "account.json", "audit.json", "manifest.json"} <= set(files)
    desk = json.loads(files["desk.json"])
    assert [t["number"] for t in desk["requests"]] == [ticket["number"]]
    assert "Notitie: lastige vraag" in files["desk.json"].decode()
    assert any(n.startswith("files/desk/") and n.endswith("bijlage.txt") for n in files)
    assert any(n.startswith("files/learning/certificaat-") and n.endswith(".pdf") for n in files)
    assert json.loads(files["events.json"])["registrations"][0]["title"] == event["title"]
    learning = json.loads(files["learning.json"])
    assert [e["module_id"] for e in learning["enrolments"]] == [INTRO]
    assert learning["quiz_attempts"][0]["answers"]
    assert json.loads(files["assistant.json"])["conversations"][0]["messages"][0]["body"] \
        == "Waar vind ik wijkcijfers?"
    assert json.loads(files["account.json"])["account"]["email"] == alice.email
    assert "password_hash" not in files["account.json"].decode()
    assert json.loads(files["mail.json"])["mails"]  # the confirmations sent to her
    everything = b" ".join(files.values())
    assert other["number"].encode() not in everything and b"Bob" not in everything
    assert bob.email.encode() not in everything
    mine = _zip(own)
    assert "Notitie: lastige vraag" not in mine["desk.json"].decode()  # no internal notes
    assert "Hoi Alice" in mine["desk.json"].decode()


def test_erase_keeps_others_and_the_thread_readable(app, make_user, courses):
    from portal.accounts import service as accounts
    from portal.desk import service
    from portal.events import service as events
    from portal.learning import certificates
    from portal.privacy import person

    alice, bob, staff, ticket, other, event = _person_with_everything(app, make_user)
    with acting(app):
        seats_before = events.get_event(staff, event["id"])["seats_left"]
        code = certificates.for_learner(__import__("portal.db", fromlist=["x"]).get_db(),
                                        alice.id)[0]["code"]
        plan = person.erase_person(person.CLI, alice.email, dry_run=True)["plan"]
    assert plan["desk"]["requests anonymised"] == 1
    assert plan["learning"]["certificates revoked"] == 1
    assert count(app, "users", "email = ?", [alice.email]) == 1  # dry run changed nothing
    with acting(app):
        person.erase_person(person.CLI, alice.email)
        thread = service.get_thread(staff, ticket["number"])
        erased = service.get_ticket(staff, ticket["number"])
        kept = service.get_ticket(bob, other["number"])
        verified = certificates.verify(code)
        seats_after = events.get_event(staff, event["id"])["seats_left"]
        assert accounts.find_by_email(alice.email) is None
    assert erased["requester"]["name"] == "Verwijderde gebruiker"
    assert erased["subject"] == "Vraag van [naam]"
    bodies = [c["body"] for c in thread]
    assert "Hoi [naam], we kijken ernaar." in bodies and "Notitie: lastige vraag" in bodies
    assert all(c["author_name"] != "Alice Jansen" for c in thread)
    assert count(app, "attachments", "ticket_id = ?", [ticket["id"]]) == 0
    assert kept["subject"] == "Vraag van Bob" and kept["requester"]["name"] == "Bob de Boer"
    assert verified["valid"] is False and verified["name"] == "Verwijderde gebruiker"
    assert seats_after == seats_before + 1  # her seat was given up; Bob's stays
    assert count(app, "registrations", "event_id = ?", [event["id"]]) == 2  # counts stay
    assert count(app, "chat_conversations") == 0 and count(app, "learning_enrolments") == 0
    assert count(app, "outbox", "to_addr = ?", [alice.email]) == 0
    assert count(app, "outbox", "to_addr = ?", [bob.email]) > 0
    assert count(app, "audit_log", "action = 'privacy.erase' AND subject = ?",
                 [f"user:{alice.id}"]) == 1
    with acting(app):
        row = __import__("portal.db", fromlist=["x"]).get_db().execute(
            "SELECT details FROM audit_log WHERE action = 'privacy.erase'").fetchone()
    assert alice.email not in row["details"]


def test_pages_and_permissions_per_role(app, make_user, client, login_as):
    employee = make_user("employee", email="emma@denhaag.example")
    staff = make_user("staff", teams=["bi"])
    admin = make_user("admin")
    create(app, employee, subject="Mijn eigen vraag")
    for user, allowed in ((employee, False), (staff, False), (admin, True)):
        login_as(user)
        token = csrf(client, "/mijn-gegevens")
        for path in ("/beheer/privacy", f"/beheer/privacy?email={employee.email}",
                     f"/beheer/privacy/verwijderen?email={employee.email}", "/beheer/audit"):
            assert client.get(path).status_code == (200 if allowed else 403), (user.role, path)
        response = client.post("/beheer/privacy/export", data={"email": employee.email,
                                                               "csrf_token": token})
        assert response.status_code == (200 if allowed else 403)
        mine = client.post("/mijn-gegevens/download", data={"csrf_token": token})
        assert mine.status_code == 200 and mine.headers["Content-Type"] == "application/zip"
        desk = json.loads(_zip(mine.data)["desk.json"])
        assert [t["subject"] for t in desk["requests"]] == (
            ["Mijn eigen vraag"] if user is employee else [])
        client.post("/logout", data={"csrf_token": token})
    login_as(admin)
    token = csrf(client, "/beheer/privacy")
    assert client.get("/beheer/privacy?email=nobody@denhaag.example").status_code == 404
    page = client.get(f"/beheer/privacy/verwijderen?email={employee.email}").get_data(as_text=True)
    assert "Mijn eigen vraag" not in page and employee.email in page
    unconfirmed = client.post("/beheer/privacy/verwijderen",
                              data={"email": employee.email, "csrf_token": token})
    assert unconfirmed.status_code == 200 and count(app, "users", "email = ?", [employee.email]) == 1
    done = client.post("/beheer/privacy/verwijderen",
                       data={"email": employee.email, "confirm": "yes", "csrf_token": token})
    assert done.status_code == 303 and count(app, "users", "email = ?", [employee.email]) == 0
    own = client.post("/beheer/privacy/verwijderen",
                      data={"email": admin.email, "confirm": "yes", "csrf_token": token})
    assert own.status_code == 400 and count(app, "users", "email = ?", [admin.email]) == 1
    rows = {"HX-Request": "true"}  # the htmx fragment: the rows only
    log = client.get("/beheer/audit?action=privacy", headers=rows).get_data(as_text=True)
    assert "privacy.export" in log and "privacy.erase" in log and "privacy.self_export" in log
    erased = client.get("/beheer/audit?action=privacy.erase", headers=rows).get_data(as_text=True)
    assert "privacy.erase" in erased and "privacy.export" not in erased
    assert client.get("/beheer/audit?van=gisteren").status_code == 400


def test_admin_actions_are_audited(app, make_user, courses, clock):
    from portal.accounts import service as accounts
    from portal.audit import log as audit
    from portal.learning import service as learning
    from portal.mail import outbox

    admin, staff, alice = make_user("admin"), make_user("staff", teams=["bi"]), make_user("employee")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "set-role", alice.email, "staff", "--team", "bi"]).exit_code == 0
    assert runner.invoke(args=["users", "set-password", alice.email, "--password",
                               "een-nieuw-wachtwoord"]).exit_code == 0
    csv = Path(app.instance_path) / "users.csv"
    csv.write_text("email,name,department,role,teams\nnew@denhaag.example,Nieuw,szw,employee,\n")
    assert runner.invoke(args=["users", "import", str(csv)]).exit_code == 0
    with acting(app) as db:
        accounts.set_role(alice.id, "staff", teams=["bi"], actor=admin)  # no change: no row
        mail_id = outbox.enqueue(db, to=alice.email, subject="s", text="b")
        db.execute("UPDATE outbox SET status = 'failed' WHERE id = ?", [mail_id])
        outbox.requeue(db, message_id=mail_id, actor=admin)
        learning.waive(staff, alice.id, QUALITY, INTRO, "Ervaring uit vorige baan")
        rows, total = audit.list_entries(db)
        only_waiver, _ = audit.list_entries(db, action="learning.waiver")
        by_admin, _ = audit.list_entries(db, actor=admin.email)
        period, _ = audit.list_entries(db, since=timeutil.iso(MONDAY + DAY))
    actions = [r["action"] for r in rows]
    assert sorted(actions) == ["learning.waiver", "mail.resend", "user.import", "user.password",
                               "user.role"]
    role = next(r for r in rows if r["action"] == "user.role")
    assert (role["actor"], role["details"]["old"], role["details"]["new"]) == ("cli", "employee", "staff")
    assert [r["actor"] for r in only_waiver] == [staff.email]
    assert [r["action"] for r in by_admin] == ["mail.resend"]
    assert period == []


def test_register_page_shows_the_configured_periods(app, client):
    from portal.kb import service as kb
    from portal.privacy.register import DOC_ID

    page = client.get(f"/kennisbank/{DOC_ID}").get_data(as_text=True)
    assert "Verwerkingsregister" in page
    assert "2 jaar (730 dagen) na het sluiten van de aanvraag" in page
    assert "30 dagen na het laatste bericht" in page
    app.config["RETENTION"] = {"tickets_closed": 1095, "assistant_conversations": 14}
    page = client.get(f"/kennisbank/{DOC_ID}").get_data(as_text=True)
    assert "3 jaar (1095 dagen) na het sluiten van de aanvraag" in page
    assert "14 dagen na het laatste bericht" in page
    app.config["KB_GENERATED_PAGES"] = True
    Path(app.config["KNOWLEDGE_DIR"]).mkdir(parents=True, exist_ok=True)
    Path(app.config["COURSES_DIR"]).mkdir(parents=True, exist_ok=True)
    with acting(app):
        kb.sync_folders()
        stored = kb.list_documents(source="generated")
    assert [d["id"] for d in stored] == [DOC_ID]  # searchable after `portal kb sync`


def test_cli_dry_runs_change_nothing(app, make_user, tmp_path):
    alice = make_user("employee", email="alice@denhaag.example")
    create(app, alice)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0 and "Dry run: nothing was changed." in result.output
    assert "tickets_closed" in result.output and "audit_log" in result.output
    assert count(app, "audit_log") == 0
    erase = runner.invoke(args=["privacy", "erase", alice.email, "--dry-run"])
    assert erase.exit_code == 0 and "requests anonymised: 1" in erase.output
    assert count(app, "users", "email = ?", [alice.email]) == 1
    target = tmp_path / "alice.zip"
    export = runner.invoke(args=["privacy", "export", alice.email, "-o", str(target)])
    assert export.exit_code == 0 and zipfile.is_zipfile(target)
    assert runner.invoke(args=["privacy", "erase", "nobody@x.example"]).exit_code == 1
    assert runner.invoke(args=["retention", "run", "--kind", "nope"]).exit_code == 2
    app.config["RETENTION"] = {"outbox": 0}
    bad = runner.invoke(args=["retention", "run"])
    assert bad.exit_code == 1 and "outbox" in bad.output
    app.config["RETENTION"] = {}
    declined = runner.invoke(args=["privacy", "erase", alice.email], input="n\n")
    assert declined.exit_code == 1 and count(app, "users", "email = ?", [alice.email]) == 1
    done = runner.invoke(args=["privacy", "erase", alice.email, "--yes"])
    assert done.exit_code == 0 and count(app, "users", "email = ?", [alice.email]) == 0


def test_erasing_a_staff_member_keeps_their_work(app, make_user, clock):
    from portal.desk import lifecycle, service
    from portal.privacy import person
    from portal.search import similar

    alice = make_user("employee", name="Alice Jansen")
    staff = make_user("staff", teams=["bi"], name="Joost Bakker", email="joost.bakker@denhaag.example")
    colleague = make_user("staff", teams=["bi"])
    ticket = create(app, alice, subject="Vraag over bomen")
    with acting(app) as db:
        lifecycle.update_ticket(staff, ticket["number"], {"assignee": staff.email})
        service.add_comment(staff, ticket["number"], "De lijst komt eraan. Groet, Joost Bakker")
        similar.sync(db)
        person.erase_person(person.CLI, staff.email)
        thread = service.get_thread(colleague, ticket["number"])
        fresh = service.get_ticket(colleague, ticket["number"])
        history = service.list_events(colleague, ticket["number"])
    assert [c["body"] for c in thread] == ["De lijst komt eraan. Groet, [naam]"]
    assert fresh["assignee"] is None and fresh["requester"]["name"] == "Alice Jansen"
    assert fresh["subject"] == "Vraag over bomen"
    assigned = [e for e in history if e["field"] == "assignee"]
    assert assigned and assigned[0]["new"] == "Verwijderde gebruiker"
