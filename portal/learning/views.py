"""Learner pages: "Mijn leerlijn", a module, the quiz, certificates and the public
verification page. Thin: parse the request, call a service, render.

Every action is a plain POST form with CSRF (works without JavaScript).
"""

from __future__ import annotations

from flask import (Blueprint, current_app, flash, redirect, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import parsing
from ..desk.attachments import from_file_storages
from ..downloads import download
from ..errors import Conflict, Invalid
from ..htmx import render
from ..kb.render import render_markdown
from ..mail.render import absolute_url
from ..templating import date_filter
from . import assignments, availability, certificates, content, quiz, service, teachers
from .labels import ASSIGNMENT_STATUSES, LEVELS, RULES, STATES

bp = Blueprint("learning", __name__)


@bp.app_context_processor
def learning_labels():
    return {"LEARNING_STATES": STATES, "LEARNING_RULES": RULES, "LEARNING_LEVELS": LEVELS,
            "ASSIGNMENT_STATUSES": ASSIGNMENT_STATUSES}


def _me():
    return current_user._get_current_object()


@bp.get("/leerlijn")
@login_required
def overview():
    return render("learning/overview.html", overview=service.overview(_me()),
                  is_teacher=teachers.is_teacher(_me()))


@bp.post("/leerlijn/inschrijven")
@login_required
def enrol_track():
    result = service.enrol_track(_me())
    flash(_("Modules you are now enrolled in: %(n)d.", n=len(result["enrolled"])),
          "success")
    return redirect(url_for("learning.overview"), 303)


def _module_page(module_id: str, status: int = 200, **extra):
    module = service.module_detail(_me(), module_id)
    extra.setdefault("errors", {})
    if module["assignment"] and "assignment" in module["completion"]:
        extra["my_assignments"] = assignments.mine(_me(), module_id)
    return render("learning/module.html", status=status, module=module,
                  body_html=render_markdown(module["body"]).html,
                  quiz_info=quiz.attempts(_me(), module_id) if module["quiz"] and
                  "quiz" in module["completion"] else None, **extra)


@bp.get("/leerlijn/<module_id>")
@login_required
def module(module_id):
    return _module_page(module_id)


@bp.post("/leerlijn/<module_id>/inschrijven")
@login_required
def enrol(module_id):
    try:
        service.enrol(_me(), module_id)
    except Conflict as exc:
        return _module_page(module_id, 409, enrol_error=exc.message,
                            missing=getattr(exc, "missing", []))
    flash(_("You are enrolled. Choose a classroom session below if the module has one."),
          "success")
    return redirect(url_for("learning.module", module_id=module_id), 303)


@bp.post("/leerlijn/<module_id>/gelezen")
@login_required
def mark_read(module_id):
    done = request.form.get("done", "1") != "0"
    service.mark_read(_me(), module_id, request.form.get("section"), done)
    return redirect(url_for("learning.module", module_id=module_id) + "#leesvoortgang", 303)


@bp.post("/leerlijn/<module_id>/opdracht")
@login_required
def submit_assignment(module_id):
    uploads = from_file_storages(request.files.getlist("file"))
    try:
        if len(uploads) > 1:
            raise Invalid(_("One file at most."), {"file": _("One file at most.")})
        assignments.submit(_me(), module_id, request.form.get("body"),
                           uploads[0] if uploads else None)
    except (Invalid, Conflict) as exc:
        return _module_page(module_id, exc.status, errors=exc.fields,
                            assignment_error=exc.message, body=request.form.get("body", ""))
    flash(_("Your assignment is handed in. A teacher will review it."), "success")
    return redirect(url_for("learning.module", module_id=module_id) + "#inleveren", 303)


@bp.get("/leerlijn/opdracht/<int:assignment_id>/bestand")
@login_required
def assignment_file(assignment_id):
    path, name, content_type = assignments.file_path(_me(), assignment_id)
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _teaching_page(status: int = 200, **extra):
    """"Mijn lessen": upcoming and recent sessions with their attendee lists, the
    assignments waiting for review and the teacher's own unavailable periods."""
    user = _me()
    titles = {m["id"]: m["title"] for m in content.modules()}
    profile = teachers.my_profile(user)
    if profile:
        profile["module_titles"] = [titles.get(m, m) for m in profile["modules"]]
    context = {"sessions": teachers.my_sessions(user),
               "recent": teachers.my_sessions(user, "recent"),
               "waiting": assignments.for_review(user), "profile": profile,
               "module_titles": titles,
               "errors": {}, "form": {}}
    context.update(extra)
    return render("learning/teaching.html", status=status, **context)


@bp.get("/leerlijn/lesgeven")
@login_required
def teaching():
    return _teaching_page()


@bp.post("/leerlijn/opdracht/<int:assignment_id>/beoordelen")
@login_required
def review_assignment(assignment_id):
    try:
        assignments.review(_me(), assignment_id, request.form.get("decision"),
                           request.form.get("comment"))
    except Invalid as exc:
        return _teaching_page(400, errors=exc.fields, review_error=exc.message,
                              failed_id=assignment_id)
    flash(_("Your review is saved and the learner can see it."), "success")
    return redirect(url_for("learning.teaching"), 303)


def flash_clashes(teacher: dict, staff: bool) -> None:
    """After a new unavailable period: name the sessions in it that need a substitute."""
    for event in teacher.get("clashes", []):
        flash(_("%(name)s is scheduled to teach %(title)s on %(date)s. Find a substitute on"
                " the session's page.", name=teacher["name"], title=event["title"],
                date=date_filter(event["starts_at"])) if staff else
              _("You are scheduled to teach %(title)s on %(date)s. Datashop staff see this"
                " and will arrange a substitute.", title=event["title"],
                date=date_filter(event["starts_at"])), "error")


@bp.post("/leerlijn/lesgeven/afwezig")
@login_required
def add_my_unavailable():
    user, form = _me(), request.form
    try:
        teacher = availability.add_unavailable(user, user.id, form.get("starts_on"),
                                               form.get("ends_on"), form.get("reason"))
    except Invalid as exc:
        return _teaching_page(400, errors=exc.fields, form=form, unavailable_error=exc.message)
    flash(_("The unavailable period is saved."), "success")
    flash_clashes(teacher, staff=False)
    return redirect(url_for("learning.teaching") + "#afwezig", 303)


@bp.post("/leerlijn/lesgeven/afwezig/<int:period_id>/verwijderen")
@login_required
def remove_my_unavailable(period_id):
    availability.remove_unavailable(_me(), period_id)
    flash(_("The unavailable period is removed."), "success")
    return redirect(url_for("learning.teaching") + "#afwezig", 303)


@bp.post("/leerlijn/<module_id>/toets")
@login_required
def start_quiz(module_id):
    attempt = quiz.start(_me(), module_id)
    return redirect(url_for("learning.attempt", attempt_id=attempt["id"]), 303)


@bp.get("/leerlijn/toets/<int:attempt_id>")
@login_required
def attempt(attempt_id):
    return render("learning/quiz.html", attempt=quiz.get_attempt(_me(), attempt_id))


@bp.post("/leerlijn/toets/<int:attempt_id>")
@login_required
def submit_quiz(attempt_id):
    current = quiz.get_attempt(_me(), attempt_id)
    answers = {q["id"]: request.form.getlist(f"q-{q['id']}") for q in current["questions"]
               if request.form.getlist(f"q-{q['id']}")}
    result = quiz.submit(_me(), attempt_id, answers)
    flash(_("You passed the quiz with %(score)d%%.", score=result["score"]) if result["passed"]
          else _("Not passed this time: %(score)d%%.", score=result["score"]),
          "success" if result["passed"] else "error")
    return redirect(url_for("learning.attempt", attempt_id=attempt_id), 303)


@bp.get("/leerlijn/mijn-gegevens")
@login_required
def my_data():
    return render("learning/my_data.html", data=service.my_data(_me()))


@bp.get("/leerlijn/certificaten/<code>")
@login_required
def certificate(code):
    cert = certificates.get_certificate(_me(), code)
    return render("learning/certificate.html", cert=cert,
                  verify_url=absolute_url("learning.verify", code=cert["code"]))


@bp.get("/leerlijn/certificaten/<code>.pdf")
@login_required
def certificate_pdf(code):
    cert = certificates.get_certificate(_me(), code)
    data = certificates.pdf(cert, absolute_url("learning.verify", code=cert["code"]),
                            current_app.config["PORTAL_NAME"], current_app.config["MUNICIPALITY"],
                            date_filter(cert["issued_at"], "long"))
    return download(data, "application/pdf", f"certificaat-{cert['code']}.pdf", inline=True)


@bp.get("/certificaat/<code>")
def verify(code):
    """Public: no login. Name, what and when, or that it was revoked."""
    code = parsing.text(code, "code", {}, required=False, max_length=40, multiline=False) or ""
    response = render("learning/verify.html", result=certificates.verify(code))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


from . import staff_views  # noqa: E402,F401  (registers the staff routes on bp)
