"""The figures' one shape: a table (for HTML and CSV) with an optional chart of it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass
class Chart:
    """What to draw: ``kind`` is bar, stacked, hbar or line; ``series`` pairs a name with
    one value per x label (None: no value)."""

    kind: str
    x_labels: list[str]
    series: list[tuple[str, list]]
    description: str = ""
    y_title: str = ""


@dataclass
class Table:
    key: str  # in the CSV URL: ?table=<key>
    title: str
    columns: list[str]
    rows: list[list]
    chart: Chart | None = None
    note: str = ""  # a definition shown under the table
    extra: dict = field(default_factory=dict)


def safe_cell(value) -> str:
    """A cell as text that no spreadsheet runs as a formula (a leading quote otherwise).
    Numbers are written with a decimal comma, as Dutch Excel reads them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(table: Table) -> str:
    """Semicolon-separated (Dutch Excel), with a BOM so Excel reads UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(c) for c in row])
    return "\ufeff" + out.getvalue()
