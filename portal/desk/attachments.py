"""Attachments: checked before anything is stored, saved under random names.

A file is accepted when its extension is allowed, its size is within the
limit and its first bytes match the extension (a PDF starts with %PDF, an
xlsx is a zip, a CSV is text, ...). The content type is derived from the
extension, never taken from the browser. Files are stored in UPLOAD_FOLDER
under a random name; the original name is kept (sanitised) for downloads.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from .. import timeutil
from ..errors import Invalid
from ..templating import human_size

CONTENT_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "gif": "image/gif", "csv": "text/csv", "txt": "text/plain", "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "zip": "application/zip",
}
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
MAGIC = {
    "pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",), "gif": (b"GIF87a", b"GIF89a"),
    "xlsx": _ZIP, "docx": _ZIP, "pptx": _ZIP, "odt": _ZIP, "ods": _ZIP, "zip": _ZIP,
    "xls": _OLE, "doc": _OLE,
}
TEXT_TYPES = {"csv", "txt", "json"}
FILENAME_MAX = 150


@dataclass
class Upload:
    """A file as received: the name the browser gave and the bytes (at most limit + 1)."""
    filename: str
    data: bytes


@dataclass
class Prepared:
    filename: str
    extension: str
    content_type: str
    data: bytes
    sha256: str


def from_file_storages(files) -> list[Upload]:
    """Read werkzeug FileStorage objects, skipping empty file inputs.

    Reads at most MAX_ATTACHMENT_BYTES + 1 bytes per file, enough to tell that
    a file is too large without holding more in memory.
    """
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    out = []
    for storage in files:
        if storage is None or not storage.filename:
            continue
        out.append(Upload(storage.filename, storage.stream.read(limit + 1)))
    return out


def sanitise_filename(name: str) -> str:
    """A display name without paths, control characters or characters unsafe on disks."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]', "_", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: FILENAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 \
            else name[:FILENAME_MAX]
    return name or "file"


def _looks_like_text(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            # A multi-byte character cut off at the 8 KB boundary is fine.
            if encoding == "utf-8" and exc.start >= len(head) - 3 and len(data) > len(head):
                return True
    return False


def prepare(uploads) -> list[Prepared]:
    """Check every upload; raise Invalid (nothing stored) when one is not acceptable."""
    cfg = current_app.config
    uploads = list(uploads or [])
    if not uploads:
        return []
    limit, allowed = cfg["MAX_ATTACHMENT_BYTES"], set(cfg["ALLOWED_ATTACHMENT_EXTENSIONS"])
    if len(uploads) > cfg["MAX_ATTACHMENTS_PER_POST"]:
        n = cfg["MAX_ATTACHMENTS_PER_POST"]
        raise Invalid(_("At most %(n)d attachments at a time.", n=n),
                      {"attachments": _("At most %(n)d attachments at a time.", n=n)})
    prepared = []
    for upload in uploads:
        name = sanitise_filename(upload.filename)
        ext = name.rpartition(".")[2].lower() if "." in name else ""
        problem = None
        if ext not in allowed or ext not in CONTENT_TYPES:
            problem = _("%(name)s: this type of file is not allowed. Allowed: %(types)s.",
                        name=name, types=", ".join(sorted(allowed)))
        elif len(upload.data) > limit:
            problem = _("%(name)s is too large (at most %(size)s).", name=name,
                        size=human_size(limit))
        elif not upload.data:
            problem = _("%(name)s is empty.", name=name)
        elif ext in TEXT_TYPES and not _looks_like_text(upload.data):
            problem = _("%(name)s does not look like a text file.", name=name)
        elif ext in MAGIC and not upload.data.startswith(MAGIC[ext]):
            problem = _("%(name)s is not a real .%(ext)s file.", name=name, ext=ext)
        if problem:
            raise Invalid(problem, {"attachments": problem})
        prepared.append(Prepared(name, ext, CONTENT_TYPES[ext], upload.data,
                                 hashlib.sha256(upload.data).hexdigest()))
    return prepared


INCOMING = "incoming"  # files of a transaction that has not committed yet
ORPHAN_GRACE_SECONDS = 3600


def save(db, prepared: list[Prepared], *, ticket_id: int, comment_id: int | None,
         user_id: int, written: list[Path]) -> list[int]:
    """Write files and rows inside the caller's transaction.

    Files go to ``uploads/incoming/`` first; ``publish`` moves them next to the
    others once the transaction has committed. Every path written is appended to
    ``written`` so the caller can remove the files when the transaction rolls back.
    A request that dies in between (killed process) leaves its file in incoming/
    with no row: ``sweep_incoming`` removes it (and finishes the move of a file
    whose row did commit), so nothing stays that no row points to.
    """
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / INCOMING
    folder.mkdir(parents=True, exist_ok=True)
    sweep_incoming(db)
    ids = []
    for item in prepared:
        stored = secrets.token_hex(16)
        path = folder / stored
        written.append(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(fd, "wb") as handle:
            handle.write(item.data)
            handle.flush()
            os.fsync(handle.fileno())
        ids.append(db.execute(
            "INSERT INTO attachments (ticket_id, comment_id, filename, stored_name, content_type,"
            " size, sha256, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ticket_id, comment_id, item.filename, stored, item.content_type, len(item.data),
             item.sha256, user_id, timeutil.iso()]).lastrowid)
    return ids


def publish(paths: list[Path]) -> None:
    """After COMMIT: move the transaction's files from incoming/ to the upload folder."""
    for path in paths:
        os.replace(path, path.parent.parent / path.name)


def remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def sweep_incoming(db, grace_seconds: int = ORPHAN_GRACE_SECONDS) -> dict:
    """Tidy incoming/: files older than ``grace_seconds`` with no row are removed, files
    whose row committed are moved into place. Cheap: incoming/ holds only in-flight files."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / INCOMING
    done = {"removed": 0, "published": 0}
    if not folder.is_dir():
        return done
    cutoff = time.time() - grace_seconds
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime > cutoff:
                continue  # may belong to a transaction still under way
        except FileNotFoundError:
            continue
        known = db.execute("SELECT 1 FROM attachments WHERE stored_name = ?", [path.name]).fetchone()
        if known:
            publish([path])
            done["published"] += 1
        else:
            remove([path])
            done["removed"] += 1
    return done


def path_of(stored_name: str) -> Path:
    """Where a committed attachment's file is (still in incoming/ if its move was cut off)."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name or ""):
        raise ValueError("bad stored name")
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    path = folder / stored_name
    return path if path.exists() else folder / INCOMING / stored_name
