"""Dutch tokens and stems, chunking and fusion: the pieces under the search engine."""

from __future__ import annotations

import pytest

from portal.search import chunking, fusion, text


@pytest.mark.parametrize("a, b", [
    ("aanvraag", "aanvragen"), ("wijk", "wijken"), ("algoritme", "algoritmes"),
    ("gemeente", "gemeentelijke"), ("gemeente", "gemeenten"), ("ongeval", "ongevallen"),
    ("melding", "meldingen"), ("prognose", "prognoses"), ("dataset", "datasets"),
    ("dashboard", "dashboards"), ("woning", "woningen"), ("school", "scholen"),
    ("kind", "kinderen"), ("stad", "steden"), ("registreren", "registratie"),
    ("Beëindigd", "beeindigd"),
])
def test_word_forms_that_must_match(a, b):
    assert text.query_terms(a) == text.query_terms(b)


@pytest.mark.parametrize("a, b", [
    ("gemeente", "menen"), ("gegevens", "geven"), ("open", "oop"), ("data", "dat"),
    ("wijk", "wijken") and ("wet", "weten"), ("arm", "armoede"), ("dpia", "dpi"),
])
def test_words_that_must_not_collide(a, b):
    assert set(text.query_terms(a)).isdisjoint(text.query_terms(b))


def test_acronyms_are_kept():
    assert text.query_terms("DPIA DEDA Wmo CBS AVG") == ["dpia", "deda", "wmo", "cbs", "avg"]


def test_compounds_are_indexed_with_their_parts():
    assert text.split_compound("energiearmoede") == ["energie", "armoede"]
    assert text.split_compound("verkeersongevallen") == ["verkeer", "ongevallen"]
    assert text.split_compound("hittestress") == ["hitte", "stress"]
    assert text.split_compound("eenzaamheid") == []
    terms = text.index_terms("Energiearmoede in de wijk")
    assert set(text.query_terms("armoede")) <= set(terms)
    assert set(text.query_terms("energie")) <= set(terms)


def test_stopwords_dropped_unless_query_is_only_stopwords():
    assert text.query_terms("hoe vraag ik data aan bij de gemeente") == ["vraag", "data", "gemeente"]
    assert text.query_terms("wie is het") == ["wie", "is", "het"]


@pytest.mark.parametrize("query", [
    '"', '""', "a AND b", "NOT", "OR OR", "NEAR(a b)", "*", "data*", "(", ")", "title:data",
    "col:val ^3", "-min", "😀🎉", "<script>alert(1)</script>", "x" * 10000, "\x00\x1f",
])
def test_fts_expression_only_contains_quoted_words(query):
    expression = text.fts_match(text.query_terms(query))
    for part in filter(None, expression.split(" OR ")):
        assert part.startswith('"') and part.endswith('"')
        assert part[1:-1].isalnum()


def _doc(body, title="Titel", summary=""):
    return {"id": "d", "title": title, "summary": summary, "body": body}


FILLER = " ".join(["tekst"] * 60)


def test_chunks_follow_headings_with_toc_anchors():
    chunks = chunking.chunk_document(_doc(
        f"Inleiding {FILLER}.\n\n## Doel\n\nHet doel {FILLER}.\n\n## Risico's en waarborgen"
        f"\n\nTekst {FILLER}.\n\n## Doel\n\nNog een doel {FILLER}.\n\n```\n# geen kop\n```"))
    assert [c.heading for c in chunks] == [None, "Doel", "Risico's en waarborgen", "Doel"]
    assert [c.anchor for c in chunks] == [None, "doel", "risicos-en-waarborgen", "doel_1"]
    assert chunks[2].embed_text.startswith("Titel — Risico's en waarborgen: ")
    assert "# geen kop" in chunks[3].text


def test_small_sections_are_merged_into_one_passage():
    chunks = chunking.chunk_document(_doc(
        "## Doel\n\nAfval ophalen.\n\n## Status\n\nIn gebruik.\n\n## Bron\n\nRegister.\n\n"
        f"## Werking\n\n{FILLER}", summary="Afval ophalen."))
    assert [(c.heading, c.anchor) for c in chunks] == [("Doel", "doel"), ("Werking", "werking")] \
        or [(c.heading, c.anchor) for c in chunks] == [("Doel", "doel")]
    assert "Status: In gebruik." in chunks[0].text and "Bron: Register." in chunks[0].text
    assert chunks[0].text.count("Afval ophalen.") == 1  # the summary is in the body already


def test_long_sections_split_at_paragraphs_and_sentences():
    paragraph = " ".join(["woord"] * 50) + "."
    long_sentence = " ".join(f"w{i}" for i in range(400))
    body = "## Lang\n\n" + "\n\n".join([paragraph] * 5) + "\n\n" + long_sentence
    chunks = chunking.chunk_document(_doc(body), max_words=180)
    assert all(c.words <= 180 for c in chunks)
    assert sum(c.words for c in chunks) == 5 * 50 + 400
    assert chunks[0].words == 150  # three whole paragraphs, not a cut paragraph
    assert all(c.heading == "Lang" for c in chunks)


def test_summary_leads_the_first_chunk_once():
    chunks = chunking.chunk_document(_doc("Eerste alinea.\n\n## Kop\n\nMeer.", summary="Kort."))
    assert chunks[0].text.startswith("Kort.")
    same = chunking.chunk_document(_doc("Eerste alinea.", summary="Eerste alinea."))
    assert same[0].text == "Eerste alinea."


def test_markdown_syntax_is_removed_from_passages():
    chunks = chunking.chunk_document(_doc("Zie **de [handleiding](http://x/y)** en `code`.\n\n"
                                          "- punt een\n- punt twee\n\n<b>html</b>"))
    assert chunks[0].text == "Zie de handleiding en code.\n\npunt een\npunt twee\n\nhtml" \
        or "http" not in chunks[0].text and "**" not in chunks[0].text


def test_fusion_never_lets_dense_outvote_the_top_keyword_result():
    keyword = [("a", 1, 9.0), ("b", 2, 8.0), ("c", 3, 7.0)]
    dense = [("c", 30, 0.9), ("d", 40, 0.8), ("b", 20, 0.2)]
    ranked = fusion.fuse(keyword, dense)
    order = [r.document_id for r in ranked]
    assert order[0] in ("a", "c")
    assert set(order) == {"a", "b", "c", "d"}
    # a dense-only match below the floor is not added
    assert "e" not in [r.document_id for r in fusion.fuse(keyword, [("e", 5, 0.1)])]
    # best chunk: keyword's when the document has a keyword match
    assert next(r for r in ranked if r.document_id == "c").chunk_id == 3
    assert next(r for r in ranked if r.document_id == "d").chunk_id == 40


def test_collapse_keeps_the_best_chunk_per_document():
    hits = [(1, "a", 5.0), (2, "b", 4.0), (3, "a", 3.0)]
    assert fusion.collapse(hits) == [("a", 1, 5.0), ("b", 2, 4.0)]


def test_a_separable_verb_is_searched_as_the_whole_verb():
    from portal.search.text import query_terms, stem

    terms = query_terms("Hoe vraag ik data aan?")
    assert stem("aanvragen") in terms and stem("vragen") not in terms  # not "Veelgestelde vragen"
    assert stem("afmelden") in query_terms("hoe meld ik me af")
    assert stem("opvragen") in query_terms("waar vraag ik de cijfers op")
    assert stem("aanmelden") in query_terms("meld ik me zo aan")  # a yes/no question
    # only a particle that closes the question: "aan" inside it is just a stopword
    assert query_terms("data aan de raad") == [stem("data"), stem("raad")]
