"""The dashboards: which tables each page shows, and who may see them (staff and admins)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import Forbidden, NotFound
from . import agenda, assistant, desk, learning, search
from .filters import Filters
from .tables import Chart, Table


@dataclass(frozen=True)
class Page:
    slug: str  # "" is the overview
    title: object
    build: object


def _overview(filters: Filters) -> list[Table]:
    d, s, a = desk.key_figures(filters), search.key_figures(filters), agenda.key_figures(filters)
    if filters.department:  # the search log holds no person: no figure for one department
        s = dict.fromkeys(s)
    lrn, chat = learning.key_figures(filters), assistant.key_figures(filters)
    rows = [
        [_("Requests"), _("Desk"), d["requests"]],
        [_("First response within target (%)"), _("Desk"), d["response_met"]],
        [_("Resolved within target (%)"), _("Desk"), d["resolution_met"]],
        [_("Median first response (business hours)"), _("Desk"), d["median_response"]],
        [_("Average rating (1–5)"), _("Desk"), d["rating"]],
        [_("Ratings"), _("Desk"), d["ratings"]],
        [_("Searches"), _("Search"), s["searches"]],
        [_("Searches without results (%)"), _("Search"), s["zero_rate"]],
        [_("Request forms with suggestions"), _("Search"), s["suggestion_forms"]],
        [_("Opened a suggestion, no request"), _("Search"), s["suggestion_deflected"]],
        [_("Events"), _("Agenda"), a["events"]],
        [_("Sign-ups"), _("Agenda"), a["signups"]],
        [_("Attended"), _("Agenda"), a["attended"]],
        [_("Average feedback (1–5)"), _("Agenda"), a["feedback_avg"]],
        [_("Enrolments"), _("Learning track"), lrn["enrolments"]],
        [_("Completions"), _("Learning track"), lrn["completions"]],
        [_("Assistant conversations"), _("Assistant"), chat["conversations"]],
        [_("Answered without a request (%)"), _("Assistant"), chat["deflection_rate"]],
        [_("Handed over to the team"), _("Assistant"), chat["handed_over"]],
    ]
    overview = Table("key", _("Key figures"), [_("Figure"), _("Part"), _("Value")], rows,
                     note=_("Percentages are of the cases decided so far; “–” means no data "
                            "in the period."))
    requests = desk.requests_per_week_by_type(filters)
    totals = [row[-1] for row in requests.rows]
    weekly = Table("requests", _("Requests per week"), [_("Week"), _("Requests")],
                   [[row[0], row[-1]] for row in requests.rows],
                   Chart("bar", [row[0] for row in requests.rows], [(_("Requests"), totals)],
                         description=_("Bars: the number of requests submitted per week.")))
    return [overview, weekly]


PAGES = (
    Page("", _l("Dashboard"), _overview),
    Page("loket", _l("Desk"), desk.tables),
    Page("zoeken", _l("Search"), search.tables),
    Page("agenda", _l("Agenda"), agenda.tables),
    Page("leerlijn", _l("Learning track"), learning.tables),
    Page("assistent", _l("Assistant"), assistant.tables),
)
DEPARTMENT_FREE = {"zoeken"}  # anonymous logs: no department to filter on


def require_staff(user) -> None:
    if user is None or not getattr(user, "is_authenticated", False) \
            or not getattr(user, "is_staff", False):
        raise Forbidden(_("Only Datashop staff can see the dashboards."))


def page(slug: str) -> Page:
    for candidate in PAGES:
        if candidate.slug == slug:
            return candidate
    raise NotFound(_("There is no such dashboard."))


def dashboard(user, slug: str, filters: Filters) -> dict:
    """The tables of one dashboard page for ``filters``; staff and admins only."""
    require_staff(user)
    chosen = page(slug)
    return {"page": chosen, "tables": chosen.build(filters),
            "department_applies": slug not in DEPARTMENT_FREE}


def table(user, slug: str, key: str, filters: Filters) -> Table:
    """One table of a page (for its CSV)."""
    for candidate in dashboard(user, slug, filters)["tables"]:
        if candidate.key == key:
            return candidate
    raise NotFound(_("This dashboard has no such table."))
