"""`portal index ...` and `portal search ...` on a folder of someone else's Markdown."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FOREIGN = {
    # No front matter at all: titles from the first heading or the file name.
    "Onboarding nieuwe collega.md": "# Onboarding\n\nWelkom! Je laptop haal je op bij de "
                                    "servicedesk.\n\n## Toegang\n\nVraag toegang tot de "
                                    "fileshare aan via je leidinggevende. " + "Zonder toegang kun je de "
                                    "gedeelde mappen van je team niet openen. " * 6 + "\n",
    "notities/vergadering-2024.md": "Besproken: de begroting voor afvalinzameling en "
                                    "de nieuwe containers in Escamp.\n",
    "recepten.md": "## Appeltaart\n\nAppels, kaneel en deeg. Bak 60 minuten.\n",
}


def portal(env, *args, stdin=None):
    code = "import sys; from portal.cli import main; sys.argv[0] = 'portal'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.fixture
def foreign(tmp_path):
    folder = tmp_path / "their-md"
    for name, content in FOREIGN.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({
        "PORTAL_INSTANCE_PATH": str(tmp_path / "x"),
        "PORTAL_KNOWLEDGE_DIR": str(folder),
        "PORTAL_COURSES_DIR": str(tmp_path / "no-courses"),
        "PORTAL_EMBEDDING_MODEL": "fake:64",
        "PORTAL_KB_GENERATED_PAGES": "false",  # only the folder's own documents
        "PYTHONPATH": str(ROOT),
    })
    return env


def test_the_whole_cli_contract_on_foreign_markdown(foreign):
    assert portal(foreign, "db", "upgrade").returncode == 0
    sync = portal(foreign, "kb", "sync")
    assert "added 3" in sync.stdout, sync.stdout + sync.stderr
    built = portal(foreign, "index", "rebuild")
    assert built.returncode == 0, built.stderr
    assert "Indexed 3 documents" in built.stdout and "mode hybrid" in built.stdout
    assert "\r" not in built.stderr  # no progress bar when stderr is not a terminal
    assert "Similar-ticket index: 0 ticket(s)" in built.stdout  # no tickets in this instance

    human = portal(foreign, "search", "containers")
    assert human.returncode == 0, human.stderr
    first = human.stdout.splitlines()[0]
    assert "Vergadering 2024" in first or "vergadering-2024" in first
    assert "containers" in human.stdout

    as_json = json.loads(portal(foreign, "search", "toegang fileshare", "--json").stdout)
    top = as_json["results"][0]
    assert set(top) == {"id", "title", "type", "score", "url", "snippet"}
    assert top["title"] == "Onboarding" and top["url"].endswith("#toegang")
    assert "<mark>" not in top["snippet"] and "fileshare" in top["snippet"]

    batch = portal(foreign, "search", "--batch", "-", "--json", "--limit", "2",
                   stdin="appeltaart\n\nNOT \"(\n😀\n")
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["appeltaart", 'NOT "(', "😀"]
    assert lines[0]["results"][0]["title"] == "recepten" or \
        lines[0]["results"][0]["id"] == "recepten"
    assert all(set(line) >= {"query", "took_ms", "results"} for line in lines)
    assert all(len(line["results"]) <= 2 for line in lines)

    status = portal(foreign, "index", "status")
    assert re.search(r"Stale documents:\s+0\n", status.stdout), status.stdout
    assert re.search(r"Chunks:\s+4\n", status.stdout)  # 3 documents, one with 2 sections
    again = portal(foreign, "index", "rebuild")
    assert "3 unchanged" in again.stdout and "0 embedded" in again.stdout


def test_batch_from_a_file_and_type_filter(foreign, tmp_path):
    portal(foreign, "index", "rebuild", "--sync")  # migrates, loads the folder, builds
    queries = tmp_path / "q.txt"
    queries.write_text("servicedesk\nkaneel\n", encoding="utf-8")
    out = portal(foreign, "search", "--batch", str(queries), "--json", "--type", "page")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["results"][0]["id"] for line in lines] == ["onboarding-nieuwe-collega",
                                                            "recepten"]
    out = portal(foreign, "search", "--batch", str(queries), "--json", "--type", "nothing")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2 and all(line["results"] == [] for line in lines)


def test_search_before_anything_is_loaded_says_what_to_do(foreign):
    out = portal(foreign, "search", "containers")
    assert out.returncode == 0
    assert "No documents are loaded" in out.stderr and "portal kb sync" in out.stderr
    assert "No results." in out.stdout


def test_search_without_an_index_falls_back_to_keywords(foreign):
    portal(foreign, "db", "upgrade")
    portal(foreign, "kb", "sync")
    out = portal(foreign, "search", "containers", "--json")
    data = json.loads(out.stdout)
    assert data["mode"] == "keyword" and data["notice"]
    assert data["results"] == []  # nothing indexed yet: keyword index is empty too
    built = portal(foreign, "index", "rebuild", "--sync")
    assert "Synced:" in built.stdout


def test_search_needs_a_query_or_a_batch(foreign):
    out = portal(foreign, "search")
    assert out.returncode == 2 and "QUERY or --batch" in out.stderr


def test_unloadable_model_still_builds_the_keyword_index(foreign):
    foreign["PORTAL_EMBEDDING_MODEL"] = "/nonexistent"
    portal(foreign, "db", "upgrade")
    portal(foreign, "kb", "sync")
    built = portal(foreign, "index", "rebuild")
    assert built.returncode == 0 and "mode keyword" in built.stdout
    assert "Warning" in built.stderr
    data = json.loads(portal(foreign, "search", "kaneel", "--json").stdout)
    assert data["mode"] == "keyword" and data["results"][0]["id"] == "recepten"
