"""The outbox and its sender, against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jinja2
import pytest
from aiosmtpd.controller import Controller

from portal import timeutil
from portal.db import get_db, transaction
from portal.errors import Conflict, Invalid
from portal.mail.outbox import enqueue, requeue, summary
from portal.mail.render import absolute_url, render_mail
from portal.mail.sender import send_pending

TEST_TEMPLATES = Path(__file__).parent / "mail_templates"


class Collector:
    """An SMTP handler that keeps what it accepts; replies can be forced."""

    def __init__(self):
        self.messages = []
        self.envelopes = []
        self.rcpt_reply = None
        self.data_reply = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        with self.lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(email.message_from_bytes(envelope.content,
                                                          policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def clock():
    """Move time: clock.advance(minutes=...) ; reset after the test."""

    class Clock:
        moment = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

        def advance(self, **delta):
            self.moment += timedelta(**delta)
            timeutil.set_now(self.moment)

    c = Clock()
    timeutil.set_now(c.moment)
    yield c
    timeutil.set_now(None)


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def smtp_app(app, port):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    app.jinja_loader = jinja2.ChoiceLoader([app.jinja_loader,
                                            jinja2.FileSystemLoader(str(TEST_TEMPLATES))])
    return app


@pytest.fixture
def smtp_server(port):
    """Start/stop a collecting SMTP server on ``port`` (started by the test)."""
    handler = Collector()
    state = {"controller": None}

    class Server:
        collector = handler

        def start(self):
            state["controller"] = Controller(handler, hostname="127.0.0.1", port=port)
            state["controller"].start()
            return handler

        def stop(self):
            state.pop("controller").stop()
            state["controller"] = None

    yield Server()
    if state["controller"] is not None:
        state["controller"].stop()


def queue_notice(app, to="ann@denhaag.example", locale="en", **extra):
    with app.app_context():
        subject, text, html = render_mail(
            "notice", locale, title=extra.pop("title", "Your export is ready"),
            paragraphs=["The monthly export has been generated.", "It stays available for 7 days."],
            greeting_name="Ann", action_url=absolute_url("desk.home"), action_label="Open the desk")
        db = get_db()
        with transaction(db):
            return enqueue(db, to=to, subject=subject, text=text, html=html, **extra)


def outbox_row(app, message_id):
    with app.app_context():
        return dict(get_db().execute("SELECT * FROM outbox WHERE id = ?", [message_id]).fetchone())


def send(app, **kwargs):
    with app.app_context():
        return send_pending(**kwargs)


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


# --- delivery over SMTP ---------------------------------------------------------------------

def test_send_delivers_text_and_html_with_headers(smtp_app, smtp_server):
    collector = smtp_server.start()
    message_id = queue_notice(smtp_app)

    report = send(smtp_app)

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [message] = collector.messages
    assert collector.envelopes == [("datashop@denhaag.example", ["ann@denhaag.example"])]
    assert message["From"] == "Datashop <datashop@denhaag.example>"
    assert message["To"] == "ann@denhaag.example"
    assert message["Subject"] == "Your export is ready"
    assert message["Date"] and message["Message-ID"].endswith("@denhaag.example>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert "Hello Ann," in text and "The monthly export has been generated." in text
    assert "Open the desk: http://127.0.0.1:5000/" in text
    assert '<html lang="en">' in html and 'href="http://127.0.0.1:5000/"' in html
    row = outbox_row(smtp_app, message_id)
    assert row["status"] == "sent" and row["sent_at"] and row["attempts"] == 1
    # Nothing is sent twice.
    assert send(smtp_app).sent == 0 and len(collector.messages) == 1


def test_mail_is_rendered_in_the_recipients_language(smtp_app, smtp_server):
    collector = smtp_server.start()
    when = "2026-01-15T10:00:00+00:00"
    with smtp_app.app_context():
        db = get_db()
        for locale in ("nl", "en"):
            subject, text, html = render_mail("probe", locale, when=when)
            enqueue(db, to=f"{locale}@denhaag.example", subject=subject, text=text, html=html)
        # Unknown locale: the portal default (Dutch).
        assert render_mail("probe", "fr", when=when)[0] == "Log eerst in."

    send(smtp_app)

    dutch, english = collector.messages
    assert dutch["Subject"] == "Log eerst in." and english["Subject"] == "Please log in first."
    nl_text, nl_html = parts(dutch)
    en_text, en_html = parts(english)
    assert "januari" in nl_text and "January" in en_text
    assert '<html lang="nl">' in nl_html and '<html lang="en">' in en_html


def test_ticket_mail_carries_a_stable_thread_id(smtp_app, smtp_server, make_user):
    collector = smtp_server.start()
    user = make_user("employee")
    with smtp_app.app_context():
        db = get_db()
        stamp = timeutil.iso()
        ticket_id = db.execute(
            "INSERT INTO tickets (number, type, subject, description, department, personal_data,"
            " requester_id, created_at, updated_at) VALUES ('DS-2026-0001', 'question', 's', 'd',"
            " 'szw', 'no', ?, ?, ?)", [user.id, stamp, stamp]).lastrowid
    first = queue_notice(smtp_app, ticket_id=ticket_id)
    second = queue_notice(smtp_app, ticket_id=ticket_id, headers={"Reply-To": "desk@denhaag.example"})

    send(smtp_app)

    one, two = collector.messages
    thread = f"<ticket-{ticket_id}@denhaag.example>"
    assert one["References"] == thread == two["In-Reply-To"]
    assert one["Message-ID"] != two["Message-ID"]
    assert two["Reply-To"] == "desk@denhaag.example"
    assert outbox_row(smtp_app, first)["ticket_id"] == ticket_id == outbox_row(smtp_app, second)["ticket_id"]


def test_server_down_keeps_the_message_and_a_later_run_delivers(smtp_app, smtp_server, clock):
    first = queue_notice(smtp_app)
    second = queue_notice(smtp_app, to="bob@denhaag.example")

    report = send(smtp_app)  # nothing listens on the port

    assert report.sent == 0 and report.retried == 1 and report.stopped
    row = outbox_row(smtp_app, first)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "cannot connect" in row["last_error"]
    assert row["next_attempt_at"] > timeutil.iso()
    # The run stopped at the unreachable server instead of burning every message's attempts.
    assert outbox_row(smtp_app, second)["attempts"] == 0

    collector = smtp_server.start()
    assert send(smtp_app).sent == 1  # the second one; the first waits for its backoff
    clock.advance(minutes=2)
    assert send(smtp_app).sent == 1

    assert sorted(m["To"] for m in collector.messages) == ["ann@denhaag.example", "bob@denhaag.example"]
    assert outbox_row(smtp_app, first)["status"] == "sent"
    assert outbox_row(smtp_app, first)["attempts"] == 2


def test_recipient_refused_permanently_fails_at_once(smtp_app, smtp_server):
    collector = smtp_server.start()
    collector.rcpt_reply = "550 5.1.1 No such user"
    message_id = queue_notice(smtp_app, to="gone@denhaag.example")

    report = send(smtp_app)

    assert report.failed == 1 and report.retried == 0
    row = outbox_row(smtp_app, message_id)
    assert row["status"] == "failed" and row["attempts"] == 1
    assert "550" in row["last_error"] and "No such user" in row["last_error"]


def test_temporary_refusal_is_retried_with_backoff(smtp_app, smtp_server, clock):
    collector = smtp_server.start()
    collector.data_reply = "451 4.3.0 Try again later"
    message_id = queue_notice(smtp_app)
    other = queue_notice(smtp_app, to="bob@denhaag.example")

    report = send(smtp_app)

    # A refused message does not stop the run: the connection is fine.
    assert report.retried == 2 and report.stopped is None
    row = outbox_row(smtp_app, message_id)
    assert row["status"] == "pending" and "451" in row["last_error"]
    first_wait = timeutil.parse(row["next_attempt_at"]) - clock.moment
    clock.advance(seconds=first_wait.total_seconds())
    assert send(smtp_app).retried == 2
    second_wait = timeutil.parse(outbox_row(smtp_app, message_id)["next_attempt_at"]) - clock.moment
    assert second_wait == 2 * first_wait  # exponential backoff

    collector.data_reply = None
    clock.advance(seconds=second_wait.total_seconds())
    assert send(smtp_app).sent == 2
    assert outbox_row(smtp_app, other)["status"] == "sent"


def test_long_outage_keeps_retrying_until_the_message_expires(smtp_app, smtp_server, clock):
    """A day-long outage does not use up a message; after OUTBOX_GIVE_UP_HOURS it fails."""
    message_id = queue_notice(smtp_app)
    runner = smtp_app.test_cli_runner()

    for _ in range(40):  # 40 attempts over a 20-hour outage: still pending, waits capped
        send(smtp_app)
        row = outbox_row(smtp_app, message_id)
        assert row["status"] == "pending"
        wait = timeutil.parse(row["next_attempt_at"]) - clock.moment
        assert wait.total_seconds() <= smtp_app.config["OUTBOX_RETRY_MAX_SECONDS"]
        clock.advance(minutes=30)
    collector = smtp_server.start()  # the server is back: the mail goes out
    clock.advance(minutes=30)
    assert send(smtp_app).sent == 1 and len(collector.messages) == 1
    smtp_server.stop()
    collector.messages.clear()

    message_id = queue_notice(smtp_app)
    send(smtp_app)
    clock.advance(hours=smtp_app.config["OUTBOX_GIVE_UP_HOURS"])
    report = send(smtp_app)  # past its relevance: given up, kept, shown to admins
    assert report.failed == 1
    row = outbox_row(smtp_app, message_id)
    assert row["status"] == "failed" and row["attempts"] == 2
    clock.advance(days=1)
    assert send(smtp_app).processed == 0  # failed messages are not picked up again

    status = runner.invoke(args=["outbox", "status"])
    assert "Failed: 1" in status.output and "cannot connect" in status.output

    collector = smtp_server.start()
    result = runner.invoke(args=["outbox", "retry", "--all-failed"])
    assert result.exit_code == 0 and "Re-queued 1" in result.output
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert len(collector.messages) == 1
    assert outbox_row(smtp_app, message_id)["status"] == "sent"


def test_retry_rules(smtp_app, smtp_server):
    collector = smtp_server.start()
    message_id = queue_notice(smtp_app)
    send(smtp_app)
    runner = smtp_app.test_cli_runner()
    with smtp_app.app_context():
        with pytest.raises(Conflict):  # a sent message is never sent again
            requeue(get_db(), message_id=message_id)
    result = runner.invoke(args=["outbox", "retry", "--id", "999"])
    assert result.exit_code != 0 and "Bericht 999 staat niet in de outbox" in result.output
    result = runner.invoke(args=["outbox", "retry"])
    assert result.exit_code != 0 and "--all-failed" in result.output
    assert len(collector.messages) == 1


def test_two_concurrent_senders_send_each_message_once(smtp_app, smtp_server):
    collector = smtp_server.start()
    ids = [queue_notice(smtp_app, to=f"user{n}@denhaag.example") for n in range(30)]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def worker():
        try:
            with smtp_app.app_context():  # its own connection to the same db file
                barrier.wait()
                reports.append(send_pending(limit=100))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    assert sum(report.sent for report in reports) == 30
    received = sorted(message["To"] for message in collector.messages)
    assert received == sorted(f"user{n}@denhaag.example" for n in range(30))
    assert len({message["Message-ID"] for message in collector.messages}) == 30
    assert all(outbox_row(smtp_app, i)["status"] == "sent" for i in ids)


# --- file backend -----------------------------------------------------------------------------

def test_file_backend_writes_eml_files(app):
    message_id = queue_notice(app, locale="nl")

    report = send(app)

    assert report.sent == 1
    files = list(Path(app.config["MAIL_FOLDER"]).glob("*.eml"))
    assert len(files) == 1 and files[0].name.endswith(f"-{message_id:06d}.eml")
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "ann@denhaag.example" and message["Subject"] == "Your export is ready"
    text, html = parts(message)
    assert "The monthly export has been generated." in text and '<html lang="nl">' in html
    assert outbox_row(app, message_id)["status"] == "sent"


def test_unknown_backend_is_reported_without_touching_messages(app):
    app.config["MAIL_BACKEND"] = "pigeon"
    message_id = queue_notice(app)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code != 0 and "MAIL_BACKEND" in result.output
    assert outbox_row(app, message_id)["attempts"] == 0


# --- enqueue rules ------------------------------------------------------------------------------

def test_header_injection_in_subject_is_neutralised(smtp_app, smtp_server):
    collector = smtp_server.start()
    with smtp_app.app_context():
        db = get_db()
        enqueue(db, to="ann@denhaag.example", subject="Hello\r\nBcc: evil@attacker.example\r\n\r\nbody",
                text="Hi", headers={"X-Ticket": "DS-1\nBcc: evil@attacker.example"})
    send(smtp_app)

    [message] = collector.messages
    assert message["Bcc"] is None
    assert message["Subject"] == "Hello Bcc: evil@attacker.example body"
    assert message["X-Ticket"] == "DS-1 Bcc: evil@attacker.example"
    assert collector.envelopes[0][1] == ["ann@denhaag.example"]


@pytest.mark.parametrize("to", ["", "not-an-address", "a@b.example, c@d.example",
                                "a@b.example\r\nBcc: c@d.example", "a b@c.example"])
def test_enqueue_rejects_anything_but_one_address(app, to):
    with app.app_context():
        with pytest.raises(Invalid):
            enqueue(get_db(), to=to, subject="s", text="t")
        assert get_db().execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_enqueue_accepts_a_named_address_and_refuses_reserved_headers(app):
    with app.app_context():
        db = get_db()
        message_id = enqueue(db, to="Ann de Vries <ann@denhaag.example>", subject="s", text="t")
        assert db.execute("SELECT to_addr FROM outbox WHERE id = ?", [message_id]).fetchone()[0] \
            == "ann@denhaag.example"
        with pytest.raises(Invalid):
            enqueue(db, to="ann@denhaag.example", subject="s", text="t", headers={"Bcc": "x@y.example"})
        with pytest.raises(Invalid):
            enqueue(db, to="ann@denhaag.example", subject="\n", text="t")


def test_enqueue_in_a_rolled_back_transaction_leaves_no_mail(app):
    with app.app_context():
        db = get_db()
        with pytest.raises(RuntimeError):
            with transaction(db):
                enqueue(db, to="ann@denhaag.example", subject="s", text="t")
                raise RuntimeError("the change failed")
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
        assert summary(db)["counts"] == {"pending": 0, "sent": 0, "failed": 0}


# --- the worker ---------------------------------------------------------------------------------

def test_worker_loop_sends_and_stops_cleanly_on_sigterm(app):
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = Path(app.config["MAIL_FOLDER"])
    env = dict(os.environ, PORTAL_INSTANCE_PATH=app.instance_path, PORTAL_MAIL_BACKEND="file")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal:create_app", "outbox", "send", "--loop",
         "--interval", "0.2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        queue_notice(app)  # queued while the worker is already running
        deadline = time.monotonic() + 30
        while not list(folder.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list(folder.glob("*.eml"))) == 1
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "Sent 1" in output and "Outbox worker stopped." in output
