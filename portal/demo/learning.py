"""Demo learning track: a pool of thirty teachers, teachers on the module sessions of the
demo agenda, learners at every stage, certificates (one revoked).

Everything goes through the learning services (and the events services for check-in at
the door) while ``timeutil.set_now`` moves the clock, so dates look lived in. Mails those
services queue (invitations to demo addresses) are deleted in the same transaction.
Runs once: when the pool has teachers, nothing is loaded.
"""

from __future__ import annotations

import random
from datetime import timedelta

from .. import timeutil
from ..accounts import service as accounts
from ..db import get_db, transaction
from ..errors import Conflict, DomainError
from ..events import attendance, registration
from ..learning import assignments, availability, certificates, content, quiz, service, teachers
from .users import DEMO_PASSWORD

SEED = 9
# name, department, what they do (teachers are colleagues who like to teach)
TEACHERS = [
    ("Anouk Brouwer", "szw", "data-analist"), ("Bas Koster", "dsb", "BI-ontwikkelaar"),
    ("Charlotte Dekker", "bsd", "privacy officer"), ("Dennis Verhoeven", "dso", "onderzoeker"),
    ("Esra Yilmaz", "ocw", "dataofficer"), ("Frank de Wit", "bdv", "data-analist"),
    ("Gerda Smits", "dpz", "privacy officer"), ("Hamza Benali", "ibd", "data engineer"),
    ("Inge van Leeuwen", "szw", "onderzoeker"), ("Jeroen Hoekstra", "dso", "BI-ontwikkelaar"),
    ("Karin Bos", "vh", "informatieadviseur"), ("Luuk Peters", "dsb", "data-analist"),
    ("Mila Janssens", "ocw", "onderzoeker"), ("Niels Groen", "bsd", "dataofficer"),
    ("Olga Petrova", "ibd", "data scientist"), ("Paul van den Berg", "dso", "GIS-specialist"),
    ("Quinten Maas", "szw", "BI-ontwikkelaar"), ("Roos Vos", "dpz", "ethicus"),
    ("Sem de Boer", "bdv", "data-analist"), ("Tamara Linders", "vh", "privacy officer"),
    ("Umut Kaya", "ibd", "data engineer"), ("Vera Prins", "ocw", "dataofficer"),
    ("Willem Kuipers", "dsb", "statisticus"), ("Xander Post", "dso", "data scientist"),
    ("Yara Haddad", "szw", "onderzoeker"), ("Zoë van Vliet", "bsd", "informatieadviseur"),
    ("Arjen Mol", "dpz", "BI-ontwikkelaar"), ("Bo Lammers", "ibd", "AI-specialist"),
    ("Cas Willemsen", "vh", "statisticus"), ("Dewi Sardjoe", "ocw", "data-analist"),
]
REVIEWER_NOTE = "Goed uitgewerkt en de oorzaak bij de bron gezocht."
ASSIGNMENT_TEXT = {
    "dgw-02-data-vinden-en-aanvragen": "Eerst gezocht in de kennisbank en op het open-"
    "dataportaal: de wijkcijfers over jeugdhulp bestaan al per buurt. Mijn vraag is nu scherper:"
    " welk aandeel jongeren in Escamp krijgt jeugdhulp, per jaar sinds 2022?",
    "dgw-03-datakwaliteit": "Vijf controles op het bestand met meldingen openbare ruimte. Bij"
    " de totalen viel een dip in maart op: de koppeling met de aannemer lag toen stil. Eigenaar"
    " is team Stadsbeheer; gemeld via de Datashop.",
    "dgw-04-visualiseren-en-dashboards": "Schets van een dashboard met vier visuals voor de"
    " wijkmanager: trend, kaart per buurt, vergelijking met de stad en een tabel met de bron.",
    "dgw-07-statistiek-voor-beleid": "De nota trekt een causale conclusie uit een vergelijking"
    " voor en na. Advies: een vergelijkingsgroep en de onzekerheidsmarge vermelden.",
}


