"""Charts as accessible SVG, drawn by pygal on the server, safe under the portal's CSP.

pygal writes a ``<script>`` (its tooltip config) and a ``<style>`` per chart into
the SVG, and one ``style=""`` attribute. The page's Content-Security-Policy allows
neither inline scripts nor inline styles, so :func:`svg` removes all three and
:func:`stylesheet` serves pygal's own CSS, with the per-chart id selector replaced
by the class every chart carries, as a stylesheet from the portal itself.

Every chart gets ``role="img"``, a ``<title>`` and a ``<desc>`` and
``aria-labelledby`` pointing at both; its numbers are in the table next to it.
Only a viewBox is set (no width or height), so it scales to its box.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

import pygal
from markupsafe import Markup
from pygal.style import Style

from .tables import Chart

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
CHART_CLASS = "report-chart"
# Colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by the legend.
STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1f1f1f",
    foreground_strong="#1f1f1f", foreground_subtle="#6b6b6b",
    colors=("#1f5fa8", "#c2410c", "#2f7d32", "#7b3fa0", "#a16207", "#0e7490", "#be185d",
            "#4b5563", "#166534", "#9a3412"),
    font_family="system-ui, sans-serif", label_font_size=13, major_label_font_size=13,
    legend_font_size=14, value_font_size=13, title_font_size=16, tooltip_font_size=13)
KINDS = {"bar": pygal.Bar, "stacked": pygal.StackedBar, "hbar": pygal.HorizontalBar,
         "line": pygal.Line}


def _config(kind: str, **extra):
    extra.setdefault("legend_at_bottom_columns", 3)
    extra.setdefault("height", 400)
    return KINDS[kind](style=STYLE, js=[], disable_xml_declaration=True, explicit_size=False,
                       width=640, legend_at_bottom=True,
                       show_minor_x_labels=True, x_label_rotation=0, truncate_legend=-1,
                       truncate_label=-1, print_values=False, no_data_text="–", **extra)


def _q(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


def svg(chart: Chart, chart_id: str, title: str) -> Markup:
    """The chart as an inline ``<svg>`` element (markup for the page)."""
    longest = max((len(str(name)) for name, _values in chart.series), default=0)
    columns = 1 if longest > 30 else 2 if longest > 16 else 3
    rows = -(-len(chart.series) // columns) if len(chart.series) > 1 else 0
    graph = _config(chart.kind, y_title=chart.y_title or None, legend_at_bottom_columns=columns,
                    height=340 + 26 * rows, show_legend=len(chart.series) > 1)
    graph.x_labels = list(chart.x_labels)
    if chart.kind in ("bar", "stacked", "line") and len(chart.x_labels) > 8:
        graph.x_label_rotation = 45
    if chart.kind in ("bar", "stacked", "line") and len(chart.x_labels) > 26:
        graph.x_labels_major_every = -(-len(chart.x_labels) // 13)  # about 13 labels
        graph.show_minor_x_labels = False
    for name, values in chart.series:
        graph.add(str(name), list(values))
    root = ET.fromstring(graph.render(is_unicode=True))
    for parent in root.iter():
        for child in list(parent):
            if child.tag in (_q("script"), _q("style")):
                parent.remove(child)
        parent.attrib.pop("style", None)
        parent.attrib.pop("id", None)  # pygal's legend ids repeat in every chart
    for child in list(root):
        if child.tag == _q("title"):  # pygal's own "Pygal" title
            root.remove(child)
    root.set("id", chart_id)
    root.set("class", f"pygal-chart {CHART_CLASS}")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("focusable", "false")
    desc = ET.Element(_q("desc"), {"id": f"{chart_id}-desc"})
    desc.text = chart.description
    head = ET.Element(_q("title"), {"id": f"{chart_id}-title"})
    head.text = title
    root.insert(0, desc)
    root.insert(0, head)
    text = ET.tostring(root, encoding="unicode")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return Markup(text)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """pygal's CSS for every kind of chart, scoped to ``svg.report-chart``."""
    parts, seen = [], set()
    for kind in KINDS:
        graph = _config(kind)
        graph.x_labels = ["a"]
        for number in range(len(STYLE.colors)):  # pygal writes a colour rule per series
            graph.add(f"s{number}", [1])
        text = graph.render(is_unicode=True)
        chart_id = re.search(r'id="(chart-[0-9a-f-]+)"', text).group(1)
        for css in re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S):
            css = html.unescape(css).replace(f"#{chart_id}", f"svg.{CHART_CLASS}")
            if css not in seen:
                seen.add(css)
                parts.append(css)
    return "\n".join(parts)
