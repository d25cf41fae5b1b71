"""Read a folder of Markdown files (with optional YAML front matter) into documents.

The loader is pure: no database, no Flask. It must survive somebody else's
folder, so every problem with a single file is reported and that file skipped;
nothing here raises for bad content.

A document is a plain dict::

    {"id", "type", "title", "summary", "body", "tags": [...], "team", "updated",
     "source", "path", "meta": {...}, "content_hash"}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

MARKDOWN_SUFFIXES = (".md", ".markdown")
# Front matter keys stored in their own columns; everything else goes to meta.
COLUMN_KEYS = {"id", "title", "type", "summary", "tags", "team", "updated"}
SUMMARY_MAX_CHARS = 280

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")


@dataclass
class LoadResult:
    documents: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"path", "message"}: file skipped
    warnings: list[dict] = field(default_factory=list)  # {"path", "message"}: loaded anyway
    failed_paths: set[str] = field(default_factory=set)  # relative paths that could not be read


class FileProblem(Exception):
    """A file that cannot be loaded; the message says why."""


def slugify(text: str) -> str:
    """ASCII, lower case, words joined by '-': 'Één Bestand_2' → 'een-bestand-2'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text


def content_hash(doc: dict) -> str:
    """Hash of every stored field, so any change (also a moved file) is an update."""
    keys = ("id", "type", "title", "summary", "body", "tags", "team", "updated", "source",
            "path", "meta")
    payload = json.dumps({k: doc.get(k) for k in keys}, sort_keys=True, ensure_ascii=False,
                         default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def iter_markdown_files(root: Path):
    """Markdown files under root, sorted, skipping hidden files and folders."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(MARKDOWN_SUFFIXES):
                continue
            yield Path(dirpath) / name


def load_folder(root: str | os.PathLike, source: str) -> LoadResult:
    """Parse every Markdown file under ``root``; duplicate ids keep the first file."""
    root = Path(root)
    result = LoadResult()
    if not root.is_dir():
        result.errors.append({"path": str(root), "message": "folder does not exist"})
        return result
    seen: dict[str, str] = {}
    for path in iter_markdown_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            doc, warnings = parse_file(path, root, source)
        except FileProblem as exc:
            result.errors.append({"path": f"{source}/{rel}", "message": str(exc)})
            result.failed_paths.add(rel)
            continue
        for message in warnings:
            result.warnings.append({"path": f"{source}/{rel}", "message": message})
        if doc["id"] in seen:
            result.errors.append({
                "path": f"{source}/{rel}",
                "message": f"duplicate id '{doc['id']}': already used by {seen[doc['id']]}; "
                           "this file was skipped",
            })
            result.failed_paths.add(rel)
            continue
        seen[doc["id"]] = f"{source}/{rel}"
        result.documents.append(doc)
    return result


def parse_file(path: Path, root: Path, source: str) -> tuple[dict, list[str]]:
    """One file → (document, warnings). Raises FileProblem when it cannot be used."""
    rel = path.relative_to(root)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"cannot read file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    return parse_text(text, rel.as_posix(), source)


def parse_text(text: str, rel_path: str, source: str) -> tuple[dict, list[str]]:
    """Markdown text → (document, warnings); ``rel_path`` is relative to the folder."""
    warnings: list[str] = []
    metadata, body = _split_front_matter(text)
    rel = Path(rel_path)
    is_track = source == "courses" and rel.name.lower() in ("track.md", "track.markdown")

    body = body.replace("\r\n", "\n").strip("\n")
    heading_title, body_without_title = _leading_title(body)
    title = _text(metadata.get("title")) or heading_title or _title_from_name(rel)
    if heading_title and heading_title == title:
        body = body_without_title

    doc_id = _text(metadata.get("id"))
    if doc_id:
        if doc_id != slugify(doc_id) and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", doc_id):
            warnings.append(f"id '{doc_id}' is not URL-friendly; using '{slugify(doc_id)}'")
            doc_id = slugify(doc_id)
    else:
        stem = rel.parent.as_posix() if is_track and rel.parent.as_posix() != "." else \
            rel.with_suffix("").as_posix()
        doc_id = slugify(stem)
    if not doc_id:
        raise FileProblem("cannot derive an id from the file name; add 'id:' to the front matter")

    doc_type = slugify(_text(metadata.get("type")) or "").replace("-", "_") or (
        "track" if is_track else "page")

    meta = {k: _plain(v) for k, v in metadata.items() if k not in COLUMN_KEYS}
    if doc_type in ("course", "track") and source == "courses" and not meta.get("track"):
        meta["track"] = slugify(rel.parent.as_posix()) if rel.parent.as_posix() != "." else ""
    links, link_warnings = _links(metadata.get("links"))
    warnings += link_warnings
    if "links" in meta:
        meta["links"] = links

    updated, problem = _date(metadata.get("updated"))
    if problem:
        warnings.append(problem)

    doc = {
        "id": doc_id,
        "type": doc_type,
        "title": title,
        "summary": _text(metadata.get("summary")) or _first_paragraph(body),
        "body": body,
        "tags": _tags(metadata.get("tags")),
        "team": _text(metadata.get("team")) or None,
        "updated": updated,
        "source": source,
        "path": rel.as_posix(),
        "meta": meta,
    }
    doc["content_hash"] = content_hash(doc)
    return doc, warnings


def _split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 2})"  # +1 for 1-based, +1 for the opening ---
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FileProblem(f"invalid YAML front matter{where}: {problem}") from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure is a problem of this file
        raise FileProblem(f"invalid front matter: {exc}") from exc
    if not isinstance(post.metadata, dict):
        raise FileProblem("front matter must be a mapping of 'key: value' lines")
    return dict(post.metadata), post.content


def _leading_title(body: str) -> tuple[str | None, str]:
    """The first line's '# Title' (if the body starts with one) and the body without it."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = HEADING_RE.match(line)
        if match and len(match.group(1)) == 1 and match.group(2):
            return match.group(2).strip(), "\n".join(lines[index + 1:]).strip("\n")
        break
    return None, body


def _title_from_name(rel: Path) -> str:
    stem = rel.parent.name if rel.stem.lower() in ("readme", "index", "track") and \
        rel.parent.name else rel.stem
    words = re.sub(r"[-_]+", " ", stem).strip()
    words = re.sub(r"^\d+\s+", "", words) or words
    return words[:1].upper() + words[1:] if words else "Untitled"


def _first_paragraph(body: str) -> str:
    in_fence = False
    paragraph: list[str] = []
    for line in body.split("\n"):
        if FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        stripped = line.strip()
        if in_fence or stripped.startswith(("#", "|", ">", "<", "!")) or re.match(r"^[-*+] |^\d+\. ", stripped):
            if paragraph:
                break
            continue
        if not stripped:
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    text = " ".join(paragraph)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links → their text
    text = re.sub(r"[*_`]+", "", text)
    if len(text) > SUMMARY_MAX_CHARS:
        text = text[:SUMMARY_MAX_CHARS].rsplit(" ", 1)[0] + "…"
    return text


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return ""
    return str(value).strip()


def _tags(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    tags: list[str] = []
    for item in items:
        tag = str(item).strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _links(value) -> tuple[list[dict], list[str]]:
    if value is None:
        return [], []
    if not isinstance(value, list):
        return [], ["'links' must be a list of {title, url}; ignored"]
    links, warnings = [], []
    for item in value:
        if isinstance(item, str):
            item = {"title": item, "url": item}
        if not isinstance(item, dict) or not item.get("url"):
            warnings.append("a link without url was ignored")
            continue
        url = str(item["url"]).strip()
        if not _safe_url(url):
            warnings.append(f"link {url[:60]!r} is not http(s), mailto or a relative path; ignored")
            continue
        links.append({"title": _text(item.get("title")) or url, "url": url})
    return links, warnings


def _safe_url(url: str) -> bool:
    """http(s), mailto or a relative URL; browsers ignore control characters and spaces
    inside a scheme ('java\tscript:'), so they are removed before the check."""
    compact = re.sub(r"[\x00-\x20\x7f]", "", url)
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", compact)
    return scheme is None or scheme.group(1).lower() in ("http", "https", "mailto")


def _date(value) -> tuple[str | None, str | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat(), None
    except ValueError:
        return None, f"'updated' is not a date (YYYY-MM-DD): {value!r}; ignored"


def _plain(value):
    """Front matter values as JSON-safe data (YAML dates become ISO strings)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