def _email(name: str) -> str:
    plain = name.lower().replace("ë", "e").replace(" van den ", ".vanden").replace(
        " van ", ".van").replace(" de ", ".de").replace(" ", ".")
    return f"{plain}@denhaag.example"


def teacher_logins() -> list[tuple[str, str, str]]:
    return [(_email(name), name, job) for name, _dept, job in TEACHERS]


def _pool(staff, modules: list[str], rng: random.Random) -> list:
    """Create the teacher accounts and mark them as teachers with 1–3 modules each."""
    out = []
    for index, (name, department, _job) in enumerate(TEACHERS):
        user = accounts.find_by_email(_email(name)) or accounts.create_user(
            _email(name), name, "employee", password=DEMO_PASSWORD, department=department)
        mine = [modules[index % len(modules)], modules[(index * 3 + 1) % len(modules)]]
        if index % 3 == 0:
            mine.append(modules[(index + 5) % len(modules)])
        teachers.set_teacher(staff, user.id, list(dict.fromkeys(mine)), rng.choice((2, 3, 3, 4)))
        out.append(user)
    today = timeutil.local(timeutil.now()).date()
    for user in out[:4]:  # a few holidays and courses in the coming months
        start = today + timedelta(days=rng.randint(10, 80))
        availability.add_unavailable(staff, user.id, start.isoformat(),
                                 (start + timedelta(days=rng.randint(3, 14))).isoformat(),
                                 rng.choice(("Vakantie", "Cursus", "Verlof")))
    return out


def _staff_teachers(staff, pool: list, rng: random.Random) -> int:
    """One or two teachers on every module session of the agenda."""
    assigned = 0
    for event in sorted(teachers._sessions(staff).values(),  # noqa: SLF001
                        key=lambda e: e["starts_at"]):
        if event["status"] == "cancelled":
            continue
        wanted = 2 if rng.random() < 0.5 else 1
        candidates = pool[:]
        rng.shuffle(candidates)
        for person in candidates:
            if len(teachers.session_teachers(event["id"])) >= wanted:
                break
            try:
                teachers.assign(staff, event["id"], person.id)
                assigned += 1
            except Conflict:
                continue
    return assigned


def _demo_teacher(staff, person) -> None:
    """The teacher that `portal demo logins` shows co-teaches the next upcoming session of
    one of their modules (as the second teacher, a host), so "Mijn lessen" has an
    attendee list to show."""
    db = get_db()
    mine = {r["module_id"] for r in db.execute(
        "SELECT module_id FROM learning_teacher_modules WHERE user_id = ?", [person.id])}
    for event in sorted(teachers._sessions(staff).values(),  # noqa: SLF001
                        key=lambda e: e["starts_at"]):
        if event["is_past"] or event["status"] != "published" or event["module"] not in mine:
            continue
        current = teachers.session_teachers(event["id"])
        if any(t["id"] == person.id for t in current):
            return
        if len(current) < teachers.MAX_TEACHERS:
            try:
                teachers.assign(staff, event["id"], person.id)
                return
            except Conflict:
                continue


