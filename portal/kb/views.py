"""Knowledge base pages: browse by type, read one document."""

from __future__ import annotations


from flask import Blueprint, current_app, request
from flask_login import current_user

from .. import parsing
from ..errors import NotFound
from ..extensions import login_manager
from ..htmx import render
from ..templating import date_filter
from . import faq, render as md, service

bp = Blueprint("kb", __name__, url_prefix="/kennisbank")

PAGE_SIZE = 50
MAX_PAGE = 10_000


@bp.before_request
def require_reader():
    if not service.can_read(current_user):
        return login_manager.unauthorized()
    return None


def team_label(team: str | None) -> str:
    if not team:
        return ""
    return str(current_app.config.get("TEAMS", {}).get(team, team))


def date_label(value: str | None) -> str:
    try:
        return date_filter(value, "long") if value else ""
    except ValueError:
        return value or ""


@bp.context_processor
def helpers():
    return {"kb_type_label": service.type_label, "kb_team_label": team_label, "kb_date": date_label}


def _tabs(counts: dict[str, int]) -> list[dict]:
    """Known types in configured order (only those with documents), then unknown ones."""
    known = list(current_app.config.get("KB_TYPES", {}))
    order = [t for t in known if counts.get(t)] + sorted(t for t in counts if t not in known)
    return [{"type": t, "label": service.type_label(t, plural=True), "count": counts[t]} for t in order]


def _page_number() -> int:
    """Lenient: an odd page number shows the first page."""
    return parsing.integer(request.args.get("page"), "page", {}, low=1, high=MAX_PAGE) or 1


@bp.get("/")
def index():
    counts = service.count_by_type()
    selected = (request.args.get("type") or "").strip() or None
    page = _page_number()
    total = service.count_documents(type=selected)
    documents = service.list_documents(
        type=selected, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
        order="title" if selected else "updated")
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        "kb/index.html", "kb/_browse.html",
        tabs=_tabs(counts), selected=selected, documents=documents, total=total,
        all_count=sum(counts.values()), page_number=page, pages=pages,
    )


@bp.get("/<doc_id>")
def document(doc_id: str):
    try:
        doc = service.get_document(doc_id)
    except NotFound:
        return render("kb/not_found.html", status=404, doc_id=doc_id)
    if doc["type"] == "faq":
        body = md.render_markdown(faq.faq_intro(doc["body"]))
        questions = _faq(doc)
        toc = [{"level": 2, "id": q["id"], "name": q["question"]} for q in questions]
    else:
        body = md.render_markdown(doc["body"])
        questions = []
        toc = [h for h in body.toc if h["level"] in (2, 3)]
    min_headings = current_app.config.get("KB_TOC_MIN_HEADINGS", 3)
    context = {"doc": doc, "body": body.html, "questions": questions,
               "toc": toc if len(toc) >= min_headings else [],
               "links": doc["meta"].get("links") or []}
    if doc["type"] == "course":
        context.update(_course_context(doc))
    elif doc["type"] == "track":
        context["modules"] = service.track_modules(doc["id"])
    return render("kb/document.html", **context)


def _faq(doc: dict) -> list[dict]:
    """Questions with answers; anchors equal the heading ids of the Markdown page."""
    anchors = [h["id"] for h in md.outline(doc["body"]) if h["level"] == 2]
    pairs = service.faq_pairs(doc)
    if len(anchors) != len(pairs):  # headings inside HTML blocks etc.: fall back to numbers
        anchors = [f"vraag-{n}" for n in range(1, len(pairs) + 1)]
    return [{"question": q, "id": anchor, "answer": md.render_inline(a)}
            for (q, a), anchor in zip(pairs, anchors)]


def _course_context(doc: dict) -> dict:
    meta = doc["meta"]
    track = meta.get("track")
    modules = service.track_modules(track) if track else []
    ids = [m["id"] for m in modules]
    index = ids.index(doc["id"]) if doc["id"] in ids else -1
    prerequisites = meta.get("prerequisites") or []
    if isinstance(prerequisites, str):
        prerequisites = [prerequisites]
    known = service.get_documents([str(p) for p in prerequisites])
    track_doc = service.get_documents([track]).get(track) if track else None
    return {
        "track_doc": track_doc,
        "modules": modules,
        "previous": modules[index - 1] if index > 0 else None,
        "next": modules[index + 1] if 0 <= index < len(modules) - 1 else None,
        "prerequisites": [known.get(str(p)) or {"id": None, "title": str(p)}
                          for p in prerequisites],
    }

