"""The Markdown loader on a messy folder, and the folder sync into SQLite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.errors import NotFound
from portal.kb import faq, loader, service

FIXTURES = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture
def folders(app):
    """Copies of the fixture folders at the app's KNOWLEDGE_DIR and COURSES_DIR."""
    knowledge = Path(app.config["KNOWLEDGE_DIR"])
    courses = Path(app.config["COURSES_DIR"])
    shutil.copytree(FIXTURES / "knowledge", knowledge)
    shutil.copytree(FIXTURES / "courses", courses)
    return knowledge, courses


def by_id(result):
    return {doc["id"]: doc for doc in result.documents}


def test_front_matter_fields_are_read():
    docs = by_id(loader.load_folder(FIXTURES / "knowledge", "knowledge"))
    doc = docs["dashboard-aanvragen"]
    assert doc["title"] == "Een dashboard laten maken"
    assert doc["type"] == "howto"
    assert doc["tags"] == ["dashboard", "bi", "power bi"]
    assert doc["team"] == "bi"
    assert doc["updated"] == "2026-03-01"
    assert doc["path"] == "howto/dashboard-aanvragen.md"
    assert doc["meta"]["links"] == [{"title": "Power BI", "url": "https://powerbi.microsoft.com"}]
    assert doc["body"].startswith("## Voordat je begint")


def test_file_without_front_matter_gets_title_from_heading_or_name():
    docs = by_id(loader.load_folder(FIXTURES / "knowledge", "knowledge"))
    notes = docs["notities"]
    assert notes["title"] == "Notities van het team"
    assert notes["type"] == "page"
    assert not notes["body"].startswith("# Notities")  # the title is not repeated in the body
    assert notes["summary"].startswith("Dit bestand heeft geen front matter")
    plain = docs["zonder-titel"]
    assert plain["title"] == "Zonder titel"


def test_bad_files_are_reported_and_skipped_not_fatal():
    result = loader.load_folder(FIXTURES / "knowledge", "knowledge")
    errors = {e["path"]: e["message"] for e in result.errors}
    assert "invalid YAML" in errors["knowledge/kapot.md"]
    assert "UTF-8" in errors["knowledge/latin1.md"]
    duplicate = errors["knowledge/oud/dashboard-kopie.md"]
    assert "dashboard-aanvragen" in duplicate and "knowledge/howto/dashboard-aanvragen.md" in duplicate
    # the first file with the id wins
    assert by_id(result)["dashboard-aanvragen"]["title"] == "Een dashboard laten maken"


def test_hidden_and_non_markdown_files_are_ignored():
    paths = {doc["path"] for doc in loader.load_folder(FIXTURES / "knowledge", "knowledge").documents}
    assert not any(p.startswith(".") or "/." in p or p.endswith(".txt") for p in paths)
    assert len(paths) == 4


def test_default_id_is_the_slugified_relative_path():
    doc, _ = loader.parse_text("Tekst", "Werkwijze/Één Bestand_2.md", "knowledge")
    assert doc["id"] == "werkwijze-een-bestand-2"


def test_course_modules_keep_their_fields_and_track_md_is_a_track():
    docs = by_id(loader.load_folder(FIXTURES / "courses", "courses"))
    module = docs["basis-01-wat-is-data"]
    assert module["type"] == "course"
    assert module["meta"] == {"track": "basis", "order": 1, "level": "beginner",
                              "duration_minutes": 20, "prerequisites": []}
    track = docs["basis"]
    assert track["type"] == "track" and track["title"] == "Basis datagedreven werken"


def test_faq_pairs_split_on_second_level_headings():
    doc = by_id(loader.load_folder(FIXTURES / "knowledge", "knowledge"))["veelgestelde-vragen"]
    pairs = service.faq_pairs(doc)
    assert [q for q, _ in pairs] == ["Hoe lang duurt een data-aanvraag?", "Mag ik persoonsgegevens delen?"]
    assert pairs[0][1] == "Meestal binnen **twee weken**."
    assert "- de DPIA" in pairs[1][1]
    assert faq.faq_intro(doc["body"]).startswith("Staat je vraag er niet bij?")


def test_faq_headings_inside_code_blocks_are_not_questions():
    body = "## Echt?\n\n```\n## geen vraag?\n```\n"
    assert [q for q, _ in faq.faq_pairs(body)] == ["Echt?"]


