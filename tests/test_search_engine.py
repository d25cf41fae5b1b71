"""The search engine through its interface (portal.search.service), with a fake embedder."""

from __future__ import annotations

import os
import textwrap

import pytest

from portal import create_app, migrations
from portal.db import get_db
from portal.search import embedder, service, store

DOCS = {
    "energiearmoede.md": """\
        ---
        id: energiearmoede
        title: Energiearmoede in kaart
        type: project
        summary: Buurten waar huishoudens een hoge energierekening en een laag inkomen hebben.
        tags: [energie, armoede]
        ---
        ## Aanpak

        We combineren energielabels met inkomensgegevens per buurt.

        ## Resultaten

        In twaalf wijken woont meer dan tien procent van de huishoudens in armoede.
        """,
    "verkeer.md": """\
        ---
        id: verkeersongevallen
        title: Verkeersongevallen per kruispunt
        type: dataset
        summary: Alle geregistreerde ongevallen op Haagse wegen sinds 2015.
        ---
        ## Bron

        De ongevallen komen uit de registratie van de politie (BRON).
        """,
    "dpia.md": """\
        ---
        id: dpia-uitvoeren
        title: Een DPIA uitvoeren
        type: howto
        summary: Wanneer een gegevensbeschermingseffectbeoordeling nodig is en hoe je die doet.
        ---
        ## Wanneer

        Een DPIA is verplicht bij verwerking van gegevens met een hoog risico voor inwoners.
        Denk aan grootschalige verwerking van bijzondere persoonsgegevens, het volgen van
        mensen in de openbare ruimte met camera's of sensoren, het koppelen van bestanden
        uit verschillende bronnen en het gebruik van algoritmes die mensen een score geven.
        Twijfel je, doe dan een korte voortoets met het formulier op het intranet.

        ## Stappen

        Vraag de privacy officer om mee te kijken (kosten < 100 & gratis). Beschrijf eerst
        de verwerking: welke gegevens, van wie, waarvoor en hoe lang je ze bewaart. Beoordeel
        daarna de noodzaak en de evenredigheid, breng de risico's voor betrokkenen in kaart
        en leg de maatregelen vast. Laat het resultaat ondertekenen door de eigenaar van de
        verwerking en bewaar het bij het verwerkingsregister.
        """,
    "meldingen.md": """\
        ---
        id: meldingen-openbare-ruimte
        title: Meldingen openbare ruimte
        type: dataset
        summary: Meldingen van inwoners over afval, verlichting en losliggende tegels.
        ---
        Elke melding krijgt een categorie en een locatie.
        """,
}


def write_docs(folder, docs):
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in docs.items():
        (folder / name).write_text(textwrap.dedent(content), encoding="utf-8")


def make_app(tmp_path, **config):
    embedder.reset()
    store.forget()
    app = create_app({
        "INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True, "SECRET_KEY": "t",
        "KNOWLEDGE_DIR": str(tmp_path / "knowledge"), "COURSES_DIR": str(tmp_path / "courses"),
        "EMBEDDING_MODEL": "fake:64",
        "KB_GENERATED_PAGES": False,  # only the documents written here (no processing register)
        **config,
    })
    with app.app_context():
        migrations.upgrade(get_db())
    return app


def sync_and_build(app):
    from portal.kb import service as kb

    with app.app_context():
        kb.sync_folders()
        return service.rebuild_index()


@pytest.fixture
def engine(tmp_path):
    write_docs(tmp_path / "knowledge", DOCS)
    app = make_app(tmp_path)
    sync_and_build(app)
    yield app
    embedder.reset()
    store.forget()


def ids(response):
    return [hit.id for hit in response.results]


def test_hybrid_search_finds_and_ranks_by_keywords(engine):
    with engine.app_context():
        response = service.search("verkeersongevallen")
    assert response.mode == "hybrid" and response.notice is None
    assert ids(response)[0] == "verkeersongevallen"
    assert response.total >= 1 and response.took_ms >= 0


def test_word_forms_and_compound_parts_match(engine):
    with engine.app_context():
        assert ids(service.search("ongeval"))[0] == "verkeersongevallen"
        assert ids(service.search("armoede"))[0] == "energiearmoede"
        assert ids(service.search("melding"))[0] == "meldingen-openbare-ruimte"


def test_hit_points_at_the_best_section(engine):
    with engine.app_context():
        hit = service.search("privacy officer").results[0]
    assert hit.id == "dpia-uitvoeren"
    assert hit.heading == "Stappen" and hit.anchor == "stappen"
    assert hit.url == "/kennisbank/dpia-uitvoeren#stappen"
    assert "<mark>privacy</mark>" in hit.snippet and "<mark>officer</mark>" in hit.snippet
    assert "&lt; 100 &amp; gratis" in hit.snippet and "< 100" in hit.snippet_text
    assert hit.summary.startswith("Wanneer een")


