"""Backups: one ``.tar.gz`` per backup in BACKUP_FOLDER, with a manifest.

What is in one (``portal-20261202T030000Z.tar.gz``):

- ``portal.db``: the database, copied with SQLite's online backup API in one step, so it
  is a consistent snapshot while the portal keeps writing (WAL readers do not block
  writers); the copy is switched to a single file (journal_mode DELETE) and must pass
  ``PRAGMA integrity_check`` before the backup counts;
- the instance files: ``uploads/`` (attachments), ``index/`` (the search index, so a
  restored portal searches at once), ``mail/`` (mail written by the file backend),
  ``secret_key`` (sessions and tokens stay valid) and the instance ``config.py``;
- ``manifest.json`` (last member, also written next to the archive as ``NAME.json``):
  time, schema version and migrations, row counts per table, size and SHA-256 of every
  file.

Left out by default: the ONNX model cache (``models/``, EMBEDDING_CACHE_FOLDER): it is
regenerated from the packaged model by ``portal index rebuild`` and is large;
``--include-models`` (BACKUP_INCLUDE_MODELS) adds it. Old backups beyond BACKUP_KEEP are
removed after each successful one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import tarfile
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from .. import timeutil
from ..errors import Invalid, NotFound

FORMAT = 1
SUFFIX = ".tar.gz"
NAME_RE = re.compile(r"^portal-(\d{8}T\d{6}Z)(?:-(\d+))?$")
DB_NAME = "portal.db"
MANIFEST = "manifest.json"
# Archive name -> config key of the folder (or None: a file in the instance folder).
FOLDERS = {"uploads": "UPLOAD_FOLDER", "index": "INDEX_FOLDER", "mail": "MAIL_FOLDER"}
MODELS = ("models", "EMBEDDING_CACHE_FOLDER")
INSTANCE_FILES = ("secret_key", "config.py")


def backup_folder(config) -> Path:
    return Path(config["BACKUP_FOLDER"])


# --- create -------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_database(source: str, target: Path) -> dict:
    """Online backup of ``source`` into ``target``; checked; returns counts and schema."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout = 30000")
        src.backup(dst)  # pages=-1: one step, one read transaction, a consistent snapshot
    finally:
        src.close()
    try:
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        return inspect_database(dst)
    finally:
        dst.close()


def inspect_database(conn: sqlite3.Connection) -> dict:
    integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    tables = {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        tables[name] = conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
    migrations = []
    if "schema_migrations" in tables:
        migrations = [r[0] for r in conn.execute(
            "SELECT name FROM schema_migrations ORDER BY name")]
    return {"integrity": "ok" if integrity == ["ok"] else "; ".join(integrity[:20]),
            "tables": tables, "migrations": migrations}


def _sources(config, instance: Path, include_models: bool) -> list[tuple[str, Path]]:
    out = [(name, Path(config[key])) for name, key in FOLDERS.items()]
    out += [(name, instance / name) for name in INSTANCE_FILES]
    if include_models:
        out.append((MODELS[0], Path(config[MODELS[1]])))
    return out


def _unique_name(folder: Path, moment: datetime) -> tuple[str, Path]:
    base = "portal-" + moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 1000):
        name = base if n == 1 else f"{base}-{n}"
        path = folder / (name + SUFFIX)
        try:  # reserve the name: concurrent backups in the same second get their own
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return name, path
    raise RuntimeError("no free backup name")


