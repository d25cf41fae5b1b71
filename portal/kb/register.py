"""Import an export of the national algorithm register (algoritmes.overheid.nl).

The export is ``{"algoritmes": [...], "count", "fetched_at", "source_url"}`` or a
bare list of entries. Each entry becomes an ``algorithm`` document with source
``register`` and id ``register-<id>``. The import is one transaction: a bad file
changes nothing. Re-importing updates changed entries and removes vanished ones,
scoped to the organisation filter when one is given.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from pathlib import Path

from flask import current_app

from ..errors import Invalid
from . import loader, service

SOURCE = "register"
ID_PREFIX = "register-"
REQUIRED_FIELDS = ("id", "title")
TEXT_FIELDS = ("doel", "organisatie", "status", "juridische_basis", "impactassessment",
               "geregistreerd", "toegevoegd", "url")
# Data, not interface text: the body of a register document is Dutch like the register.
STATUS_NL = {"in_gebruik": "In gebruik", "ontwikkeling": "In ontwikkeling",
             "buiten_gebruik": "Buiten gebruik"}
MAX_REPORTED_PROBLEMS = 5


def read_export(path: str | Path) -> list[dict]:
    """The entries of an export file; Invalid with a clear message when unusable."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise Invalid(f"File not found: {path}") from exc
    except OSError as exc:
        raise Invalid(f"Cannot read {path}: {exc.strerror or exc}") from exc
    return parse_export(raw, name=str(path))


def parse_export(raw: bytes | str, name: str = "the file") -> list[dict]:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise Invalid(f"{name} is not UTF-8 encoded JSON.") from exc
    except json.JSONDecodeError as exc:
        raise Invalid(f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                      f"column {exc.colno}).") from exc
    if isinstance(data, dict):
        entries = data.get("algoritmes")
        if not isinstance(entries, list):
            raise Invalid(f"{name} has no 'algoritmes' list; expected an export of the "
                          "algorithm register or a list of entries.")
    elif isinstance(data, list):
        entries = data
    else:
        raise Invalid(f"{name} must contain a JSON object or list.")
    _validate(entries, name)
    return entries


def _validate(entries: list, name: str) -> None:
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"entry {index} is not an object")
            continue
        missing = [f for f in REQUIRED_FIELDS if not str(entry.get(f) or "").strip()]
        if missing:
            problems.append(f"entry {index} has no {' or '.join(missing)}")
            continue
        wrong = [f for f in TEXT_FIELDS if entry.get(f) is not None
                 and not isinstance(entry.get(f), (str, int, float))]
        if wrong:
            problems.append(f"entry {index} ({entry['id']}): {', '.join(wrong)} must be text")
        key = loader.slugify(str(entry["id"]))
        if not key:
            problems.append(f"entry {index}: id {entry['id']!r} cannot be used")
        elif key in seen:
            problems.append(f"entry {index}: id {entry['id']} also appears in entry {seen[key]}")
        else:
            seen[key] = index
    if problems:
        more = len(problems) - MAX_REPORTED_PROBLEMS
        listed = "; ".join(problems[:MAX_REPORTED_PROBLEMS])
        raise Invalid(f"{name} has {len(problems)} invalid entr{'y' if len(problems) == 1 else 'ies'}: "
                      f"{listed}{f' (and {more} more)' if more > 0 else ''}. Nothing was imported.")


def _text(entry: dict, key: str) -> str:
    value = entry.get(key)
    return "" if value is None else str(value).strip()


def _date(value: str) -> str | None:
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except (ValueError, TypeError):
        return None


def entry_url(entry: dict) -> str:
    url = _text(entry, "url")
    if url.startswith(("https://", "http://")):
        return url
    base = current_app.config.get("ALGORITHM_REGISTER_URL", "https://algoritmes.overheid.nl")
    return f"{base.rstrip('/')}/nl/algoritme/{_text(entry, 'id')}"


def entry_to_document(entry: dict) -> dict:
    """One register entry → a document dict (see loader) with a Dutch Markdown body."""
    register_id = _text(entry, "id")
    organisation = _text(entry, "organisatie")
    status = _text(entry, "status")
    status_text = STATUS_NL.get(status, status.replace("_", " ").capitalize())
    doel = _text(entry, "doel")
    url = entry_url(entry)
    registered = _date(_text(entry, "geregistreerd"))
    added = _date(_text(entry, "toegevoegd"))
    sections = [
        ("Doel", doel or "Geen doel opgegeven."),
        ("Organisatie", organisation or "Onbekend."),
        ("Status", status_text or "Onbekend."),
        ("Juridische basis", _text(entry, "juridische_basis") or "Niet opgegeven."),
        ("Impact assessment", _text(entry, "impactassessment") or "Onbekend."),
        ("Bron", f"[Dit algoritme in het Algoritmeregister]({url})"
                 + (f", geregistreerd op {registered}." if registered else ".")),
    ]
    body = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections)
    tags = ["algoritmeregister"] + [t for t in (organisation, status_text.lower()) if t]
    summary = doel
    if len(summary) > loader.SUMMARY_MAX_CHARS:
        summary = summary[:loader.SUMMARY_MAX_CHARS].rsplit(" ", 1)[0] + "…"
    doc = {
        "id": ID_PREFIX + loader.slugify(register_id),
        "type": "algorithm",
        "title": _text(entry, "title"),
        "summary": summary,
        "body": body,
        "tags": tags,
        "team": None,
        "updated": max(filter(None, (registered, added)), default=None),
        "source": SOURCE,
        "path": None,
        "meta": {
            "register_id": register_id, "organisation": organisation, "status": status,
            "impact_assessment": _text(entry, "impactassessment"), "registered": registered,
            "added": added, "register_url": url,
        },
    }
    doc["content_hash"] = loader.content_hash(doc)
    return doc


def _same_organisation(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def import_entries(entries: list[dict], organisation: str | None = None) -> dict:
    """Import validated entries; see the module docstring for the rules.

    Returns {total, matched, organisation, added, updated, removed, unchanged,
    errors, changed_ids, removed_ids}.
    """
    organisation = (organisation or "").strip() or None
    selected = entries
    if organisation:
        selected = [e for e in entries if _same_organisation(_text(e, "organisatie"), organisation)]
        if not selected:
            names = sorted({_text(e, "organisatie") for e in entries if _text(e, "organisatie")})
            close = difflib.get_close_matches(organisation, names, n=3, cutoff=0.6)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise Invalid(f"No entries of organisation '{organisation}' in the file; "
                          f"nothing was imported.{hint}", {"organisation": "no entries"})
    docs = [entry_to_document(e) for e in selected]

    def in_scope(row) -> bool:
        if not organisation:
            return True
        meta = json.loads(row["meta"] or "{}")
        return _same_organisation(meta.get("organisation") or "", organisation)

    report = service.apply_documents(docs, (SOURCE,), remove=in_scope)
    report.update(total=len(entries), matched=len(selected), organisation=organisation)
    return report


def import_file(path: str | Path, organisation: str | None = None) -> dict:
    return import_entries(read_export(path), organisation)
