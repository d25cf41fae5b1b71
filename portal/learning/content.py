"""Module content as the knowledge base loaded it from COURSES_DIR: titles, levels,
prerequisites, completion rules and sections; quiz questions from the quiz YAML.

Nothing here is duplicated in code: change a module's front matter or its quiz file
and the track follows (after ``portal kb sync`` for the front matter).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from flask import current_app
from flask_babel import gettext as _

from ..errors import NotFound
from ..kb import service as kb
from ..kb.loader import slugify
from ..kb.sections import sections

RULES = ("read", "quiz", "session", "assignment")
DEFAULT_TRACK = "datagedreven-werken"


def _module(doc: dict) -> dict:
    meta = doc["meta"]
    rules = [r for r in (meta.get("completion") or []) if r in RULES] or ["read"]
    quiz = meta.get("quiz") if isinstance(meta.get("quiz"), dict) else None
    assignment = meta.get("assignment") if isinstance(meta.get("assignment"), dict) else None
    return {"id": doc["id"], "title": doc["title"], "summary": doc["summary"],
            "track": meta.get("track") or "", "order": meta.get("order"),
            "level": meta.get("level"), "duration_minutes": meta.get("duration_minutes"),
            "prerequisites": [p for p in (meta.get("prerequisites") or []) if isinstance(p, str)],
            "completion": rules,
            "quiz": ({"pass_mark": int(quiz.get("pass_mark") or 70),
                      "max_attempts": quiz.get("max_attempts")} if quiz else None),
            "assignment": assignment, "url": doc["url"]}


def modules(track: str = DEFAULT_TRACK) -> list[dict]:
    """The track's modules in order."""
    return [_module(doc) for doc in kb.track_modules(track)]


def track(track_id: str = DEFAULT_TRACK) -> dict:
    try:
        doc = kb.get_document(track_id)
        title, summary = doc["title"], doc["summary"]
    except NotFound:
        title, summary = track_id, ""
    return {"id": track_id, "title": title, "summary": summary}


def module(module_id: str) -> dict:
    try:
        doc = kb.get_document(module_id)
    except NotFound:
        doc = None
    if doc is None or doc["type"] != "course" or doc["source"] != "courses":
        raise NotFound(_("This module does not exist."))
    out = _module(doc)
    out["body"] = doc["body"]
    out["sections"] = reading_sections(doc["body"])
    return out


def reading_sections(body: str) -> list[dict]:
    """The level-2 sections a learner marks as read: [{"id", "title"}]."""
    out = []
    for heading, _text in sections(body, levels=(2,)):
        if heading:
            out.append({"id": slugify(heading), "title": heading})
    return out


def quiz_path(module: dict) -> Path:
    return Path(current_app.config["COURSES_DIR"]) / module["track"] / "quiz" / f"{module['id']}.yaml"


def questions(module: dict) -> list[dict]:
    """The module's quiz questions: [{"id", "kind", "question", "options": [{"id", "text",
    "correct", "explanation"}]}]; option ids are "a", "b", ... in file order."""
    path = quiz_path(module)
    if not module.get("quiz") or not path.is_file():
        return []
    stat = path.stat()
    return _load_questions(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _load_questions(path: str, _mtime: int, _size: int) -> list[dict]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = []
    for q in data.get("questions") or []:
        options = [{"id": chr(ord("a") + i), "text": str(o.get("text", "")),
                    "correct": bool(o.get("correct")),
                    "explanation": str(o.get("explanation") or "")}
                   for i, o in enumerate(q.get("options") or [])]
        out.append({"id": str(q["id"]), "kind": "multiple" if q.get("kind") == "multiple"
                    else "single", "question": str(q.get("question", "")), "options": options})
    return out
