"""Accessibility in a real browser: axe-core (WCAG 2.1 A and AA rules) on every main page.

The portal is loaded with the demo accounts and tickets and a few knowledge
documents; an employee and a staff member each log in once and walk the pages,
including the states htmx brings (live search, queue filter, suggestions) and
forms shown again with errors. Every violation axe reports, whatever its
impact (minor, moderate, serious, critical), fails the test; the message lists
each rule, its impact and the elements it found.

The pages visited are then loaded again at 320 px wide (WCAG 1.4.10 reflow):
none may scroll sideways.

Two small keyboard tests on the request form: Tab moves through the fields in
visual order with a focus ring that stands out on white, and every link in the
error summary lands on its field.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
# WCAG 2.1 A and AA, and axe's best practices (heading order, landmarks, content in a landmark...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
DOCS = ["howto/data-aanvragen-datashop.md", "faq/faq-datashop-algemeen.md",
        "datasets/bevolking-per-wijk.md", "teams/team-bi.md", "projecten/parkeerdruk-dashboard.md",
        "algoritmes/algoritme-parkeerscanauto.md"]
DOC_ID = "data-aanvragen-datashop"
PHONE = {"width": 390, "height": 844}
# Wider than any UI font: monospace with extra letter spacing.
WIDE_FONT = "*, *::before, *::after { font-family: monospace !important; letter-spacing: .08em !important; }"
NARROWEST = {"width": 320, "height": 640}  # WCAG 1.4.10 reflow: 320 CSS px without scrolling sideways
DESKTOP = {"width": 1280, "height": 900}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""
# WCAG 2.1 4.1.1; axe 4.14 no longer checks it, so the test does.
DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const e of document.querySelectorAll('[id]')) seen.set(e.id, (seen.get(e.id) || 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `#${id} (${n}x)`);
}"""


@pytest.fixture
def demo(app):
    """Demo accounts and tickets, a few real knowledge documents and a (fake-embedding) index."""
    from portal.demo import activity, events, tickets, users
    from portal.kb import service as kb
    from portal.search import service as search

    app.config["EMBEDDING_MODEL"] = "fake:64"
    folder = Path(app.config["KNOWLEDGE_DIR"])
    for name in DOCS:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(KNOWLEDGE / name, target)
    with app.test_request_context():
        accounts = users.ensure_users()
        tickets.load_tickets(accounts)
        events.load_events(accounts)
        activity.load_activity(accounts)
        kb.sync_folders()
        search.rebuild_index()
    _reload_engine(app)
    return accounts


def _reload_engine(app):
    """The live server started loading the default model; load the fake one instead, as a
    server started with this configuration would have (searches are then hybrid)."""
    from portal.search import service as search

    thread = search.start_engine(app) if app.config.get("SEARCH_MODEL_LOAD") == "background" \
        else None
    if thread is not None:
        thread.join(timeout=30)


def _ticket_number(app, requester_id=None, team=None) -> str:
    """An open demo ticket with a conversation (one that takes replies): the requester's,
    or one of the team's."""
    from portal.db import get_db

    where, params = ("t.requester_id = ?", [requester_id]) if requester_id else ("t.team = ?", [team])
    with app.app_context():
        row = next(get_db().query(
            f"SELECT t.number, COUNT(c.id) AS n FROM tickets t LEFT JOIN comments c ON c.ticket_id = t.id"
            f" WHERE {where} AND t.status IN ('new', 'in_progress', 'waiting')"
            " GROUP BY t.id ORDER BY n DESC, t.id LIMIT 1",
            params))
    return row["number"]


def _unrated_number(app, requester_id) -> str:
    """A resolved demo request of the requester's that is not rated yet: it shows the rating form."""
    from portal.db import get_db

    with app.app_context():
        return next(get_db().query(
            "SELECT number FROM tickets t WHERE requester_id = ? AND status = 'resolved'"
            " AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id) ORDER BY id LIMIT 1",
            [requester_id]))["number"]


def _event_id(app, where: str, params=()) -> int:
    """A demo event, e.g. the full one with Sanne on its waiting list."""
    from portal.db import get_db

    with app.app_context():
        return get_db().execute(f"SELECT e.id FROM events e WHERE {where} ORDER BY e.starts_at"
                                " LIMIT 1", list(params)).fetchone()[0]


