"""Backups: online copy while the portal writes, files and checksums, verify, restore, keep N."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from portal import migrations
from portal.accounts import service as accounts
from portal.errors import Invalid
from portal.ops import backup

ROOT = Path(__file__).resolve().parent.parent


def portal_cli(instance: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_INSTANCE_PATH=instance, PYTHONPATH=str(ROOT),
               PORTAL_EMBEDDING_CACHE_FOLDER=os.environ.get("PORTAL_EMBEDDING_CACHE_FOLDER", ""))
    return subprocess.run([sys.executable, "-c", "from portal.cli import main; main()", *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_a_backup_taken_during_concurrent_writes_holds_every_acknowledged_ticket(
        live_server, make_user, tmp_path):
    app = live_server.app
    employees = [make_user("employee") for _ in range(3)]
    with app.app_context():
        tokens = [accounts.create_token(e.id, "load") for e in employees]
    acknowledged, lock = [], threading.Lock()
    stop = threading.Event()
    acked_before_backup: list[str] = []

    def submit(worker: int) -> int:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {tokens[worker % len(tokens)]}"
        n = 0
        while not stop.is_set() and n < 200:
            response = session.post(f"{live_server.url}/api/v1/tickets", timeout=60, json={
                "type": "other", "subject": f"Vraag {worker}-{n}",
                "description": "Hoeveel inwoners heeft Escamp?", "department": "szw",
                "personal_data": "no"})
            assert response.status_code == 201, response.text
            with lock:
                acknowledged.append(response.json()["number"])
            n += 1
        return n

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(submit, w) for w in range(4)]
        while True:  # let some tickets land, then back up while the writers keep going
            with lock:
                if len(acknowledged) >= 20:
                    acked_before_backup = list(acknowledged)
                    break
            stop.wait(0.05)
        made = portal_cli(app.instance_path, "backup", "create")
        stop.set()
        written = sum(f.result() for f in futures)
    assert made.returncode == 0, made.stderr
    assert "integrity ok" in made.stdout
    assert written == len(acknowledged)

    name = backup.list_backups(app.config)[-1]["name"]
    verified = portal_cli(app.instance_path, "backup", "verify", name)
    assert verified.returncode == 0, verified.stderr
    assert "integrity_check: ok" in verified.stdout

    target = tmp_path / "restored"
    restored = portal_cli(app.instance_path, "backup", "restore", name, "--to", str(target))
    assert restored.returncode == 0, restored.stderr
    db = sqlite3.connect(target / "portal.db")
    numbers = {row[0] for row in db.execute("SELECT number FROM tickets")}
    missing = set(acked_before_backup) - numbers
    assert not missing, f"acknowledged tickets missing from the backup: {sorted(missing)}"
    # The copy is one consistent moment: every ticket in it has its confirmation mail.
    assert db.execute("SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM outbox o "
                      "WHERE o.ticket_id = t.id)").fetchone()[0] == 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.fixture
def instance_files(app):
    inst = Path(app.instance_path)
    (Path(app.config["UPLOAD_FOLDER"]) / "ab").mkdir(parents=True)
    (Path(app.config["UPLOAD_FOLDER"]) / "ab" / "rapport.pdf").write_bytes(b"%PDF-1.4 wijken")
    Path(app.config["INDEX_FOLDER"]).mkdir(parents=True, exist_ok=True)
    (Path(app.config["INDEX_FOLDER"]) / "chunks.faiss").write_bytes(os.urandom(2048))
    (inst / "secret_key").write_text("s3cret")
    (inst / "config.py").write_text('MUNICIPALITY = "Gemeente Voorbeeld"\n')
    return inst


def test_backup_holds_database_files_and_a_manifest_and_restores_them(app, make_user,
                                                                     instance_files, tmp_path):
    make_user("employee", email="jan@denhaag.example")
    result = backup.create(app.config, app.instance_path)
    manifest = result["manifest"]
    paths = {f["path"] for f in manifest["files"]}
    assert {"portal.db", "uploads/ab/rapport.pdf", "index/chunks.faiss", "secret_key",
            "config.py"} <= paths
    assert manifest["integrity"] == "ok" and manifest["tables"]["users"] == 1
    assert manifest["schema_version"] == migrations.MIGRATIONS[-1][0]  # the newest
    assert manifest["excluded"] == ["models"]
    assert oct(os.stat(result["path"]).st_mode & 0o777) == "0o600"

    target = tmp_path / "new-machine"
    backup.restore(app.config, result["path"], target)  # a path works as well as a name
    for rel in ("uploads/ab/rapport.pdf", "index/chunks.faiss", "secret_key", "config.py"):
        assert (target / rel).read_bytes() == (instance_files / rel).read_bytes()
    db = sqlite3.connect(target / "portal.db")
    assert db.execute("SELECT email FROM users").fetchall() == [("jan@denhaag.example",)]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"

    # The restored instance is a working portal: the app opens it and finds the user.
    from portal import create_app
    from portal.accounts import service

    restored = create_app({"INSTANCE_PATH": str(target), "TESTING": True})
    assert restored.config["SECRET_KEY"] == "s3cret"
    assert restored.config["MUNICIPALITY"] == "Gemeente Voorbeeld"
    with restored.app_context():
        assert service.find_by_email("jan@denhaag.example")


def test_restore_refuses_a_non_empty_instance_without_force(app, instance_files, tmp_path):
    name = backup.create(app.config, app.instance_path)["name"]
    target = tmp_path / "busy"
    target.mkdir()
    (target / "portal.db").write_bytes(b"someone else's data")
    (target / "keep-me.txt").write_text("not ours")
    with pytest.raises(Invalid, match="not empty"):
        backup.restore(app.config, name, target)
    assert (target / "portal.db").read_bytes() == b"someone else's data"
    cli = app.test_cli_runner().invoke(args=["backup", "restore", name, "--to", str(target)])
    assert cli.exit_code == 1 and "--force" in cli.output
    backup.restore(app.config, name, target, force=True)
    restored = sqlite3.connect(target / "portal.db")
    assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert (target / "keep-me.txt").read_text() == "not ours"


def _rewrite(path: Path, change) -> None:
    """Rewrite a backup archive with one member's bytes changed (the manifest kept)."""
    with tarfile.open(path, "r:gz") as archive:
        members = [(m, archive.extractfile(m).read() if m.isfile() else None)
                   for m in archive.getmembers()]
    with tarfile.open(path, "w:gz") as archive:
        for member, data in members:
            data = change(member.name, data)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))


