"""Importing an export of the national algorithm register."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from portal.errors import Invalid, NotFound
from portal.kb import register, service

SAMPLE = Path(__file__).parent / "fixtures" / "algoritmeregister-sample.json"


@pytest.fixture
def export(tmp_path):
    """A writable copy of the sample export; returns (path, data)."""
    path = tmp_path / "export.json"
    shutil.copy(SAMPLE, path)
    return path


def load(path):
    return json.loads(path.read_text())


def save(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False))


def register_ids():
    return {d["id"] for d in service.list_documents(source="register")}


def test_import_creates_algorithm_documents_with_a_dutch_body(app, export):
    with app.app_context():
        report = register.import_file(export)
        assert (report["added"], report["total"], report["matched"]) == (6, 6, 6)
        doc = service.get_document("register-15733766")
    assert doc["type"] == "algorithm" and doc["source"] == "register"
    assert doc["title"] == "Module Mulderhandhaving stoepparkeren"
    for heading in ("## Doel", "## Organisatie", "## Status", "## Juridische basis",
                    "## Impact assessment", "## Bron"):
        assert heading in doc["body"]
    assert "In gebruik" in doc["body"]
    assert "(https://algoritmes.overheid.nl/nl/algoritme/15733766)" in doc["body"]
    assert "Gemeente Den Haag" in doc["tags"] and "in gebruik" in doc["tags"]
    assert doc["updated"] == "2026-07-09"
    assert doc["meta"]["organisation"] == "Gemeente Den Haag"


def test_entry_without_url_links_to_the_register(app, export):
    with app.app_context():
        register.import_file(export)
        doc = service.get_document("register-11234999")
    assert doc["meta"]["register_url"] == "https://algoritmes.overheid.nl/nl/algoritme/11234999"


def test_organisation_filter_is_exact_but_case_insensitive(app, export):
    with app.app_context():
        report = register.import_file(export, organisation="GEMEENTE DEN HAAG")
        assert report["matched"] == 4  # includes the entry spelled "gemeente den haag"
        assert register_ids() == {"register-15733766", "register-15700001", "register-15700002",
                                  "register-15700003"}
        with pytest.raises(Invalid) as excinfo:
            register.import_file(export, organisation="Den Haag")
        assert "Den Haag" in excinfo.value.message
        assert len(register_ids()) == 4


def test_reimport_updates_changed_and_removes_vanished_entries(app, export):
    with app.app_context():
        register.import_file(export)
        data = load(export)
        data["algoritmes"][0]["title"] = "Stoepparkeren (nieuwe naam)"
        del data["algoritmes"][1]
        save(export, data)
        report = register.import_file(export)
        assert (report["added"], report["updated"], report["removed"], report["unchanged"]) == (0, 1, 1, 4)
        assert service.get_document("register-15733766")["title"] == "Stoepparkeren (nieuwe naam)"
        with pytest.raises(NotFound):
            service.get_document("register-15700001")
        again = register.import_file(export)
        assert (again["updated"], again["unchanged"]) == (0, 5)


def test_scoped_import_removes_only_vanished_entries_of_that_organisation(app, export):
    with app.app_context():
        register.import_file(export)
        data = load(export)
        data["algoritmes"] = [e for e in data["algoritmes"]
                              if e["id"] not in ("15700001", "11234999")]  # one of each
        save(export, data)
        report = register.import_file(export, organisation="Gemeente Den Haag")
        assert report["removed_ids"] == ["register-15700001"]
        assert "register-11234999" in register_ids()  # Delft is out of scope
        report = register.import_file(export)
        assert report["removed_ids"] == ["register-11234999"]


def test_bare_list_is_accepted(app, export):
    save(export, load(export)["algoritmes"][:2])
    with app.app_context():
        assert register.import_file(export)["added"] == 2


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"count": 2}', "'algoritmes'"),
    ('"text"', "object or list"),
    ('[{"id": "1", "title": "Goed"}, {"id": "2"}]', "entry 2 has no title"),
    ('[{"id": "1", "title": "A"}, {"id": "1", "title": "B"}]', "also appears"),
])
def test_bad_file_is_rejected_and_nothing_changes(app, export, content, message):
    with app.app_context():
        register.import_file(export)
        before = {d["id"]: d["content_hash"] for d in service.documents_for_index()}
        export.write_text(content)
        with pytest.raises(Invalid) as excinfo:
            register.import_file(export)
        assert message in excinfo.value.message
        after = {d["id"]: d["content_hash"] for d in service.documents_for_index()}
    assert after == before


def test_missing_file_is_a_clear_error(app, tmp_path):
    with app.app_context(), pytest.raises(Invalid, match="File not found"):
        register.import_file(tmp_path / "nope.json")


def test_register_ids_never_overwrite_knowledge_documents(app, export):
    knowledge = Path(app.config["KNOWLEDGE_DIR"])
    knowledge.mkdir()
    (knowledge / "x.md").write_text("---\nid: register-15733766\ntitle: Eigen pagina\n---\nTekst\n")
    with app.app_context():
        service.sync_folders()
        report = register.import_file(export)
        assert report["added"] == 5 and len(report["errors"]) == 1
        assert service.get_document("register-15733766")["title"] == "Eigen pagina"
        # and a folder sync does not remove register documents
        assert service.sync_folders()["removed"] == 0
        assert len(register_ids()) == 5


def test_cli_import_reports_counts_and_errors(app, export):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "import-algoritmeregister", str(export),
                                 "--organisation", "gemeente delft"])
    assert result.exit_code == 0, result.output
    assert "2 of 6 entries of gemeente delft imported." in result.output
    assert "added 2" in result.output
    export.write_text("[1, 2")
    result = runner.invoke(args=["kb", "import-algoritmeregister", str(export)])
    assert result.exit_code == 1
    assert "not valid JSON" in result.output
