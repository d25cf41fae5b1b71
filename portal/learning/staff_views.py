"""Staff pages of the learning track: figures per module, the HR export, waiving a
prerequisite and revoking a certificate. Thin: parse, call, render."""

from __future__ import annotations

from flask import flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.service import find_by_email
from ..errors import Forbidden, Invalid
from ..htmx import render
from . import certificates, content, figures, service
from .views import bp


def _staff():
    user = current_user._get_current_object()
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can manage the learning track."))
    return user


def _page(status: int = 200, **extra):
    user = _staff()
    context = {"figures": figures.module_figures(user), "modules": content.modules(),
               "errors": {}, "form": {}}
    context.update(extra)
    return render("learning/staff.html", status=status, **context)


@bp.get("/leerlijn/beheer")
@login_required
def staff():
    return _page()


@bp.get("/leerlijn/beheer/voltooiingen.csv")
@login_required
def completions_csv():
    response = make_response(figures.completions_csv(_staff()))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="leerlijn-voltooiingen.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
