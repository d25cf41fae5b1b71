"""Enrolment, prerequisites, reading, completion and progress. Rules and SQL, no request.

Every function takes the acting user first and checks permissions itself:

- a learner (any logged-in user) enrols, reads and sees their own progress only;
- Datashop staff and admins see any learner's progress and may waive a prerequisite
  for one learner, with a reason that is stored.

A module is completed when every rule its front matter lists under ``completion`` is
met: ``read`` (all sections marked as read), ``quiz`` (a passed attempt), ``session``
(a module session attended, from the events feature) and ``assignment`` (approved by a
teacher). Completion is evaluated when progress is read or changes, in one transaction
with the certificate it issues.
"""

from __future__ import annotations

from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User, get_user
from ..db import get_db, transaction
from ..audit import log as audit
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..events import attendance as event_attendance
from ..events import service as events
from . import certificates, content

__all__ = ["overview", "module_detail", "enrol", "enrol_track", "mark_read", "waive",
           "my_data", "STATES"]

STATES = ("locked", "open", "enrolled", "in_progress", "completed")
REASON_MAX = 500


def _learner(user: User, learner_id: int | None) -> User:
    """The learner whose progress is read: oneself, or anyone for staff."""
    if learner_id is None or learner_id == user.id:
        return user
    if not user.is_staff:
        raise Forbidden(_("You can only see your own learning progress."))
    return get_user(learner_id)


def _facts(db, learner: User, module_id: str) -> dict:
    """What is stored about one learner and one module."""
    enrolment = db.execute("SELECT * FROM learning_enrolments WHERE user_id = ? AND module_id = ?",
                           [learner.id, module_id]).fetchone()
    read = {row["section"] for row in db.execute(
        "SELECT section FROM learning_reading WHERE user_id = ? AND module_id = ?",
        [learner.id, module_id])}
    attempts = db.execute("SELECT COUNT(*) AS n, MAX(passed) AS passed FROM learning_quiz_attempts"
                          " WHERE user_id = ? AND module_id = ? AND submitted_at IS NOT NULL",
                          [learner.id, module_id]).fetchone()
    assignment = db.execute("SELECT status FROM learning_assignments WHERE user_id = ?"
                            " AND module_id = ? ORDER BY id DESC LIMIT 1",
                            [learner.id, module_id]).fetchone()
    attended = event_attendance.attended_sessions(learner, module_id)
    return {"enrolment": enrolment, "read": read, "attempts": attempts["n"],
            "quiz_passed": bool(attempts["passed"]),
            "assignment": assignment["status"] if assignment else None,
            "attended": attended}


def rule_status(module: dict, facts: dict, sections: list[dict]) -> dict:
    """{rule: met?} for the module's completion rules."""
    met = {}
    for rule in module["completion"]:
        if rule == "read":
            met[rule] = bool(sections) and all(s["id"] in facts["read"] for s in sections)
        elif rule == "quiz":
            met[rule] = facts["quiz_passed"]
        elif rule == "session":
            met[rule] = bool(facts["attended"])
        elif rule == "assignment":
            met[rule] = facts["assignment"] == "approved"
    return met


def _waived(db, learner_id: int, module_id: str) -> set[str]:
    return {row["prerequisite_id"] for row in db.execute(
        "SELECT prerequisite_id FROM learning_waivers WHERE user_id = ? AND module_id = ?",
        [learner_id, module_id])}


def _completed_ids(db, learner_id: int) -> set[str]:
    return {row["module_id"] for row in db.execute(
        "SELECT module_id FROM learning_enrolments WHERE user_id = ? AND completed_at IS NOT NULL",
        [learner_id])}


def missing_prerequisites(db, learner_id: int, module: dict, titles: dict[str, str]) -> list[dict]:
    done = _completed_ids(db, learner_id) | _waived(db, learner_id, module["id"])
    return [{"id": p, "title": titles.get(p, p), "url": f"/leerlijn/{p}"}
            for p in module["prerequisites"] if p not in done]


def session_signup_check(db, user: User, event_row) -> None:
    """A module session is for learners who may take its module: a sign-up for a session of
    a module that is locked for them is refused (Conflict with ``missing``), as enrolment
    is. Added to the events feature's sign-up checks by create_app."""
    if event_row["type"] != "module_session" or not event_row["module"]:
        return
    try:
        module = content.module(event_row["module"])
    except NotFound:  # a session of a module that is not (or no longer) in courses/
        return
    titles = _titles(content.modules(module["track"]))
    missing = missing_prerequisites(db, user.id, module, titles)
    if missing:
        error = Conflict(_("This session belongs to the module %(module)s, which is still "
                           "locked for you. First complete: %(modules)s.",
                           module=module["title"],
                           modules=", ".join(m["title"] for m in missing)))
        error.missing = missing
        raise error


