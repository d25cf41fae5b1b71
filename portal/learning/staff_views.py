"""Staff pages of the learning track: figures per module, the HR export, waiving a
prerequisite and revoking a certificate. Thin: parse, call, render."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.service import find_by_email
from ..downloads import csv_download
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..htmx import render
from .. import parsing
from . import availability, certificates, content, figures, service, teachers
from .views import bp, flash_clashes


def _staff():
    user = current_user._get_current_object()
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can manage the learning track."))
    return user


def _page(status: int = 200, **extra):
    user = _staff()
    period = {"van": request.args.get("van", ""), "tot": request.args.get("tot", "")}
    errors = {}
    try:
        start, end = figures.period_bounds(period["van"], period["tot"])
    except Invalid as exc:
        start = end = None
        errors, status = exc.fields, 400
    context = {"figures": figures.module_figures(user, start, end), "modules": content.modules(),
               "track": content.track(), "errors": {}, "form": {}, "period": period,
               "period_errors": errors, "csv_module": request.args.get("module", ""),
               "csv_errors": {}}
    context.update(extra)
    return render("learning/staff.html", status=status, **context)


@bp.get("/leerlijn/beheer")
@login_required
def staff():
    return _page()


@bp.get("/leerlijn/beheer/voltooiingen.csv")
@login_required
def completions_csv():
    """Who completed what, for HR: ?van=&tot= (local days, inclusive) and ?module=."""
    user = _staff()
    args = request.args
    module_id = args.get("module") or None
    try:
        start, end = figures.period_bounds(args.get("van", ""), args.get("tot", ""))
        body = figures.completions_csv(user, start, end, module_id)
    except Invalid as exc:
        return _page(400, csv_error=exc.message, csv_errors=exc.fields)
    parts = ["leerlijn-voltooiingen", module_id or "", args.get("van", ""),
             args.get("tot", "")]
    name = "-".join(p for p in parts if p)
    return csv_download(body, f"{name}.csv")


@bp.get("/leerlijn/beheer/deelnemer")
@login_required
def learner():
    """Staff: one learner's progress (for HR questions), looked up by e-mail address."""
    user = _staff()
    email = (request.args.get("email") or "").strip().lower()
    person = find_by_email(email) if email else None
    if person is None:
        return _page(404 if email else 400, learner_error=_("No account with this address."),
                     learner_email=request.args.get("email", ""))
    return render("learning/learner.html", overview=service.overview(user, person.id),
                  person=person)


@bp.post("/leerlijn/beheer/vrijstelling")
@login_required
def waive():
    user = _staff()
    form = request.form
    learner = find_by_email((form.get("email") or "").strip().lower())
    module_id, prerequisite = form.get("module", ""), form.get("prerequisite", "")
    try:
        if learner is None:
            raise Invalid(_("Please correct the marked fields."),
                          {"email": _("No account with this address.")})
        service.waive(user, learner.id, module_id, prerequisite, form.get("reason"))
    except Invalid as exc:
        return _page(400, errors=exc.fields, form=form, waive_error=exc.message)
    flash(_("The prerequisite is waived for %(name)s.", name=learner.name), "success")
    return redirect(url_for("learning.staff"), 303)


@bp.post("/leerlijn/beheer/intrekken")
@login_required
def revoke():
    user = _staff()
    try:
        certificates.revoke(user, request.form.get("code", ""), request.form.get("reason"))
    except Invalid as exc:
        return _page(400, errors=exc.fields, form=request.form, revoke_error=exc.message)
    flash(_("The certificate is revoked."), "success")
    return redirect(url_for("learning.staff"), 303)


def _pool_page(status: int = 200, **extra):
    user = _staff()
    quarter = request.args.get("kwartaal") or None
    try:
        pool = teachers.list_teachers(user, quarter)
    except Invalid as exc:
        pool, status = teachers.list_teachers(user), 400
        extra.setdefault("pool_error", exc.message)
    modules = content.modules()
    editing = parsing.integer(request.args.get("docent"), "docent", {}, low=1)
    if editing and "form" not in extra:  # "change": the form filled in with the teacher
        teacher = next((t for t in pool["items"] if t["id"] == editing), None)
        if teacher:
            extra["form"] = {"email": teacher["email"], "modules": teacher["modules"],
                             "max_per_quarter": str(teacher["max_per_quarter"]),
                             "active": "1" if teacher["active"] else "0"}
    context = {"pool": pool, "sessions": teachers.upcoming_sessions(user), "modules": modules,
               "module_titles": {m["id"]: m["title"] for m in modules}, "errors": {}, "form": {}}
    context.update(extra)
    return render("learning/pool.html", status=status, **context)


