"""Markdown rendering is safe: whatever is in the folder, no script reaches a reader."""

from __future__ import annotations

from portal.kb import loader
from portal.kb.render import outline, render_markdown


def html(text: str) -> str:
    return str(render_markdown(text).html)


def test_script_tags_and_their_content_are_removed():
    out = html("Tekst\n\n<script>alert('x')</script>\n\n<style>body{display:none}</style>")
    assert "<script" not in out and "alert" not in out and "display:none" not in out
    assert "Tekst" in out


def test_event_handlers_and_styles_are_stripped():
    out = html('<img src="x.png" onerror="alert(1)">\n\n<div onclick="x()" style="position:fixed">d</div>')
    assert "onerror" not in out and "onclick" not in out and "position" not in out
    assert '<img src="x.png">' in out


def test_javascript_urls_are_removed_also_in_disguise():
    out = html('[a](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">b</a> '
               '<a href="data:text/html,x">c</a>')
    assert "javascript" not in out.lower() and "data:" not in out
    assert ">a</a>" in out and ">b</a>" in out


def test_links_get_rel_noopener_and_external_links_stay():
    out = html("[Open data](https://data.denhaag.nl) en [intern](/kennisbank/x#y)")
    assert '<a href="https://data.denhaag.nl" rel="noopener noreferrer">Open data</a>' in out
    assert 'href="/kennisbank/x#y"' in out


def test_headings_get_anchors_and_a_toc():
    rendered = render_markdown("## Wat is data?\n\ntekst\n\n### Één detail\n\n## Wat is data?\n")
    assert '<h2 id="wat-is-data">' in rendered.html
    assert [h["id"] for h in rendered.toc] == ["wat-is-data", "een-detail", "wat-is-data_1"]
    assert outline("## Hoofdstuk één\n")[0] == {"level": 2, "id": "hoofdstuk-een", "name": "Hoofdstuk één"}


def test_tables_and_code_blocks_render():
    out = html("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nprint('<b>')\n```\n")
    assert "<table>" in out and 'style="text-align:right"' in out
    assert '<code class="language-python">' in out and "&lt;b&gt;" in out


def test_unsafe_front_matter_links_are_dropped_by_the_loader():
    doc, warnings = loader.parse_text(
        "---\ntitle: T\nlinks:\n  - {title: Kwaad, url: 'java\tscript:alert(1)'}\n"
        "  - {title: Goed, url: 'https://example.org'}\n---\nx\n", "t.md", "knowledge")
    assert doc["meta"]["links"] == [{"title": "Goed", "url": "https://example.org"}]
    assert any("ignored" in w for w in warnings)