def test_sync_is_idempotent_and_follows_edits_and_deletes(app, folders):
    knowledge, _ = folders
    with app.app_context():
        first = service.sync_folders()
        assert (first["added"], first["updated"], first["removed"]) == (6, 0, 0)
        assert len(first["errors"]) == 3
        again = service.sync_folders()
        assert (again["added"], again["updated"], again["removed"], again["unchanged"]) == (0, 0, 0, 6)

        path = knowledge / "howto" / "dashboard-aanvragen.md"
        path.write_text(path.read_text().replace("Team BI levert", "Team BI bouwt en levert"))
        edited = service.sync_folders()
        assert (edited["updated"], edited["unchanged"], edited["changed_ids"]) == (1, 5, ["dashboard-aanvragen"])
        assert "bouwt en levert" in service.get_document("dashboard-aanvragen")["body"]

        (knowledge / "notities.md").unlink()
        removed = service.sync_folders()
        assert (removed["removed"], removed["removed_ids"]) == (1, ["notities"])
        with pytest.raises(NotFound):
            service.get_document("notities")


def test_a_file_that_breaks_keeps_its_previous_version(app, folders):
    knowledge, _ = folders
    with app.app_context():
        service.sync_folders()
        (knowledge / "notities.md").write_text("---\ntitle: [kapot\n---\nTekst\n")
        report = service.sync_folders()
        assert report["removed"] == 0
        assert any(e["path"] == "knowledge/notities.md" for e in report["errors"])
        assert service.get_document("notities")["title"] == "Notities van het team"


def test_missing_folder_removes_nothing(app, folders):
    knowledge, _ = folders
    with app.app_context():
        service.sync_folders()
        shutil.rmtree(knowledge)
        report = service.sync_folders()
        assert report["removed"] == 0
        assert any("does not exist" in e["message"] for e in report["errors"])
        assert service.count_by_type()["howto"] == 1


def test_same_id_in_knowledge_and_courses_is_reported(app, folders):
    _, courses = folders
    (courses / "basis" / "02-dubbel.md").write_text("---\nid: notities\ntitle: Dubbel\n---\nx\n")
    with app.app_context():
        report = service.sync_folders()
        assert any("courses/basis/02-dubbel.md" == e["path"] and "knowledge/notities.md" in e["message"]
                   for e in report["errors"])
        assert service.get_document("notities")["source"] == "knowledge"


def test_reading_functions(app, folders):
    with app.app_context():
        service.sync_folders()
        counts = service.count_by_type()
        assert counts == {"howto": 1, "faq": 1, "page": 2, "course": 1, "track": 1}
        howtos = service.list_documents(type="howto")
        assert [d["id"] for d in howtos] == ["dashboard-aanvragen"]
        assert "body" not in howtos[0]
        assert {d["id"] for d in service.list_documents(source="courses")} == {"basis", "basis-01-wat-is-data"}
        doc = service.get_document("veelgestelde-vragen")
        assert doc["tags"] == ["faq"] and doc["url"] == "/kennisbank/veelgestelde-vragen"
        indexed = {d["id"]: d for d in service.documents_for_index()}
        assert set(indexed) == {"dashboard-aanvragen", "veelgestelde-vragen", "notities", "zonder-titel",
                                "basis", "basis-01-wat-is-data"}
        entry = indexed["dashboard-aanvragen"]
        assert set(entry) >= {"id", "type", "title", "summary", "body", "tags", "url", "content_hash", "updated"}
        assert entry["tags"] == ["dashboard", "bi", "power bi"]
        assert [d["id"] for d in service.documents_for_index(["basis"])] == ["basis"]
        assert set(service.get_documents(["basis", "nope"])) == {"basis"}


def test_cli_sync_prints_the_report_and_list_filters_by_type(app, folders):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "sync"])
    assert result.exit_code == 0, result.output
    assert "added 6, updated 0, removed 0, unchanged 0" in result.output
    assert "error: knowledge/kapot.md: invalid YAML" in result.output
    assert runner.invoke(args=["kb", "sync", "--strict"]).exit_code == 1
    listed = runner.invoke(args=["kb", "list", "--type", "faq"])
    assert "veelgestelde-vragen" in listed.output and "dashboard-aanvragen" not in listed.output