@bp.get("/leerlijn/beheer/docenten")
@login_required
def pool():
    return _pool_page()


def _person(form) -> int:
    person = find_by_email((form.get("email") or "").strip().lower())
    if person is None:
        raise Invalid(_("Please correct the marked fields."),
                      {"email": _("No account with this address.")})
    return person.id


@bp.post("/leerlijn/beheer/docenten")
@login_required
def save_teacher():
    user = _staff()
    form = request.form
    try:
        # The form has a checkbox "active": unticked means inactive (older clients that
        # do not send the form's marker keep a teacher active).
        active = form.get("active") == "1" if form.get("active_shown") else True
        teachers.set_teacher(user, _person(form), form.getlist("modules"),
                             form.get("max_per_quarter"), active)
    except Invalid as exc:
        return _pool_page(400, errors=exc.fields, form=form, teacher_error=exc.message)
    flash(_("The teacher is saved."), "success")
    return redirect(url_for("learning.pool"), 303)


@bp.post("/leerlijn/beheer/docenten/afwezig")
@login_required
def add_unavailable():
    user = _staff()
    form = request.form
    try:
        teacher_id = parsing.integer(form.get("teacher_id"), "teacher_id", low=1, required=True)
        teacher = availability.add_unavailable(user, teacher_id, form.get("starts_on"),
                                               form.get("ends_on"), form.get("reason"))
    except (Invalid, NotFound) as exc:
        return _pool_page(exc.status, errors=exc.fields, form=form,
                          unavailable_error=exc.message)
    flash(_("The unavailable period is saved."), "success")
    flash_clashes(teacher, staff=True)
    return redirect(url_for("learning.pool") + "#afwezig", 303)


@bp.post("/leerlijn/beheer/docenten/afwezig/<int:period_id>/verwijderen")
@login_required
def remove_unavailable(period_id):
    availability.remove_unavailable(_staff(), period_id)
    flash(_("The unavailable period is removed."), "success")
    return redirect(url_for("learning.pool") + "#afwezig", 303)


def _session_page(event_id: int, status: int = 200, **extra):
    user = _staff()
    detail = teachers.session_detail(user, event_id)
    dropping = parsing.integer(request.args.get("uitval"), "uitval", {}, low=1)
    proposal = None
    if dropping and any(t["id"] == dropping for t in detail["event"]["teachers"]):
        proposal = teachers.substitutes(user, event_id, dropping)
        proposal["dropping"] = next(t for t in detail["event"]["teachers"] if t["id"] == dropping)
    return render("learning/session.html", status=status, proposal=proposal, **detail, **extra)


@bp.get("/leerlijn/beheer/sessies/<int:event_id>")
@login_required
def session(event_id):
    return _session_page(event_id)


def _teacher_id(name: str) -> int:
    return parsing.integer(request.form.get(name), name, low=1, required=True)


def _session_change(event_id: int, change, message: str):
    """Run a change of a session's teachers; a Conflict shows the session page again."""
    try:
        change()
    except Conflict as exc:
        return _session_page(event_id, 409, session_error=exc.message)
    flash(message, "success")
    return redirect(url_for("learning.session", event_id=event_id), 303)


@bp.post("/leerlijn/beheer/sessies/<int:event_id>/docent")
@login_required
def assign_teacher(event_id):
    user, teacher_id = _staff(), _teacher_id("teacher_id")
    return _session_change(event_id, lambda: teachers.assign(user, event_id, teacher_id),
                           _("The teacher is added and has been sent an invitation."))


@bp.post("/leerlijn/beheer/sessies/<int:event_id>/vervanging")
@login_required
def replace_teacher(event_id):
    user = _staff()
    teacher_id, substitute_id = _teacher_id("teacher_id"), _teacher_id("substitute_id")
    return _session_change(
        event_id, lambda: teachers.replace(user, event_id, teacher_id, substitute_id),
        _("The substitute is confirmed; teachers and learners have been told."))


@bp.post("/leerlijn/beheer/sessies/<int:event_id>/afmelden")
@login_required
def remove_teacher(event_id):
    teachers.remove(_staff(), event_id, _teacher_id("teacher_id"))
    flash(_("The teacher is taken off the session and has been told."), "success")
    return redirect(url_for("learning.session", event_id=event_id), 303)