def create(config, instance_path: str | os.PathLike, include_models: bool | None = None,
           now: datetime | None = None) -> dict:
    """Make one backup of the instance; returns {name, path, size, manifest}.

    Raises (and leaves nothing behind) if the copy fails its integrity check."""
    if include_models is None:
        include_models = bool(config.get("BACKUP_INCLUDE_MODELS"))
    folder = backup_folder(config)
    if not Path(config["DATABASE"]).is_file():
        raise Invalid(f"No database at {config['DATABASE']}")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(folder, 0o700)  # the secret key and personal data are inside
    except OSError:  # a share we do not own: its own permissions apply
        pass
    moment = now or timeutil.now()
    name, final = _unique_name(folder, moment)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder))
    partial = folder / f".{name}{SUFFIX}.partial"
    try:
        started = time.monotonic()
        database = _copy_database(config["DATABASE"], staging / DB_NAME)
        if database["integrity"] != "ok":
            raise RuntimeError(f"integrity_check of the copy failed: {database['integrity']}")
        files = [{"path": DB_NAME, "size": (staging / DB_NAME).stat().st_size,
                  "sha256": _sha256(staging / DB_NAME)}]
        included = []
        excluded = [] if include_models else [MODELS[0]]
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never world-readable
        with os.fdopen(fd, "wb") as raw, \
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive:
            archive.add(staging / DB_NAME, arcname=DB_NAME)
            for arcname, source in _sources(config, Path(instance_path), include_models):
                if not source.exists():
                    continue
                included.append(arcname)
                paths = [source] if source.is_file() else sorted(
                    p for p in source.rglob("*") if p.is_file() and not p.is_symlink())
                for path in paths:
                    member = arcname if path == source else \
                        f"{arcname}/{path.relative_to(source).as_posix()}"
                    files.append(_add_file(archive, path, member))
            files = [f for f in files if f]
            manifest = {
                "format": FORMAT, "name": name, "created_at": timeutil.iso(moment),
                "finished_at": timeutil.iso(), "host": socket.gethostname(),
                "schema_version": database["migrations"][-1] if database["migrations"] else None,
                "migrations": database["migrations"], "integrity": database["integrity"],
                "tables": database["tables"], "included": [DB_NAME] + included,
                "excluded": excluded, "files": files,
                "seconds": round(time.monotonic() - started, 2),
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, final)
        sidecar = final.with_name(name + ".json")
        sidecar.write_bytes(data)
        os.chmod(sidecar, 0o600)
    except BaseException:
        final.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"name": name, "path": str(final), "size": final.stat().st_size, "manifest": manifest}


class _HashingReader:
    def __init__(self, handle, size: int):
        self.handle, self.left, self.digest = handle, size, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.handle.read(n)
        if len(data) < n:  # the file shrank while we read it: pad, the checksum says so
            data += b"\0" * (n - len(data))
        self.left -= len(data)
        self.digest.update(data)
        return data


