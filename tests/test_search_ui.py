"""The search page /zoeken: live results, filters, bad input, the search log and statistics."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from portal import timeutil
from portal.search import log as search_log
from tests.search_docs import load_knowledge, log_rows

HX = {"HX-Request": "true"}


@pytest.fixture
def loaded(app):
    load_knowledge(app)
    return app


@pytest.fixture
def en(client):
    client.set_cookie("portal_lang", "en")
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


def result_links(html: str) -> list[str]:
    return re.findall(r'<h2 class="result-title"><a href="([^"]+)"', html)


def test_empty_page_has_a_search_form_that_works_without_javascript(en, loaded):
    response = en.get("/zoeken/")
    html = text_of(response)
    assert response.status_code == 200
    assert 'role="search"' in html and 'method="get"' in html and 'name="q"' in html
    assert '<label for="q">' in html
    assert "result-count" not in html  # nothing searched, nothing counted
    assert "Type a word or a question" in html
    assert log_rows(loaded) == []


def test_results_link_to_the_document_section_with_highlighted_snippet(en, loaded):
    html = text_of(en.get("/zoeken/?q=parkeerdruk"))
    links = result_links(html)
    assert links and links[0].split("#")[0] == "/kennisbank/parkeerdata-opvragen"
    assert "<mark>" in html
    assert re.search(r"1 result for “parkeerdruk”", html)


def test_live_search_attributes_and_results_region(en, loaded):
    html = text_of(en.get("/zoeken/"))
    field = re.search(r'<input id="q"[^>]*>', html, re.S).group(0)
    assert 'hx-get="/zoeken/"' in field
    assert 'hx-trigger="input changed delay:300ms, search"' in field
    assert 'hx-target="#search-results"' in field
    # typing updates the address in place; submitting, filters and paging add history
    assert 'hx-replace-url="true"' in field
    form = re.search(r'<form id="search-form"[^>]*>', html, re.S).group(0)
    assert 'hx-push-url="true"' in form
    assert "hx-sync=" in field
    # one polite status line for screen readers, outside the region that is replaced
    assert '<p id="search-status" class="visually-hidden" role="status">' in html
    live = en.get("/zoeken/?q=parkeren", headers={"HX-Request": "true"})
    assert re.search(r'<p id="search-status"[^>]*hx-swap-oob="true">\d+ results? for', text_of(live))


def test_htmx_request_gets_only_the_results_fragment(en, loaded):
    response = en.get("/zoeken/?q=dashboard", headers=HX)
    html = text_of(response)
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")
    assert "<html" not in html and "site-header" not in html
    assert result_links(html)[0].startswith("/kennisbank/dashboard-laten-maken")
    full = en.get("/zoeken/?q=dashboard")
    assert "<html" in text_of(full) and "HX-Request" in full.headers.get("Vary", "")


def test_type_filter_limits_results_and_shows_counts_per_type(en, loaded):
    html = text_of(en.get("/zoeken/?q=woningen"))
    assert set(result_links(html)) >= {"/kennisbank/woningbouwmonitor",
                                      "/kennisbank/woz-waardering"}
    assert re.search(r'id="type-count-project">\(1\)', html)
    assert re.search(r'id="type-count-algorithm">\(1\)', html)
    filtered = text_of(en.get("/zoeken/?q=woningen&type=project"))
    assert result_links(filtered) == ["/kennisbank/woningbouwmonitor"]
    assert re.search(r'name="type" value="project" checked', filtered)
    # counts stay those of all types, so other filters remain meaningful
    assert re.search(r'id="type-count-algorithm">\(1\)', filtered)


def test_several_types_and_unknown_types_in_the_url(en, loaded):
    html = text_of(en.get("/zoeken/?q=woningen&type=project&type=algorithm&type=bogus"))
    assert set(result_links(html)) == {"/kennisbank/woningbouwmonitor",
                                       "/kennisbank/woz-waardering"}


def test_live_fragment_updates_type_counts_out_of_band(en, loaded):
    html = text_of(en.get("/zoeken/?q=woningen", headers=HX))
    assert re.search(r'id="type-count-project" hx-swap-oob="true">\(1\)', html)


def test_zero_results_suggests_rephrasing_and_the_desk(en, loaded):
    html = text_of(en.get("/zoeken/?q=kwantumfysica"))
    assert "0 results for “kwantumfysica”" in html
    assert "Nothing found" in html and "try fewer or other words" in html
    assert 'href="/aanvraag"' in html and "Ask your question to the Datashop" in html


def test_zero_results_with_a_filter_offers_all_types(en, loaded):
    html = text_of(en.get("/zoeken/?q=dashboard&type=algorithm"))
    assert "Search all types instead" in html
    assert 'href="/zoeken/?q=dashboard"' in html


def test_paging(en, loaded, monkeypatch):
    monkeypatch.setattr("portal.search.params.PAGE_SIZE", 2)
    first = text_of(en.get("/zoeken/?q=woningen wijk data"))
    total = int(re.search(r"(\d+) results for", first).group(1))
    assert total > 2
    assert "Page 1 of" in first and 'rel="next"' in first
    second = text_of(en.get("/zoeken/?q=woningen wijk data&page=2"))
    assert 'rel="prev"' in second
    assert set(result_links(first)).isdisjoint(result_links(second))
    beyond = text_of(en.get("/zoeken/?q=woningen wijk data&page=99"))
    assert "no more results" in beyond and "Back to the first page" in beyond


BAD_QUERIES = [
    "", "   ", "\t\n", '"', '"parkeer', "parkeer-data", "woz AND woningen", "NEAR(woz woningen)",
    "dash*", "(((", "woz)", "a OR", "NOT", "title:woz", "^woz", "😀🏠", "🅿️ parkeren",
    "<script>alert(1)</script>", "<b>woz</b>", "' OR 1=1 --", "\x00woz", "%00", "\\",
    "x" * 10_000, "woz " * 3000,
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_any_input_gives_a_normal_page(en, loaded, query):
    for headers in ({}, HX):
        response = en.get("/zoeken/", query_string={"q": query, "page": "x", "type": "<b>"},
                          headers=headers)
        html = text_of(response)
        assert response.status_code == 200, (query[:20], html[:300])
        assert "<script>alert" not in html and "<b>woz</b>" not in html


def test_html_in_the_query_is_shown_as_text(en, loaded):
    html = text_of(en.get("/zoeken/?q=<i>woz</i>"))
    assert "&lt;i&gt;woz&lt;/i&gt;" in html


def test_very_long_query_is_shortened_with_a_message(en, loaded):
    html = text_of(en.get("/zoeken/", query_string={"q": "woningen " + "x" * 10_000}))
    assert "only the first 500 characters were used" in html
    assert "/kennisbank/woningbouwmonitor" in html


def test_engine_failure_is_a_friendly_message_not_an_error_page(en, loaded, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("index file is corrupt")

    monkeypatch.setattr("portal.search.service.search", broken)
    response = en.get("/zoeken/?q=woz")
    assert response.status_code == 200
    assert "Search is not available at the moment" in text_of(response)


def test_keyword_fallback_notice_is_shown(en, app):
    load_knowledge(app, engine="hybrid")
    app.config["EMBEDDING_MODEL"] = str(app.config["KNOWLEDGE_DIR"]) + "/no-such-model"
    html = text_of(en.get("/zoeken/?q=dashboard"))
    assert "search-notice" in html
    assert "/kennisbank/dashboard-laten-maken" in html


def test_search_works_without_login_unless_the_knowledge_base_is_closed(en, loaded):
    assert en.get("/zoeken/?q=woz").status_code == 200
    loaded.config["KB_PUBLIC"] = False
    response = en.get("/zoeken/?q=woz")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the search log ----------------------------------------------------------

def test_full_page_search_is_logged_without_personal_data(en, loaded):
    timeutil.set_now(datetime(2026, 3, 4, 10, 47, 13, tzinfo=timezone.utc))
    try:
        en.get("/zoeken/", query_string={"q": "Parkeerdruk jan@denhaag.nl 06-12345678 BSN 123456789",
                                         "type": "howto"})
    finally:
        timeutil.set_now(None)
    rows = log_rows(loaded)
    assert len(rows) == 1
    row = rows[0]
    assert row["query"] == "parkeerdruk <email> <phone> bsn <number>"
    assert row["at"] == "2026-03-04T10:00:00+00:00"  # rounded to the hour
    assert row["source"] == "web" and row["types"] == "howto" and row["mode"] == "keyword"
    assert row["result_count"] == 1
    assert set(row) == {"id", "at", "query", "result_count", "types", "source", "mode", "took_ms"}


def test_live_keystrokes_are_not_logged_but_the_settled_result_is(en, loaded):
    for prefix in ("wo", "won", "woning", "woningen"):
        html = text_of(en.get("/zoeken/", query_string={"q": prefix}, headers=HX))
    assert log_rows(loaded) == []
    beacon = re.search(r'<span hidden hx-get="([^"]+)" hx-trigger="load delay:1500ms"', html)
    assert beacon and 'X-Search-Settled' in html
    url = beacon.group(1).replace("&amp;", "&")
    response = en.get(url, headers={**HX, "X-Search-Settled": "1"})
    assert response.status_code == 204
    assert [r["query"] for r in log_rows(loaded)] == ["woningen"]


def test_later_pages_and_empty_queries_are_not_logged(en, loaded):
    en.get("/zoeken/?q=woningen&page=2")
    en.get("/zoeken/?q=%20%20")
    assert log_rows(loaded) == []


@pytest.mark.parametrize("raw, logged", [
    ("Mail Piet.de.Vries@denhaag.nl", "mail <email>"),
    ("bel +31 6 1234 5678 of 070-3533000", "bel <phone> of <phone>"),
    ("bsn 123.456.789", "bsn <number>"),
    ("klant 2511 BT 12 klacht", "klant <postcode> klacht"),
    ("2511bt", "<postcode>"),
    ("iban NL91 ABNA 0417 1643 00", "iban <iban>"),
    ("geboren 12-03-1985", "geboren <date>"),
    ("dossier 20240001234", "dossier <number>"),
    ("woningbouw 2024 en 2025", "woningbouw 2024 en 2025"),
    ("  WOZ\twaarde  ", "woz waarde"),
])
def test_scrub_replaces_personal_details(raw, logged):
    assert search_log.scrub(raw) == logged


def test_scrub_shortens_long_queries():
    assert len(search_log.scrub("woz " * 1000)) <= search_log.MAX_LOGGED_CHARS + 1


# --- statistics ---------------------------------------------------------------

def _seed_log(app):
    with app.app_context():
        for query, count in (("parkeren", 3), ("woz", 1)):
            for _ in range(count):
                search_log.record(query, result_count=2, source="web", mode="hybrid")
        search_log.record("kwantumfysica", result_count=0, source="api", mode="keyword")
        search_log.record("kwantumfysica", result_count=0, source="web", mode="keyword")
        search_log.record("parkeren voor mijn aanvraag", result_count=0, source="suggest")


def test_stats_page_is_for_staff_only(en, loaded, make_user, login_as):
    assert en.get("/zoeken/statistieken").status_code == 302  # to the login page
    login_as(make_user("employee"))
    assert en.get("/zoeken/statistieken").status_code == 403


def test_stats_page_lists_top_and_zero_result_queries(en, loaded, make_user, login_as):
    _seed_log(loaded)
    login_as(make_user("staff", teams=["bi"]))
    response = en.get("/zoeken/statistieken?days=90")
    html = text_of(response)
    assert response.status_code == 200
    top = html[html.index("Top queries"):html.index("Queries without results")]
    assert top.index("parkeren") < top.index("woz")
    zero = html[html.index("Queries without results"):]
    assert "kwantumfysica" in zero
    assert "parkeren voor mijn aanvraag" not in top  # desk-form lookups are not searches
    assert 'value="90" selected' in html


def test_stats_service_checks_permissions(app, make_user):
    employee, admin = make_user("employee"), make_user("admin")
    with app.app_context():
        from portal.errors import Forbidden

        for call in (search_log.top_queries, search_log.zero_result_queries, search_log.summary):
            with pytest.raises(Forbidden):
                call(employee, 30)
            with pytest.raises(Forbidden):
                call(None, 30)
            call(admin, 30)


def test_statistics_cover_only_the_chosen_period(app, make_user):
    staff = make_user("staff", teams=["bi"])
    with app.app_context():
        timeutil.set_now(datetime.now(timezone.utc) - timedelta(days=60))
        try:
            search_log.record("oud", result_count=0, source="web")
        finally:
            timeutil.set_now(None)
        search_log.record("nieuw", result_count=0, source="web")
        assert [r["query"] for r in search_log.zero_result_queries(staff, 30)] == ["nieuw"]
        assert {r["query"] for r in search_log.zero_result_queries(staff, 90)} == {"nieuw", "oud"}


def test_purge_removes_rows_older_than_the_retention(app):
    app.config["SEARCH_LOG_RETENTION_DAYS"] = 30
    with app.app_context():
        timeutil.set_now(datetime.now(timezone.utc) - timedelta(days=40))
        try:
            search_log.record("oud", result_count=1, source="web")
        finally:
            timeutil.set_now(None)
        search_log.record("nieuw", result_count=1, source="web")
    result = app.test_cli_runner().invoke(args=["search-log", "purge"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 search" in result.output
    assert [r["query"] for r in log_rows(app)] == ["nieuw"]