def test_type_filter_applies_before_the_limit(engine):
    with engine.app_context():
        everything = service.search("gegevens inwoners ongevallen meldingen", limit=1)
        datasets = service.search("gegevens inwoners ongevallen meldingen", types=["dataset"],
                                  limit=10)
    assert everything.total > 1 and len(everything.results) == 1
    assert set(ids(datasets)) == {"verkeersongevallen", "meldingen-openbare-ruimte"}
    assert datasets.total == 2


def test_offset_pages_through_results(engine):
    with engine.app_context():
        first = service.search("gegevens", limit=1)
        second = service.search("gegevens", limit=1, offset=1)
    assert first.total == second.total >= 2
    assert ids(first) != ids(second)


@pytest.mark.parametrize("query", [
    "", "   ", '"', "AND", "OR NOT", "NEAR(", "data*", "title:dpia", "(dpia", "dpia)",
    '"dpia" AND -risico', "😀 dpia 🎉", "<b>dpia</b>", "x" * 10000, "\x00dpia\x1f", "^ ~ +",
])
def test_any_query_text_gives_a_normal_response(engine, query):
    with engine.app_context():
        response = service.search(query)
    assert isinstance(response.results, list)
    assert len(response.query) <= engine.config["SEARCH_MAX_QUERY_CHARS"]
    if "dpia" in query:
        assert ids(response)[0] == "dpia-uitvoeren"


def test_query_of_only_stopwords_still_searches(engine):
    with engine.app_context():
        response = service.search("een")
    assert response.total >= 1


def test_missing_index_falls_back_to_keywords_with_a_notice(engine):
    with engine.app_context():
        os.unlink(store.index_path(engine.config))
        response = service.search("dpia")
    assert response.mode == "keyword"
    assert response.notice  # translated: "Search by meaning is not available right now; ..."
    assert ids(response)[0] == "dpia-uitvoeren"


def test_unloadable_model_falls_back_to_keywords(tmp_path):
    write_docs(tmp_path / "knowledge", DOCS)
    app = make_app(tmp_path, EMBEDDING_MODEL=str(tmp_path / "nonexistent"))
    report = sync_and_build(app)
    assert report["mode"] == "keyword" and "nonexistent" in report["warning"]
    with app.app_context():
        response = service.search("dpia")
    assert response.mode == "keyword" and response.notice
    assert ids(response)[0] == "dpia-uitvoeren"


def test_keyword_engine_setting_forces_keyword_mode(tmp_path):
    write_docs(tmp_path / "knowledge", DOCS)
    app = make_app(tmp_path, SEARCH_ENGINE="keyword")
    report = sync_and_build(app)
    assert report["embedded"] == 0
    with app.app_context():
        response = service.search("dpia")
    assert response.mode == "keyword" and response.notice is None
    assert ids(response) and ids(response)[0] == "dpia-uitvoeren"


def test_rebuild_is_incremental(engine, tmp_path):
    from portal.kb import service as kb

    with engine.app_context():
        again = service.rebuild_index()
        assert again["embedded"] == 0 and again["unchanged"] == 4
        # change one document, delete another, add a third
        path = tmp_path / "knowledge" / "meldingen.md"
        path.write_text(path.read_text().replace("een categorie", "een wijk en een categorie"))
        (tmp_path / "knowledge" / "verkeer.md").unlink()
        write_docs(tmp_path / "knowledge", {"nieuw.md": "# Hittestress\n\nHitte in de stad."})
        kb.sync_folders()
        status = service.index_status()
        assert set(status["stale_documents"]) == {"meldingen-openbare-ruimte",
                                                  "verkeersongevallen", "nieuw"}
        report = service.rebuild_index()
        assert (report["added"], report["updated"], report["removed"]) == (1, 1, 1)
        assert report["embedded"] == report["chunks"] - sum(
            1 for _ in get_db().execute(
                "SELECT 1 FROM search_chunks WHERE document_id IN "
                "('energiearmoede', 'dpia-uitvoeren')"))
        assert ids(service.search("verkeersongevallen")) == []
        assert ids(service.search("hittestress"))[0] == "nieuw"
        status = service.index_status()
        assert status["stale_documents"] == []
        assert status["chunks"] == status["embedded"] == status["index_vectors"]


def test_documents_deleted_before_a_rebuild_are_not_shown(engine, tmp_path):
    from portal.kb import service as kb

    with engine.app_context():
        (tmp_path / "knowledge" / "dpia.md").unlink()
        kb.sync_folders()
        assert "dpia-uitvoeren" not in ids(service.search("dpia"))


