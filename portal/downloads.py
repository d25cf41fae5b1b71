"""One response for every file the portal hands out (CSV, PDF, ZIP): a file name, never
cached by a shared cache (the files hold personal data)."""

from __future__ import annotations

from flask import make_response


def download(body, content_type: str, filename: str, inline: bool = False):
    """``body`` as a file called ``filename``; ``inline`` opens it in the browser (a PDF)."""
    response = make_response(body)
    response.headers["Content-Type"] = content_type
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def csv_download(text: str, filename: str, bom: bool = True):
    """A CSV file; with a BOM first, so Excel reads the UTF-8 names."""
    return download(("\ufeff" if bom else "") + text, "text/csv; charset=utf-8", filename)
