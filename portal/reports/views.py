"""Dashboard pages, their CSV exports and the charts' stylesheet. Thin: parse, call, render."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, request
from flask_babel import force_locale, format_decimal
from flask_login import current_user

from ..accounts.access import staff_required
from ..downloads import csv_download
from ..errors import Invalid
from ..htmx import render
from . import charts, filters as filters_module, service
from .tables import to_csv

bp = Blueprint("reports", __name__)


@bp.app_template_filter("figure")
def figure(value) -> str:
    """A decimal figure in the page's language (one or two decimals as computed)."""
    return format_decimal(value, format="#,##0.0#")


def _filters():
    try:
        return filters_module.parse(request.args), None
    except Invalid as exc:
        return filters_module.default_filters(), exc


def _page(slug: str):
    user = current_user._get_current_object()
    if request.args.get("format") == "csv":
        return _csv(slug)
    filters, error = _filters()
    result = service.dashboard(user, slug, filters)
    return render("reports/page.html", "reports/_content.html", status=400 if error else 200,
                  result=result, filters=filters, error=error, pages=service.PAGES,
                  slug=slug, departments=current_app.config["DEPARTMENTS"],
                  chart_svg=charts.svg, args=request.args)


def _csv(slug: str):
    user = current_user._get_current_object()
    service.require_staff(user)
    try:
        filters = filters_module.parse(request.args)
    except Invalid as exc:
        response = make_response(exc.message + "\n" + "\n".join(
            f"{k}: {v}" for k, v in exc.fields.items()), 400)
        response.mimetype = "text/plain"
        return response
    key = request.args.get("table") or ""
    with force_locale("nl"):  # the export's headers are Dutch, whatever the page language
        if not key:
            key = service.dashboard(user, slug, filters)["tables"][0].key
        table = service.table(user, slug, key, filters)
        body = to_csv(table)
    name = f"dashboard-{slug or 'overzicht'}-{key}-{filters.first}-{filters.last}.csv"
    return csv_download(body, name, bom=False)


@bp.get("/dashboard")
@staff_required
def overview():
    return _page("")


@bp.get("/dashboard.csv")
@staff_required
def overview_csv():
    return _csv("")


@bp.get("/dashboard/grafieken.css")
def chart_css():
    response = make_response(charts.stylesheet())
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/dashboard/<slug>")
@staff_required
def feature(slug: str):
    if slug.endswith(".csv"):
        return _csv(_known(slug[:-4]))
    return _page(_known(slug))


def _known(slug: str) -> str:
    if slug not in {p.slug for p in service.PAGES} or not slug:
        abort(404)
    return slug
