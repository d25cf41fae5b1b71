"""Knowledge base pages: browsing by type, reading documents, access."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.kb import register, service, views

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def loaded(app):
    shutil.copytree(FIXTURES / "kb" / "knowledge", app.config["KNOWLEDGE_DIR"])
    shutil.copytree(FIXTURES / "kb" / "courses", app.config["COURSES_DIR"])
    with app.app_context():
        service.sync_folders()
        register.import_file(FIXTURES / "algoritmeregister-sample.json")
    return app


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the page structure; the English UI keeps them independent of the
    Dutch wording, which tests/test_i18n.py guards."""
    client.set_cookie("portal_lang", "en")


def text(response) -> str:
    return response.get_data(as_text=True)


def test_index_shows_every_type_with_its_count_and_a_search_link(client, loaded):
    response = client.get("/kennisbank/")
    assert response.status_code == 200
    page = text(response)
    assert "<html" in page
    assert 'href="/kennisbank/?type=algorithm"' in page
    assert "Algorithms <span class=\"count\">6</span>" in page
    assert "How-tos <span class=\"count\">1</span>" in page
    assert 'action="/zoeken/"' in page
    assert "HX-Request" in response.headers["Vary"]


def test_type_filter_works_without_javascript(client, loaded):
    page = text(client.get("/kennisbank/?type=faq"))
    assert "Veelgestelde vragen over data" in page
    assert "Een dashboard laten maken" not in page
    assert 'aria-current="page">FAQs' in page
    assert 'aria-current="page">All' not in page


def test_htmx_type_switch_gets_the_fragment_only(client, loaded):
    response = client.get("/kennisbank/?type=howto", headers={"HX-Request": "true"})
    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page and 'id="kb-browse"' in page
    assert "Een dashboard laten maken" in page and "Veelgestelde vragen" not in page
    assert "HX-Request" in response.headers["Vary"]


def test_unknown_type_shows_an_empty_list_not_an_error(client, loaded):
    response = client.get("/kennisbank/?type=recepten")
    assert response.status_code == 200
    assert "There are no documents of this type." in text(response)


def test_long_lists_are_paginated(client, loaded, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    first = text(client.get("/kennisbank/?type=algorithm"))
    second = text(client.get("/kennisbank/?type=algorithm&page=2"))
    assert "page 1 of 2" in first and 'href="/kennisbank/?type=algorithm&amp;page=2"' in first
    titles = ["Advisering datalekmelding", "Chatbot Gemeente Delft", "Module Mulderhandhaving",
              "Prognose Wmo", "Risicomodel bijstand", "Scanauto parkeercontrole"]
    assert [t for t in titles if t in first] == titles[:4]
    assert [t for t in titles if t in second] == titles[4:]
    assert text(client.get("/kennisbank/?page=zzz")).count("doc-title") > 0


def test_document_page_shows_metadata_toc_links_and_call_to_action(client, loaded):
    response = client.get("/kennisbank/dashboard-aanvragen")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Een dashboard laten maken</h1>" in page
    assert "Business Intelligence" in page  # team label from config
    assert '<time datetime="2026-03-01">' in page
    assert "<li>power bi</li>" in page
    assert '<nav class="toc"' in page and 'href="#voordat-je-begint"' in page
    assert '<h2 id="voordat-je-begint">' in page
    assert 'href="https://powerbi.microsoft.com" rel="noopener noreferrer">Power BI</a>' in page
    assert 'href="/aanvraag"' in page and "Ask the Datashop your question" in page


def test_short_documents_have_no_table_of_contents(client, loaded):
    page = text(client.get("/kennisbank/notities"))
    assert '<nav class="toc"' not in page
    assert "Notities van het team" in page


def test_faq_is_rendered_as_questions_with_anchors(client, loaded, app):
    app.config["KB_TOC_MIN_HEADINGS"] = 2
    page = text(client.get("/kennisbank/veelgestelde-vragen"))
    assert '<dl class="faq">' in page
    assert '<dt id="hoe-lang-duurt-een-data-aanvraag"><a class="anchor" href="#hoe-lang-duurt-een-data-aanvraag">' \
           'Hoe lang duurt een data-aanvraag?</a></dt>' in page
    assert "<dd><p>Meestal binnen <strong>twee weken</strong>.</p></dd>" in page
    assert "Staat je vraag er niet bij?" in page  # the intro
    assert 'href="#mag-ik-persoonsgegevens-delen"' in page  # in the contents


def test_course_module_shows_level_duration_and_track(client, loaded):
    page = text(client.get("/kennisbank/basis-01-wat-is-data"))
    assert "beginner" in page and "20 minutes" in page
    assert 'href="/kennisbank/basis">Basis datagedreven werken</a>' in page
    track = text(client.get("/kennisbank/basis"))
    assert 'href="/kennisbank/basis-01-wat-is-data">Wat is data?</a>' in track


def test_register_entry_links_to_the_national_register(client, loaded):
    page = text(client.get("/kennisbank/register-15700003"))
    assert 'href="https://algoritmes.overheid.nl/nl/algoritme/15700003"' in page
    assert "No longer used" in page and "Gemeente Den Haag" in page


def test_unknown_document_is_a_404_page_with_search(client, loaded):
    response = client.get("/kennisbank/bestaat-niet")
    assert response.status_code == 404
    page = text(response)
    assert "does not exist" in page and 'value="bestaat niet"' in page and 'action="/zoeken/"' in page


def test_script_in_a_knowledge_file_never_reaches_the_page(client, app):
    folder = Path(app.config["KNOWLEDGE_DIR"])
    folder.mkdir()
    (folder / "kwaad.md").write_text('# Kwaad\n\n<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n')
    with app.app_context():
        service.sync_folders()
    page = text(client.get("/kennisbank/kwaad"))
    assert "alert(" not in page


def test_knowledge_can_require_login(client, loaded, app, make_user, login_as):
    app.config["KB_PUBLIC"] = False
    response = client.get("/kennisbank/dashboard-aanvragen")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as(make_user("employee"))
    assert client.get("/kennisbank/dashboard-aanvragen").status_code == 200
    assert client.get("/kennisbank/").status_code == 200


def test_public_by_default(client, loaded):
    assert client.get("/kennisbank/dashboard-aanvragen").status_code == 200