def _fill_request(page):
    page.fill("#subject", "Parkeerdruk per wijk")
    page.fill("#description", "De parkeerdruk per wijk in 2025, per maand.")
    page.fill('[name="extra.dataset"]', "Parkeerdruk")
    page.fill('[name="extra.purpose"]', "Voor de wijkprofielen.")
    page.check('input[name="extra.format"][value="csv"]')
    page.check('input[name="extra.frequency"][value="once"]')
    page.select_option("#department", "szw")
    page.check('input[name="personal_data"][value="no"]')


def _submit_empty_reply(page):
    """The server's answer to an empty reply (the browser's own check is switched off)."""
    page.evaluate("document.querySelector('form.reply-form').noValidate = true")
    with page.expect_navigation():
        page.locator("form.reply-form button.primary[type=submit]").click()
    assert page.locator("form.reply-form .alert-error, form.reply-form .field-error").count()


def _context(browser):
    # bypass_csp: the pages allow no inline script, and axe-core is injected as one.
    context = browser.new_context(locale="nl-NL", viewport=DESKTOP, bypass_csp=True)
    context.set_default_timeout(10_000)
    return context


def _login(page, base, email):
    from portal.demo.users import DEMO_PASSWORD

    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, f"login failed for {email}"


def _htmx_idle(page):
    """Wait until no htmx request, swap or settle is under way."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


class Audit:
    """Runs axe on pages and keeps what it found, per page."""

    def __init__(self, base):
        self.base = base
        self.found: dict[str, list[dict]] = {}
        self.checked: list[str] = []
        self.visited: list[str] = []  # paths, for the reflow check
        self.sideways: dict[str, str] = {}

    def visit(self, page, path, name, status=200, ready=None):
        response = page.goto(self.base + path)
        assert response.status == status, f"{name}: {path} answered {response.status}"
        self.visited.append(path)
        if ready:  # a panel that htmx loads by itself
            page.locator(ready).first.wait_for()
        self.check(page, name)

    def reflow(self, page):
        """Every page visited so far, at 320 px: nothing may make the page scroll sideways
        (a wide table scrolls inside its own box). Checked with this machine's fonts and
        again with a much wider font, so the layout cannot depend on which fonts a
        machine happens to have."""
        page.set_viewport_size(NARROWEST)
        for path in dict.fromkeys(self.visited):
            page.goto(self.base + path)
            _htmx_idle(page)
            for fonts in ("own fonts", "a wide font"):
                if fonts == "a wide font":
                    page.add_style_tag(content=WIDE_FONT)
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 1:
                    self.sideways[path] = f"{overflow} px wider than the screen with {fonts}"
                    break
        self.visited.clear()
        page.set_viewport_size(DESKTOP)

    def check(self, page, name):
        _htmx_idle(page)
        if not page.evaluate("typeof window.axe === 'object'"):
            page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE, AXE_TAGS)
        duplicates = page.evaluate(DUPLICATE_IDS)
        if duplicates:
            violations.append({"id": "duplicate-id", "impact": "serious", "help": "IDs must be unique",
                               "nodes": [{"target": d} for d in duplicates]})
        self.checked.append(name)
        if violations:
            self.found[name] = violations

    def report(self) -> str:
        lines = [f"{path} at 320 px: {what}" for path, what in self.sideways.items()]
        for name, violations in self.found.items():
            lines.append(f"{name}:")
            for v in violations:
                lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
                for node in v["nodes"][:5]:
                    lines.append(f"      {node['target']}")
                if len(v["nodes"]) > 5:
                    lines.append(f"      ... and {len(v['nodes']) - 5} more")
        return "\n".join(lines)


def test_main_pages_have_no_wcag_violations(live_server, browser, demo):
    app, base = live_server.app, live_server.url
    employee = demo["sanne.devries@denhaag.example"]
    staff = demo["mark.jansen@denhaag.example"]
    audit = Audit(base)

    # The employee, who also sees the pages anyone can see.
    context = _context(browser)
    page = context.new_page()
    audit.visit(page, "/login", "login")
    page.fill("#email", employee.email)
    page.fill("#password", "not-the-password")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    audit.check(page, "login with an error")
    _login(page, base, employee.email)
    audit.visit(page, "/", "start page (employee)")
    audit.visit(page, "/aanvraag", "request type chooser")
    audit.visit(page, "/aanvraag/data_delivery", "request form")
    with page.expect_navigation():
        page.locator("form.request-form button[type=submit]").click()
    assert page.locator(".field-error").count() >= 3, "submitting empty should show field errors"
    audit.check(page, "request form with field errors")
    page.fill("#subject", "Parkeerdruk per wijk")
    page.locator("#suggestions li").first.wait_for()
    audit.check(page, "request form with suggestions")
    _fill_request(page)
    with page.expect_navigation():
        page.locator("form.request-form button[type=submit]").click()
    audit.check(page, "request submitted")
    audit.visit(page, "/mijn-aanvragen", "my requests")
    audit.visit(page, f"/aanvragen/{_ticket_number(app, requester_id=employee.id)}", "ticket (employee)")
    _submit_empty_reply(page)
    audit.check(page, "ticket (employee) with an empty reply")
    audit.visit(page, f"/aanvragen/{_unrated_number(app, employee.id)}", "resolved ticket with rating form")
    assert page.locator('form[action$="/beoordeling"]').count() == 1
    audit.visit(page, "/account", "account")
    audit.visit(page, "/agenda", "agenda")
    page.select_option("#f-type", "spreekuur")
    page.wait_for_url("**type=spreekuur**")
    audit.check(page, "agenda, filtered (htmx)")
    full = _event_id(app, "e.title = 'Workshop Python voor beleidsmedewerkers'"
                          " AND e.starts_at > datetime('now')")
    audit.visit(page, f"/agenda/{full}", "event on whose waiting list I am")
    unrated = _event_id(app, "EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id"
                             " AND r.user_id = ? AND r.attended = 1 AND r.feedback_score IS NULL)"
                             " AND e.ends_at < datetime('now')", [employee.id])
    audit.visit(page, f"/agenda/{unrated}", "past event with feedback form")
    assert page.locator('form[action$="/feedback"]').count() == 1
    audit.visit(page, "/mijn-aanmeldingen", "my registrations")
    with page.expect_navigation():
        page.locator('form[action$="/agenda-link"] button').click()
    audit.check(page, "my registrations with a new calendar link")
    audit.visit(page, "/kennisbank/", "knowledge base")
    page.locator(".tabs a[href$='type=faq']").click()
    page.wait_for_url("**type=faq")
    audit.check(page, "knowledge base, FAQ tab (htmx)")
    audit.visit(page, f"/kennisbank/{DOC_ID}", "knowledge document")
    audit.visit(page, "/kennisbank/faq-datashop-algemeen", "knowledge FAQ")
    audit.visit(page, "/zoeken/?q=parkeerdruk", "search with results")
    assert page.locator(".result").count() > 0
    audit.visit(page, "/zoeken/?q=qwxzv", "search without results")
    page.fill("#q", "dashboard")
    page.wait_for_url("**q=dashboard**")
    page.locator(".result").first.wait_for()
    audit.check(page, "search, live results (htmx)")
    audit.visit(page, "/kennisbank/bestaat-niet", "knowledge document not found", status=404)
    audit.visit(page, "/bestaat-niet", "error page (404)", status=404)
    audit.visit(page, "/aanvragen/DS-2000-9999", "unknown ticket (404)", status=404)
    with page.expect_navigation():
        page.locator(".lang-form button").click()
    assert page.locator("html").get_attribute("lang") == "en"
    audit.check(page, "unknown ticket (404, English)")
    audit.visit(page, "/", "start page (employee, English)")
    with page.expect_navigation():
        page.locator(".lang-form button").click()
    audit.reflow(page)
    page.set_viewport_size(PHONE)
    audit.visit(page, "/aanvraag/data_delivery", "request form (390 px)")
    with page.expect_navigation():
        page.locator("form.request-form button[type=submit]").click()
    audit.check(page, "request form with field errors (390 px)")
    audit.visit(page, "/", "start page (employee, 390 px)")
    context.close()

    # Staff.
    context = _context(browser)
    page = context.new_page()
    _login(page, base, staff.email)
    audit.visit(page, "/", "start page (staff)")
    audit.visit(page, "/behandelen", "staff queue")
    page.select_option("#f-status", "all")
    page.wait_for_url("**status=all**")
    audit.check(page, "staff queue, filtered (htmx)")
    audit.visit(page, f"/aanvragen/{_ticket_number(app, team='udp')}", "ticket (staff)",
                ready="#similar-tickets h2:not(.visually-hidden)")
    _submit_empty_reply(page)
    audit.check(page, "ticket (staff) with an empty reply")
    audit.visit(page, "/behandelen/standaardantwoorden", "canned replies")
    audit.visit(page, "/zoeken/statistieken", "search statistics")
    meetup = _event_id(app, "e.type = 'meetup' AND e.ends_at < datetime('now')"
                            " ORDER BY e.starts_at DESC --")
    audit.visit(page, f"/agenda/{meetup}", "past event (staff)")
    audit.visit(page, f"/agenda/{meetup}/deelnemers", "attendees and check-in")
    audit.visit(page, "/agenda/nieuw", "new event form")
    with page.expect_navigation():
        page.locator("main form.narrow button[type=submit]").click()
    audit.check(page, "new event form with errors")
    audit.visit(page, f"/agenda/{full}/bewerken", "edit event form")
    audit.visit(page, "/agenda/cijfers", "agenda figures")
    for slug, name in (("", "overview"), ("/loket", "desk"), ("/zoeken", "search"),
                       ("/agenda", "agenda"), ("/leerlijn", "learning"), ("/assistent", "assistant")):
        audit.visit(page, f"/dashboard{slug}", f"dashboard: {name}")
        assert page.locator("svg[role=img]").count() > 0, f"dashboard {name} shows no chart"
    audit.visit(page, "/dashboard/loket?van=gisteren", "dashboard with a bad period", status=400)
    audit.reflow(page)
    page.set_viewport_size(PHONE)
    audit.visit(page, "/behandelen", "staff queue (390 px)")
    audit.visit(page, f"/agenda/{meetup}/deelnemers", "check-in (390 px)")
    context.close()

    assert not audit.found and not audit.sideways, (
        f"axe found accessibility violations on {len(audit.found)} of {len(audit.checked)} pages, "
        f"{len(audit.sideways)} pages scroll sideways at 320 px:\n{audit.report()}")


FOCUS_INFO = """() => {
  const e = document.activeElement, box = e.getBoundingClientRect(), style = getComputedStyle(e);
  return {key: e.id || e.name || e.textContent.trim(), tag: e.tagName.toLowerCase(), type: e.type || '',
          top: box.top + window.scrollY, left: box.left,
          outline: style.outlineStyle === 'none' ? null : style.outlineColor,
          outlineWidth: parseFloat(style.outlineWidth)};
}"""


def _luminance(rgb: str) -> float:
    channels = [int(v) / 255 for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast_on_white(rgb: str) -> float:
    return 1.05 / (_luminance(rgb) + 0.05)


def _login_as(page, base, user):
    from tests.e2e.browser_support import login_as

    login_as(page, base, user)


def test_tab_moves_through_the_request_form_in_visual_order(live_server, page, make_user):
    base = live_server.url
    _login_as(page, base, make_user("employee"))
    page.goto(f"{base}/aanvraag/data_delivery")

    for _ in range(30):  # skip link, header, "other kinds of requests"
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "subject":
            break
    stops = [page.evaluate(FOCUS_INFO)]
    while stops[-1]["type"] != "submit" and len(stops) < 40:
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_INFO)
        if stop["key"] != stops[-1]["key"]:  # a date field has several stops (day, month, year)
            stops.append(stop)

    assert [s["key"] for s in stops] == [
        "subject", "description", "extra.dataset", "extra.purpose", "extra.format",
        "extra.frequency", "department", "desired_date", "personal_data", "attachments",
        "Aanvraag indienen"]
    tops = [s["top"] for s in stops]
    assert tops == sorted(tops), f"focus jumps up the page: {list(zip([s['key'] for s in stops], tops))}"
    for s in stops:  # WCAG 2.4.7 and 1.4.11: a focus ring that stands out on the white form
        assert s["outline"] and s["outlineWidth"] >= 2, f"{s['key']} shows no focus ring"
        assert _contrast_on_white(s["outline"]) >= 3, f"{s['key']}: focus ring {s['outline']} is too faint"


def test_error_summary_links_lead_to_their_fields(live_server, page, make_user):
    base = live_server.url
    _login_as(page, base, make_user("employee"))
    page.goto(f"{base}/aanvraag/data_delivery")
    with page.expect_navigation():
        page.locator("form.request-form button[type=submit]").click()

    links = page.locator("#error-summary a")
    targets = [href[1:] for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")]
    assert {"subject", "description", "extra.format", "personal_data"} <= set(targets)
    for target in targets:
        kind = page.evaluate("id => { const e = document.getElementById(id); return e && e.tagName; }", target)
        assert kind in ("INPUT", "TEXTAREA", "SELECT"), f"error link #{target} leads to {kind}"
    page.locator('#error-summary a[href="#personal_data"]').click()
    assert page.evaluate("document.activeElement.name") == "personal_data"
    page.keyboard.press("Space")  # the keyboard carries on right there
    assert page.locator('input[name="personal_data"]').first.is_checked()


@pytest.fixture
def learning_demo(app):
    """Demo accounts, the agenda and the learning track (courses, pool, progress)."""
    from portal.demo import events, learning, users

    shutil.copytree(Path(__file__).resolve().parents[2] / "courses",
                    Path(app.config["COURSES_DIR"]), dirs_exist_ok=True)
    Path(app.config["KNOWLEDGE_DIR"]).mkdir(parents=True, exist_ok=True)
    with app.test_request_context():
        accounts = users.ensure_users()
        events.load_events(accounts)
        learning.load_learning(accounts)
    return accounts


def test_learning_pages_have_no_wcag_violations(live_server, browser, learning_demo):
    from portal.db import get_db

    app, base = live_server.app, live_server.url
    audit = Audit(base)
    with app.app_context():
        db = get_db()
        code = db.execute("SELECT code FROM learning_certificates c JOIN users u ON"
                          " u.id = c.user_id WHERE u.email = 'sanne.devries@denhaag.example'"
                          ).fetchone()[0]
        revoked = db.execute("SELECT code FROM learning_certificates WHERE revoked_at IS NOT"
                             " NULL").fetchone()[0]
        session = db.execute("SELECT s.event_id, s.user_id FROM learning_session_teachers s"
                             " JOIN events e ON e.id = s.event_id WHERE e.starts_at >"
                             " datetime('now') ORDER BY e.starts_at LIMIT 1").fetchone()
        teacher = db.execute("SELECT u.email FROM learning_teachers t JOIN users u ON"
                             " u.id = t.user_id JOIN learning_teacher_modules m ON"
                             " m.user_id = t.user_id WHERE m.module_id ="
                             " 'dgw-04-visualiseren-en-dashboards' ORDER BY u.name"
                             " LIMIT 1").fetchone()[0]

    context = _context(browser)
    page = context.new_page()
    audit.visit(page, f"/certificaat/{code}", "certificate verification (logged out)")
    audit.visit(page, f"/certificaat/{revoked}", "revoked certificate (logged out)")
    _login(page, base, "sanne.devries@denhaag.example")
    audit.visit(page, "/leerlijn", "my learning track")
    audit.visit(page, "/leerlijn/dgw-03-datakwaliteit", "module in progress")
    audit.visit(page, "/leerlijn/dgw-04-visualiseren-en-dashboards", "locked module")
    with page.expect_navigation():
        page.get_by_role("button", name="Inschrijven voor deze module").click()
    audit.check(page, "locked module after trying to enrol")
    page.goto(base + "/leerlijn/dgw-03-datakwaliteit")
    with page.expect_navigation():
        page.get_by_role("button", name="Start de toets").click()
    audit.check(page, "quiz")
    with page.expect_navigation():
        page.get_by_role("button", name="Antwoorden inleveren").click()
    audit.check(page, "quiz result with explanations")
    audit.visit(page, f"/leerlijn/certificaten/{code}", "certificate")
    audit.visit(page, "/leerlijn/mijn-gegevens", "my learning data")
    audit.reflow(page)
    context.close()

    context = _context(browser)
    page = context.new_page()
    _login(page, base, teacher)
    audit.visit(page, "/leerlijn/lesgeven", "my teaching")
    context.close()

    context = _context(browser)
    page = context.new_page()
    _login(page, base, "eva.mulder@denhaag.example")
    audit.visit(page, "/leerlijn/beheer", "learning track management")
    audit.visit(page, "/leerlijn/beheer/docenten", "teacher pool and load")
    audit.visit(page, f"/leerlijn/beheer/sessies/{session['event_id']}?uitval={session['user_id']}",
                "session with substitute proposal")
    audit.reflow(page)
    context.close()
    assert not audit.found and not audit.sideways, (
        f"axe found accessibility violations on {len(audit.found)} of {len(audit.checked)} pages, "
        f"{len(audit.sideways)} pages scroll sideways at 320 px:\n{audit.report()}")
