"""Search pages: /zoeken (live search), statistics, desk suggestions, similar tickets.

Live search with htmx: typing asks for the results fragment only. Those
in-between requests are not logged; the fragment carries a small "settled"
beacon that fires when the results stay on screen for a moment, and only that
(or a full page load, e.g. without JavaScript) writes the search log. So the
log holds what people searched for, not every prefix they typed.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from flask import Blueprint, current_app, redirect, request
from flask_login import current_user, login_required

from .. import parsing
from ..desk import queue as desk_queue
from ..extensions import login_manager
from ..htmx import is_htmx, render
from ..kb import service as kb
from . import log as search_log
from . import params, service as engine, suggest

bp = Blueprint("search", __name__, url_prefix="/zoeken")
log = logging.getLogger(__name__)

FACET_WINDOW = 100  # the engine returns at most this many hits per call
SETTLED_HEADER = "X-Search-Settled"
PERIODS = (30, 90, 365)


@bp.record_once
def _register_cli(state) -> None:
    """``portal search-log ...`` comes with the search pages (see log_cli.py)."""
    from .log_cli import search_log_cli

    state.app.cli.add_command(search_log_cli)


@bp.app_context_processor
def helpers():
    return {
        "search_type_label": kb.type_label,
        "safe_snippet": params.safe_snippet,
        "new_suggest_session": suggest.session_id_for,
    }


def _run(query: params.PageQuery):
    """(response, type counts or None, error message or None) for the search page."""
    try:
        if not query.types and query.offset + params.PAGE_SIZE <= FACET_WINDOW:
            wide = engine.search(query.q, limit=FACET_WINDOW)
            response = engine.SearchResponse(
                query=wide.query, results=wide.results[query.offset:query.offset + params.PAGE_SIZE],
                total=wide.total, mode=wide.mode, notice=wide.notice, took_ms=wide.took_ms)
        else:
            response = engine.search(query.q, types=query.types, limit=params.PAGE_SIZE,
                                     offset=query.offset)
            wide = engine.search(query.q, limit=FACET_WINDOW)
    except Exception:  # noqa: BLE001 - a broken index must not become an error page
        log.exception("search failed for a query of %d characters", len(query.q))
        return None, None, True
    counts = Counter(hit.type for hit in wide.results) if wide.total <= FACET_WINDOW else None
    return response, counts, False


def _facets(counts) -> list[dict]:
    known = kb.known_types()
    present = set(counts or ())
    return [{"type": t, "label": kb.type_label(t, plural=True),
             "count": (counts or {}).get(t, 0) if counts is not None else None}
            for t in known] + [
            {"type": t, "label": kb.type_label(t, plural=True), "count": counts[t]}
            for t in sorted(present - set(known))]


@bp.get("/", endpoint="page")
def search_page():
    if not kb.can_read(current_user):
        return login_manager.unauthorized()
    query = params.page_query(request.args, current_app.config)
    settled = is_htmx() and request.headers.get(SETTLED_HEADER) == "1"
    if settled:  # the beacon of a live result list: log it, show nothing new
        if query.q and query.page == 1:
            response, _counts, failed = _run(query)
            if not failed:
                search_log.record_response(response, source="web", types=query.types)
        return "", 204
    response, counts, failed = None, None, False
    if query.q:
        response, counts, failed = _run(query)
        if response is not None and not is_htmx() and query.page == 1:
            search_log.record_response(response, source="web", types=query.types)
    pages = 0
    if response is not None:
        pages = min(params.MAX_PAGE, -(-response.total // params.PAGE_SIZE))
    requests = None
    if query.q and query.page == 1 and current_user.is_authenticated:
        requests = desk_queue.search_requests(current_user._get_current_object(), query.q)
    return render(
        "search/page.html", "search/_results.html",
        query=query, response=response, facets=_facets(counts), failed=failed, pages=pages,
        live=is_htmx(), max_chars=params.max_query_chars(current_app.config), requests=requests,
    )


@bp.get("/statistieken", endpoint="stats")
@login_required
def stats_page():
    days = parsing.integer(request.args.get("days"), "days", {}, low=1, high=3660)
    days = days if days in PERIODS else 30
    user = current_user._get_current_object()
    return render(
        "search/stats.html", None, days=days, periods=PERIODS,
        summary=search_log.summary(user, days),
        top=search_log.top_queries(user, days, 25),
        zero=search_log.zero_result_queries(user, days, 25),
        deflection=suggest.deflection_stats(user, days),
        retention_days=search_log.retention_days(),
    )


# --- desk: "Maybe this already helps" ---------------------------------------

@bp.route("/suggesties", methods=["GET", "POST"], endpoint="suggestions")
@login_required
def suggestions_page():
    # The request form POSTs what is being typed, so subject and description never land
    # in a URL (access logs, browser history); a plain GET shows the empty form.
    args = request.form if request.method == "POST" else request.args
    session_id = suggest.valid_session(args.get("s") or args.get("suggest_session"))
    result = suggest.suggestions(args.get("subject", ""), args.get("description", ""),
                                 session_id=session_id)
    return render("search/suggestions.html", "search/_suggestions.html", result=result,
                  subject=args.get("subject", ""), description=args.get("description", ""),
                  session_id=session_id)


_ANCHOR = re.compile(r"[A-Za-z0-9_-]{1,120}")


@bp.get("/suggesties/open/<path:doc_id>", endpoint="open_suggestion")
@login_required
def open_suggestion(doc_id):
    url = suggest.open_document(request.args.get("s"), doc_id)
    anchor = request.args.get("a") or ""
    if _ANCHOR.fullmatch(anchor):
        url += f"#{anchor}"
    return redirect(url, 303)


# --- desk: similar tickets ---------------------------------------------------

@bp.get("/vergelijkbare-tickets/<number>", endpoint="similar_tickets")
@login_required
def similar_tickets_page(number):
    from . import similar  # needs the desk service

    ticket, items = similar.similar_to_number(current_user._get_current_object(), number)
    return render("search/similar_tickets.html", "search/_similar_tickets.html",
                  ticket=ticket, items=items)