def test_verify_prints_row_counts_and_fails_on_a_damaged_backup(app, make_user, instance_files):
    make_user("staff", teams=["bi"])
    name = backup.create(app.config, app.instance_path)["name"]
    runner = app.test_cli_runner()
    good = runner.invoke(args=["backup", "verify", name])
    assert good.exit_code == 0, good.output
    assert any(line.split() == ["users", "1"] for line in good.output.splitlines())
    assert "integrity_check: ok" in good.output

    path = backup.locate(app.config, name)
    _rewrite(path, lambda member, data: b"%PDF-1.4 tampered" if member.endswith("rapport.pdf")
             else data)
    bad = runner.invoke(args=["backup", "verify", name])
    assert bad.exit_code == 1
    assert "checksum mismatch: uploads/ab/rapport.pdf" in bad.output
    with pytest.raises(Invalid, match="does not check out"):
        backup.restore(app.config, name, Path(app.instance_path).parent / "elsewhere")

    path.write_bytes(path.read_bytes()[:200])  # truncated archive
    assert runner.invoke(args=["backup", "verify", name]).exit_code == 1
    assert runner.invoke(args=["backup", "verify", "portal-19990101T000000Z"]).exit_code == 1


def test_the_model_cache_is_left_out_unless_asked_for(app, instance_files):
    models = Path(app.config["EMBEDDING_CACHE_FOLDER"])
    if not models.is_relative_to(app.instance_path):  # the test session shares one cache
        app.config["EMBEDDING_CACHE_FOLDER"] = str(Path(app.instance_path) / "models")
        models = Path(app.config["EMBEDDING_CACHE_FOLDER"])
    (models / "abc").mkdir(parents=True)
    (models / "abc" / "model-int8.onnx").write_bytes(b"onnx")
    default = backup.create(app.config, app.instance_path)["manifest"]
    assert not any(f["path"].startswith("models/") for f in default["files"])
    full = backup.create(app.config, app.instance_path, include_models=True)["manifest"]
    assert "models/abc/model-int8.onnx" in {f["path"] for f in full["files"]}


def test_only_the_newest_backup_keep_backups_are_kept(app):
    app.config["BACKUP_KEEP"] = 2
    start = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    names = [backup.create(app.config, app.instance_path, now=start + timedelta(days=d))["name"]
             for d in range(3)]
    assert names[0] == "portal-20261201T020000Z"
    assert backup.prune(app.config) == [names[0]]
    listed = app.test_cli_runner().invoke(args=["backup", "list"])
    assert [line.split()[0] for line in listed.output.splitlines() if line.startswith("portal-")] \
        == names[1:]
    assert not (Path(app.config["BACKUP_FOLDER"]) / f"{names[0]}.json").exists()


def test_two_backups_in_the_same_second_get_their_own_names(app):
    moment = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    names = [backup.create(app.config, app.instance_path, now=moment)["name"] for _ in range(2)]
    assert names == ["portal-20261201T020000Z", "portal-20261201T020000Z-2"]
    manifests = [json.loads((Path(app.config["BACKUP_FOLDER"]) / f"{n}.json").read_text())
                 for n in names]
    assert [m["name"] for m in manifests] == names
    assert [b["name"] for b in backup.list_backups(app.config)] == names  # in the order made
