"""Generated knowledge documents: pages rendered from configuration, not from a file.

Another package registers a function that returns a document (id, type, title, summary,
body, tags); ``portal kb sync`` stores it like a file (so search finds it) and the page
renders it afresh on every view, so it never drifts from the configuration.
The knowledge base imports nobody: providers register themselves at app creation.
"""

from __future__ import annotations

from typing import Callable

from flask import current_app

from . import loader

SOURCE = "generated"
_KEY = "kb_generated"


def register(app, doc_id: str, build: Callable[[], dict]) -> None:
    app.extensions.setdefault(_KEY, {})[doc_id] = build


def _providers() -> dict:
    return current_app.extensions.get(_KEY, {})


def build(doc_id: str) -> dict | None:
    provider = _providers().get(doc_id)
    if provider is None:
        return None
    raw = provider()
    if raw is None:  # nothing to show (yet)
        return None
    doc = {"id": doc_id, "type": raw.get("type", "page"), "title": raw["title"],
           "summary": raw.get("summary", ""), "body": raw["body"], "tags": raw.get("tags", []),
           "team": raw.get("team"), "updated": raw.get("updated"), "source": SOURCE,
           "path": f"{SOURCE}/{doc_id}", "meta": raw.get("meta", {})}
    doc["content_hash"] = loader.content_hash(doc)
    return doc


def documents() -> list[dict]:
    return [doc for doc in (build(doc_id) for doc_id in sorted(_providers())) if doc]