def test_running_process_sees_a_new_index_version(engine, tmp_path):
    """A rebuild in another process replaces the file; the next search uses it."""
    from portal.kb import service as kb

    with engine.app_context():
        assert service.search("hittestress").mode == "hybrid"
        before = store.load(store.index_path(engine.config)).ntotal
        write_docs(tmp_path / "knowledge", {"nieuw.md": "# Hittestress\n\nHitte in de stad."})
        kb.sync_folders()
        service.rebuild_index()
        after = store.load(store.index_path(engine.config)).ntotal
    assert after == before + 1


def test_changing_the_model_re_embeds_everything(engine):
    engine.config["EMBEDDING_MODEL"] = "fake:32"
    with engine.app_context():
        report = service.rebuild_index()
        assert report["embedded"] == report["chunks"] > 0
        assert store.load(store.index_path(engine.config)).d == 32
        assert service.search("dpia").mode == "hybrid"


def test_search_without_any_index_or_documents(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        response = service.search("dpia")
        status = service.index_status()
    assert response.results == [] and response.total == 0
    assert status["documents"] == 0 and status["index_file_exists"] is False


@pytest.mark.model
def test_packaged_model_embeds_and_searches(tmp_path):
    write_docs(tmp_path / "knowledge", DOCS)
    app = make_app(tmp_path, EMBEDDING_MODEL=None)
    report = sync_and_build(app)
    assert report["mode"] == "hybrid" and report["embedded"] == report["chunks"]
    with app.app_context():
        response = service.search("verkeersongelukken")  # a synonym, no exact keyword
        assert response.mode == "hybrid"
        assert ids(response)[0] == "verkeersongevallen"
        vector = service.vector_for("verkeer")
    assert vector.shape == (384,) and abs(float((vector ** 2).sum()) - 1) < 1e-4


def test_a_repeated_query_is_embedded_once(app):
    from portal.search import embedder

    class Counting(embedder.FakeEmbedder):
        calls = 0

        def encode(self, texts, batch_size=32, progress=False):
            Counting.calls += len(texts)
            return super().encode(texts, batch_size, progress)

    model = Counting(16)
    model.name = "counting:16"
    first = embedder.encode_query(model, "parkeerdruk per wijk")
    again = embedder.encode_query(model, "parkeerdruk per wijk")
    assert Counting.calls == 1 and (first == again).all()
    embedder.encode_query(model, "iets anders")
    assert Counting.calls == 2


def test_a_word_in_most_passages_does_not_widen_the_keyword_results(tmp_path):
    """"meldingen" is in every document here: next to a rarer word it adds nothing to
    bm25 (FTS5 clamps its idf to ~0), so it is left out of the match instead of
    listing every passage; on its own it still finds them all."""
    docs = {f"m{n}.md": f"# Meldingen {topic}\n\nMeldingen over {topic} in de wijk {n}.\n"
            for n, topic in enumerate(["afval", "verlichting", "tegels", "graffiti"])}
    write_docs(tmp_path / "knowledge", docs)
    app = make_app(tmp_path, SEARCH_ENGINE="keyword")
    sync_and_build(app)
    with app.app_context():
        both = service.search("meldingen graffiti")
        rare = service.search("graffiti")
        common = service.search("meldingen")
    assert ids(both) == ids(rare) == ["m3"]
    assert sorted(ids(common)) == ["m0", "m1", "m2", "m3"]
    assert "<mark>Meldingen</mark>" in both.results[0].snippet  # still marked where shown


def test_passage_owners_follow_a_rebuild(engine, tmp_path):
    from portal.kb import service as kb
    from portal.search import owners

    with engine.app_context():
        db = get_db()
        assert ids(service.search("hittestress")) == []
        before = owners.index_state(db)
        write_docs(tmp_path / "knowledge", {"nieuw.md": "# Hittestress\n\nHitte in de stad."})
        kb.sync_folders()
        service.rebuild_index()
        assert owners.index_state(db) != before
        assert ids(service.search("hittestress"))[0] == "nieuw"
        # A passage written after the map was read (a rebuild committing between the
        # two statements) is looked up in SQL.
        state = owners.index_state(db)
        db.execute("INSERT INTO search_chunks (document_id, ordinal, text, embed_text) "
                   "VALUES ('nieuw', 99, 'x', 'x')")
        late = db.execute("SELECT max(id) FROM search_chunks").fetchone()[0]
        found = owners.find(db, [late], state=state)
    assert set(found) == {late} and found[late][0] == "nieuw"