def _refresh(db, learner: User, module: dict, facts: dict, sections: list[dict]) -> bool:
    """Mark the module completed (and issue its certificate) when all rules are met."""
    enrolment = facts["enrolment"]
    if enrolment is None or enrolment["completed_at"]:
        return bool(enrolment and enrolment["completed_at"])
    if not all(rule_status(module, facts, sections).values()):
        return False
    with transaction(db):
        stamp = timeutil.iso()
        changed = db.execute("UPDATE learning_enrolments SET completed_at = ? WHERE id = ?"
                             " AND completed_at IS NULL", [stamp, enrolment["id"]]).rowcount
        if changed:
            certificates.issue(db, learner, module["track"], module["id"], module["title"])
            _maybe_complete_track(db, learner, module["track"])
    return True


def refresh(learner: User, module_id: str) -> bool:
    """Re-evaluate one module's completion for a learner (after any progress)."""
    db = get_db()
    module = content.module(module_id)
    return _refresh(db, learner, module, _facts(db, learner, module_id), module["sections"])


def _maybe_complete_track(db, learner: User, track_id: str) -> None:
    ids = [m["id"] for m in content.modules(track_id)]
    if ids and set(ids) <= _completed_ids(db, learner.id):
        certificates.issue(db, learner, track_id, None, content.track(track_id)["title"])


def _module_state(db, learner: User, module: dict, titles: dict, sections=None) -> dict:
    if sections is None:
        sections = content.reading_sections(_body(db, module["id"]))
    facts = _facts(db, learner, module["id"])
    completed = _refresh(db, learner, module, facts, sections)
    if completed:
        facts = _facts(db, learner, module["id"])
    missing = missing_prerequisites(db, learner.id, module, titles)
    rules = rule_status(module, facts, sections)
    enrolment = facts["enrolment"]
    if enrolment and enrolment["completed_at"]:
        state = "completed"
    elif enrolment:
        started = (facts["read"] or facts["attempts"] or facts["assignment"]
                   or ("session" in module["completion"] and facts["attended"]))
        state = "in_progress" if started else "enrolled"
    else:
        state = "locked" if missing else "open"
    return {**{k: module[k] for k in ("id", "title", "summary", "level", "duration_minutes",
                                      "prerequisites", "completion", "quiz", "assignment",
                                      "track")},
            "state": state, "rules": rules, "missing_prerequisites": missing,
            "sections_read": len([s for s in sections if s["id"] in facts["read"]]),
            "sections_total": len(sections), "quiz_attempts": facts["attempts"],
            "assignment_status": facts["assignment"],
            "enrolled_at": enrolment["enrolled_at"] if enrolment else None,
            "completed_at": enrolment["completed_at"] if enrolment else None}


def _body(db, module_id: str) -> str:
    row = db.execute("SELECT body FROM documents WHERE id = ?", [module_id]).fetchone()
    return row["body"] if row else ""


def _titles(modules: list[dict]) -> dict[str, str]:
    return {m["id"]: m["title"] for m in modules}


def overview(user: User, learner_id: int | None = None,
             track_id: str = content.DEFAULT_TRACK) -> dict:
    """"Mijn leerlijn": every module with its state, the progress and the next step."""
    learner = _learner(user, learner_id)
    db = get_db()
    modules = content.modules(track_id)
    titles = _titles(modules)
    items = [_module_state(db, learner, m, titles) for m in modules]
    done = sum(1 for m in items if m["state"] == "completed")
    next_step = next((m for m in items if m["state"] in ("in_progress", "enrolled")), None) \
        or next((m for m in items if m["state"] == "open"), None)
    return {"track": content.track(track_id), "learner": {"id": learner.id, "name": learner.name},
            "modules": items, "completed": done, "total": len(items),
            "percent": round(100 * done / len(items)) if items else 0,
            "next_step": ({"id": next_step["id"], "title": next_step["title"],
                           "state": next_step["state"]} if next_step else None),
            "certificates": certificates.for_learner(db, learner.id)}


def module_detail(user: User, module_id: str, learner_id: int | None = None) -> dict:
    """One module for a learner: state, sections with read marks, next sessions."""
    learner = _learner(user, learner_id)
    module = content.module(module_id)
    db = get_db()
    titles = _titles(content.modules(module["track"]))
    state = _module_state(db, learner, module, titles, module["sections"])
    read = _facts(db, learner, module_id)["read"]
    state["sections"] = [{**s, "read": s["id"] in read} for s in module["sections"]]
    state["body"] = module["body"]
    state["url"] = module["url"]
    state["sessions"] = next_sessions(user, module_id)
    return state