class _Learner:
    """One demo learner working through modules on a moving clock."""

    def __init__(self, user, start, now, pool_by_module, staff):
        self.user, self.clock, self.pool, self.staff = user, start, pool_by_module, staff
        self._now = now

    def tick(self, days: float = 2) -> None:
        self.clock += timedelta(days=days)
        timeutil.set_now(min(self.clock, self._now))

    def work(self, module_id: str, read: int | None = None, quiz_result: str | None = None,
             assignment: str | None = None, session: bool = False, fails: int = 0) -> None:
        module = content.module(module_id)
        self.tick()
        service.enrol(self.user, module_id)
        if "read" in module["completion"]:
            sections = module["sections"] if read is None else module["sections"][:read]
            for section in sections:
                service.mark_read(self.user, module_id, section["id"])
            self.tick(1)
        if quiz_result and "quiz" in module["completion"]:
            questions = content.questions(module)
            for _ in range(fails + (quiz_result == "fail")):
                attempt = quiz.start(self.user, module_id)
                wrong = {q["id"]: [q["options"][0]["id"]] for q in questions[: len(questions) // 2]}
                quiz.submit(self.user, attempt["id"], wrong)
                self.tick(1)
            if quiz_result == "pass":
                attempt = quiz.start(self.user, module_id)
                right = {q["id"]: [o["id"] for o in q["options"] if o["correct"]]
                         for q in questions}
                quiz.submit(self.user, attempt["id"], right)
                self.tick(1)
        if session:
            self._attend(module_id)
        if assignment and "assignment" in module["completion"]:
            handed = assignments.submit(self.user, module_id, ASSIGNMENT_TEXT.get(
                module_id, "Uitwerking van de opdracht."))
            if assignment in ("approved", "revise"):
                self.tick(3)
                reviewer = self.pool.get(module_id) or self.staff
                assignments.review(reviewer, handed["id"], assignment,
                                   REVIEWER_NOTE if assignment == "approved"
                                   else "Beschrijf ook wie eigenaar is van het probleem.")
        service.overview(self.user)  # completion and certificates at this moment

    def _attend(self, module_id: str) -> None:
        """Checked in at the door of the module's last past session (a walk-in if need be);
        without one, at the next session that has taken place by today, or else signed up
        for the next one."""
        sessions = [e for e in teachers._sessions(self.staff).values()  # noqa: SLF001
                    if e["module"] == module_id and e["status"] == "published"]
        past = [e for e in sessions if e["is_past"]]
        if not past:
            upcoming = sorted((e for e in sessions if e["signup"] in ("open", "full")),
                              key=lambda e: e["starts_at"])
            held = [e for e in upcoming if timeutil.parse(e["starts_at"]) < self._now]
            if held:
                past = held[:1]
            else:
                if upcoming:
                    timeutil.set_now(self._now)
                    registration.sign_up(self.user, upcoming[0]["id"])
                return
        event = max(past, key=lambda e: e["starts_at"])
        before = timeutil.now()
        timeutil.set_now(timeutil.parse(event["starts_at"]) + timedelta(minutes=5))
        attendance.add_walk_in(self.staff, event["id"], self.user.name, self.user.email)
        timeutil.set_now(before)


PLANS = {
    # Sanne: the intro done, data quality under way (a quiz not passed yet), privacy enrolled.
    "sanne.devries@denhaag.example": [
        ("dgw-01-introductie", {"quiz_result": "pass"}),
        ("dgw-03-datakwaliteit", {"read": 2, "quiz_result": "fail"}),
        ("dgw-05-privacy-en-avg", {"read": 0})],
    "pieter.smit@denhaag.example": [
        ("dgw-01-introductie", {"quiz_result": "pass"}),
        ("dgw-02-data-vinden-en-aanvragen", {"quiz_result": "pass", "assignment": "approved"}),
        ("dgw-03-datakwaliteit", {"quiz_result": "pass", "fails": 1, "assignment": "approved"}),
        ("dgw-04-visualiseren-en-dashboards", {"read": 3, "assignment": "submitted"})],
    "noor.hendriks@denhaag.example": [
        ("dgw-01-introductie", {"quiz_result": "pass"}),
        ("dgw-05-privacy-en-avg", {"quiz_result": "pass", "session": True}),
        ("dgw-06-algoritmes-en-ethiek", {"quiz_result": "pass", "session": True})],
    "daan.vermeulen@denhaag.example": [
        ("dgw-01-introductie", {"quiz_result": "pass"}),
        ("dgw-02-data-vinden-en-aanvragen", {"quiz_result": "pass", "assignment": "revise"})],
    "ilse.kok@denhaag.example": [("dgw-01-introductie", {"quiz_result": "pass"})],
    "youssef.haddou@denhaag.example": [("dgw-01-introductie", {"read": 0})],
    "emma.degraaf@denhaag.example": [("dgw-01-introductie", {"read": 3, "quiz_result": "fail"})],
    "priya.ramdin@denhaag.example": [
        ("dgw-01-introductie", {"quiz_result": "pass"}),
        ("dgw-03-datakwaliteit", {"quiz_result": "pass", "assignment": "approved"}),
        ("dgw-07-statistiek-voor-beleid", {"quiz_result": "pass", "assignment": "approved"})],
    "thijs.vandijk@denhaag.example": [("dgw-03-datakwaliteit", {"read": 4})],
    # Bram: his assignment for "data vinden" waits for a teacher (Anouk's review list).
    "bram.willems@denhaag.example": [
        ("dgw-01-introductie", {"quiz_result": "pass"}),
        ("dgw-02-data-vinden-en-aanvragen", {"quiz_result": "pass", "assignment": "submitted"})],
}
REVOKED = "ilse.kok@denhaag.example"


def load_learning(users: dict) -> str:
    """Load the demo learning track once; return a report line."""
    db = get_db()
    if not content.modules():
        from ..kb import service as kb

        kb.sync_folders()
    modules = [m["id"] for m in content.modules()]
    if not modules:
        return "Demo learning track: no course modules found (COURSES_DIR), nothing loaded."
    if db.execute("SELECT COUNT(*) FROM learning_teachers").fetchone()[0]:
        return "Demo learning track: teachers already there, nothing loaded."
    staff = users["eva.mulder@denhaag.example"]
    rng = random.Random(SEED)
    previous = timeutil._frozen  # noqa: SLF001  (a test may have frozen the clock)
    now = timeutil.now()
    try:
        with transaction(db):
            mail_before = db.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()[0]
            pool = _pool(staff, modules, rng)
            sessions = _staff_teachers(staff, pool, rng)
            _demo_teacher(staff, pool[0])
            by_module = {}
            for person in pool:
                for row in db.execute("SELECT module_id FROM learning_teacher_modules WHERE"
                                      " user_id = ?", [person.id]):
                    by_module.setdefault(row["module_id"], person)
            thijs = users["thijs.vandijk@denhaag.example"]
            service.waive(staff, thijs.id, "dgw-03-datakwaliteit", "dgw-01-introductie",
                          "Werkt al jaren als analist bij SZW; de introductie is bekende stof.")
            for index, (email, plan) in enumerate(PLANS.items()):
                learner = _Learner(users[email], now - timedelta(days=100 - index * 4), now,
                                   by_module, staff)
                for module_id, steps in plan:
                    try:
                        learner.work(module_id, **steps)
                    except DomainError as exc:
                        raise RuntimeError(f"demo learner {email} in {module_id}: {exc.message}"
                                           f" {exc.fields or ''}") from exc
                timeutil.set_now(now)
            code = db.execute("SELECT c.code FROM learning_certificates c JOIN users u ON"
                              " u.id = c.user_id WHERE u.email = ?", [REVOKED]).fetchone()
            if code:
                certificates.revoke(staff, code["code"], "Per abuis uitgereikt: de toets is"
                                    " gemaakt op het account van een collega.")
            timeutil.set_now(now)
            dropped = db.execute("DELETE FROM outbox WHERE id > ?", [mail_before]).rowcount
    finally:
        timeutil.set_now(previous)
    issued = db.execute("SELECT COUNT(*) FROM learning_certificates").fetchone()[0]
    return (f"Demo learning track: {len(pool)} teachers, {sessions} session assignments,"
            f" {len(PLANS)} learners, {issued} certificates (one revoked)."
            f" Demo mails not queued: {dropped}.")