def _add_file(archive: tarfile.TarFile, path: Path, member: str) -> dict | None:
    """Add one file, hashing exactly the bytes that go into the archive."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:  # removed since we listed it (a swept upload)
        return None
    with handle:
        info = archive.gettarinfo(fileobj=handle, arcname=member)
        reader = _HashingReader(handle, info.size)
        archive.addfile(info, reader)
    return {"path": member, "size": info.size, "sha256": reader.digest.hexdigest()}


# --- find, list, prune --------------------------------------------------------------

def locate(config, name: str) -> Path:
    """A backup by name (in BACKUP_FOLDER, with or without .tar.gz) or by path."""
    candidate = Path(name).expanduser()
    if candidate.is_file():
        return candidate
    bare = name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name
    if NAME_RE.match(bare):
        path = backup_folder(config) / (bare + SUFFIX)
        if path.is_file() and path.stat().st_size:
            return path
    raise NotFound(f"No backup {name!r} in {backup_folder(config)}")


def read_manifest(path: Path) -> dict:
    sidecar = path.with_name(path.name[:-len(SUFFIX)] + ".json")
    if sidecar.is_file():
        try:
            return json.loads(sidecar.read_text())
        except ValueError:
            pass
    with tarfile.open(path, "r:gz") as archive:
        handle = archive.extractfile(MANIFEST)
        return json.loads(handle.read())


def list_backups(config) -> list[dict]:
    folder = backup_folder(config)
    out = []
    if not folder.is_dir():
        return out
    found = []
    for path in folder.glob("portal-*" + SUFFIX):
        match = NAME_RE.match(path.name[:-len(SUFFIX)])
        if match:
            found.append(((match.group(1), int(match.group(2) or 1)), path))
    for _key, path in sorted(found):  # oldest first; -2 comes after its namesake
        name = path.name[:-len(SUFFIX)]
        if not path.stat().st_size:
            continue  # a backup still being written
        entry = {"name": name, "path": str(path), "size": path.stat().st_size}
        try:
            manifest = read_manifest(path)
        except (OSError, KeyError, ValueError, tarfile.TarError) as exc:
            entry["error"] = f"unreadable: {exc}"
        else:
            entry.update(created_at=manifest.get("created_at"),
                         schema_version=manifest.get("schema_version"),
                         rows=sum(manifest.get("tables", {}).values()),
                         files=len(manifest.get("files", [])))
        out.append(entry)
    return out


def prune(config, keep: int | None = None) -> list[str]:
    """Remove all but the newest ``keep`` (BACKUP_KEEP) backups; returns the removed names."""
    keep = int(config.get("BACKUP_KEEP") or 7) if keep is None else keep
    if keep < 1:
        raise Invalid("BACKUP_KEEP must be at least 1")
    folder = backup_folder(config)
    backups = [b for b in list_backups(config) if "error" not in b]
    removed = []
    for entry in backups[:-keep]:
        Path(entry["path"]).unlink(missing_ok=True)
        (folder / (entry["name"] + ".json")).unlink(missing_ok=True)
        removed.append(entry["name"])
    # Leftovers of a backup that crashed (older than a day; a running one is younger):
    # its scratch folder, partial archive and the empty file that reserved its name.
    for stale in [*folder.glob(".portal-*"), *folder.glob("portal-*" + SUFFIX)]:
        try:
            old = time.time() - stale.stat().st_mtime > 86400
            if old and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            elif old and (stale.name.startswith(".") or not stale.stat().st_size):
                stale.unlink()
        except FileNotFoundError:
            continue
    return removed


# --- verify and restore ----------------------------------------------------------------

def _extract(path: Path, target: Path) -> None:
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            if not (member.isfile() or member.isdir()):
                raise Invalid(f"unexpected entry in the backup: {member.name}")
        archive.extractall(target, filter="data")


def check_extracted(folder: Path) -> dict:
    """Compare an extracted backup with its manifest: files, checksums, database, row counts."""
    problems = []
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        return {"ok": False, "problems": [f"no readable manifest: {exc}"], "tables": {},
                "integrity": None, "manifest": {}}
    listed = set()
    for entry in manifest.get("files", []):
        listed.add(entry["path"])
        path = folder / entry["path"]
        if not path.is_file():
            problems.append(f"missing file: {entry['path']}")
        elif path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            problems.append(f"checksum mismatch: {entry['path']}")
    extra = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} \
        - listed - {MANIFEST}
    problems += [f"file not in the manifest: {p}" for p in sorted(extra)]
    tables, integrity = {}, None
    if (folder / DB_NAME).is_file():
        conn = sqlite3.connect(f"file:{folder / DB_NAME}?mode=ro", uri=True)
        try:
            found = inspect_database(conn)
        except sqlite3.DatabaseError as exc:
            problems.append(f"database unreadable: {exc}")
        else:
            tables, integrity = found["tables"], found["integrity"]
            if integrity != "ok":
                problems.append(f"integrity_check: {integrity}")
            if tables != manifest.get("tables"):
                problems.append("row counts differ from the manifest")
        finally:
            conn.close()
    else:
        problems.append(f"missing file: {DB_NAME}")
    return {"ok": not problems, "problems": problems, "tables": tables, "integrity": integrity,
            "manifest": manifest}


def verify(config, name: str) -> dict:
    """Open a backup in a scratch folder and check it; {ok, problems, tables, integrity, ...}."""
    path = locate(config, name)
    scratch_dir = path.parent if os.access(path.parent, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix=".verify-", dir=scratch_dir) as scratch:
        try:
            _extract(path, Path(scratch))
        except (OSError, tarfile.TarError, EOFError) as exc:
            return {"ok": False, "problems": [f"archive unreadable: {exc}"], "tables": {},
                    "integrity": None, "manifest": {}, "path": str(path)}
        report = check_extracted(Path(scratch))
    report["path"] = str(path)
    return report


def restore(config, name: str, target: str | os.PathLike, force: bool = False) -> dict:
    """Restore a backup into instance folder ``target`` (after checking it).

    A non-empty ``target`` is refused unless ``force``; then only what the backup holds is
    replaced (database, uploads/, index/, mail/, secret_key, config.py, models/).
    """
    path = locate(config, name)
    target = Path(target).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise Invalid(f"{target} is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise Invalid(f"{target} is not empty; stop the portal and its worker and use --force "
                      "to replace its database and files")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=target) as scratch:
        scratch = Path(scratch)
        try:
            _extract(path, scratch)
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise Invalid(f"archive unreadable: {exc}") from exc
        report = check_extracted(scratch)
        if not report["ok"]:
            raise Invalid("the backup does not check out: " + "; ".join(report["problems"]))
        manifest = report["manifest"]
        for entry in ([DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"] + list(FOLDERS)
                      + list(INSTANCE_FILES) + [MODELS[0]]):
            old = target / entry
            if entry in manifest.get("included", []) or entry.startswith(DB_NAME):
                shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
        (scratch / MANIFEST).unlink()
        for item in scratch.iterdir():
            os.replace(item, target / item.name)
        if (target / "secret_key").exists():
            os.chmod(target / "secret_key", 0o600)
    return {"name": manifest["name"], "target": str(target), "tables": report["tables"],
            "schema_version": manifest.get("schema_version")}