def next_sessions(user: User, module_id: str, limit: int = 5) -> list[dict]:
    """The module's upcoming classroom sessions (events of type module session)."""
    found = events.list_events(user, {"type": "module_session", "when": "upcoming",
                                      "status": "published"}, limit=200)
    return [e for e in found["items"] if e["module"] == module_id][:limit]


def enrol(user: User, module_id: str) -> dict:
    """Enrol oneself in a module; Conflict (with ``missing``) when a prerequisite is missing."""
    module = content.module(module_id)
    db = get_db()
    titles = _titles(content.modules(module["track"]))
    for prerequisite in module["prerequisites"]:
        if prerequisite in titles:
            refresh(user, prerequisite)  # e.g. a session attended since the last look
    with transaction(db):
        missing = missing_prerequisites(db, user.id, module, titles)
        if missing:
            error = Conflict(_("First complete: %(modules)s.",
                               modules=", ".join(m["title"] for m in missing)))
            error.missing = missing
            raise error
        db.execute("INSERT INTO learning_enrolments (user_id, module_id, enrolled_at)"
                   " VALUES (?, ?, ?) ON CONFLICT (user_id, module_id) DO NOTHING",
                   [user.id, module_id, timeutil.iso()])
    return module_detail(user, module_id)


def enrol_track(user: User, track_id: str = content.DEFAULT_TRACK) -> dict:
    """Enrol in every module of the track that is open now; locked ones follow later."""
    enrolled = []
    for module in content.modules(track_id):
        try:
            enrol(user, module["id"])
            enrolled.append(module["id"])
        except Conflict:
            continue
    return {"enrolled": enrolled, "overview": overview(user, track_id=track_id)}


def mark_read(user: User, module_id: str, section_id: str, done: bool = True) -> dict:
    """Mark a section of a module one is enrolled in as read (or unread)."""
    module = content.module(module_id)
    section_id = parsing.text(section_id, "section", required=True, max_length=200,
                              multiline=False)
    if section_id not in {s["id"] for s in module["sections"]}:
        raise Invalid(_("This module has no such section."), {"section": _("Unknown section.")})
    db = get_db()
    with transaction(db):
        require_enrolled(db, user, module_id)
        if done:
            db.execute("INSERT INTO learning_reading (user_id, module_id, section, read_at)"
                       " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       [user.id, module_id, section_id, timeutil.iso()])
        else:
            db.execute("DELETE FROM learning_reading WHERE user_id = ? AND module_id = ?"
                       " AND section = ?", [user.id, module_id, section_id])
    return module_detail(user, module_id)


def waive(user: User, learner_id: int, module_id: str, prerequisite_id: str, reason) -> dict:
    """Staff: let one learner skip one prerequisite of a module, with a reason."""
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can waive a prerequisite."))
    module = content.module(module_id)
    if prerequisite_id not in module["prerequisites"]:
        raise Invalid(_("This is not a prerequisite of the module."),
                      {"prerequisite": _("Not a prerequisite of this module.")})
    reason = parsing.text(reason, "reason", required=True, max_length=REASON_MAX)
    learner = get_user(learner_id)
    db = get_db()
    with transaction(db):
        db.execute("INSERT INTO learning_waivers (user_id, module_id, prerequisite_id, reason,"
                   " waived_by, waived_at) VALUES (?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT (user_id, module_id, prerequisite_id) DO UPDATE SET"
                   " reason = excluded.reason, waived_by = excluded.waived_by,"
                   " waived_at = excluded.waived_at",
                   [learner.id, module_id, prerequisite_id, reason, user.id, timeutil.iso()])
        audit.record(db, user, "learning.waiver", f"user:{learner.id}",
                     {"module": module_id, "prerequisite": prerequisite_id, "reason": reason})
    return module_detail(user, module_id, learner_id=learner.id)


def my_data(user: User) -> dict:
    """Everything the learning track stores about the user (for the user): the same record
    as the privacy export (privacy.py imports assignments, which imports this module)."""
    from .privacy import learning_record

    return learning_record(get_db(), user.id)


def require_enrolled(db, user: User, module_id: str) -> None:
    if db.execute("SELECT 1 FROM learning_enrolments WHERE user_id = ? AND module_id = ?",
                  [user.id, module_id]).fetchone() is None:
        raise Conflict(_("Enrol in the module first."))

