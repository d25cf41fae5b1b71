"""Certificates per completed module and for the whole track, with public verification.

A certificate is issued in the transaction that completes the module (service.py).
Its code is unguessable (``secrets``); anyone with the code, logged in or not, can
verify it and sees only the name, what was completed and when, or that it was revoked.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask_babel import gettext as _

from .. import parsing, timeutil
from ..accounts.service import User
from ..db import get_db, transaction
from ..errors import Conflict, Forbidden, NotFound

__all__ = ["issue", "for_learner", "get_certificate", "verify", "revoke", "pdf"]

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
REASON_MAX = 500


def new_code() -> str:
    """20 characters from a 32-letter alphabet (100 bits), in groups of five."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


def issue(db, learner: User, track: str, module_id: str | None, title: str) -> None:
    """Issue a certificate once (inside the caller's transaction)."""
    db.execute("INSERT INTO learning_certificates (code, user_id, track, module_id, title,"
               " issued_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
               [new_code(), learner.id, track, module_id, title, timeutil.iso()])


def _cert(row) -> dict:
    return {"code": row["code"], "title": row["title"], "track": row["track"],
            "module_id": row["module_id"], "kind": "module" if row["module_id"] else "track",
            "issued_at": row["issued_at"], "revoked_at": row["revoked_at"],
            "revoked": row["revoked_at"] is not None, "url": f"/certificaat/{row['code']}"}


def for_learner(db, learner_id: int) -> list[dict]:
    return [_cert(row) for row in db.execute(
        "SELECT * FROM learning_certificates WHERE user_id = ? ORDER BY issued_at, id",
        [learner_id])]


def _row(code) -> dict | None:
    if not isinstance(code, str) or len(code) > 40:
        return None
    return get_db().execute("SELECT c.*, u.name AS name FROM learning_certificates c"
                            " JOIN users u ON u.id = c.user_id WHERE c.code = ?",
                            [code.strip().upper()]).fetchone()


def get_certificate(user: User, code: str) -> dict:
    """The full certificate for its holder and for staff (others: NotFound)."""
    row = _row(code)
    if row is None or (row["user_id"] != user.id and not user.is_staff):
        raise NotFound(_("This certificate does not exist, or you may not see it."))
    return {**_cert(row), "name": row["name"], "revoked_reason": row["revoked_reason"]}


def verify(code: str) -> dict:
    """Public: name, what and when, or that it was revoked. No login needed."""
    row = _row(code)
    if row is None:
        raise NotFound(_("No certificate with this verification code exists."))
    return {"code": row["code"], "name": row["name"], "title": row["title"],
            "kind": "module" if row["module_id"] else "track", "issued_at": row["issued_at"],
            "valid": row["revoked_at"] is None, "revoked_at": row["revoked_at"]}


def revoke(user: User, code: str, reason) -> dict:
    """Staff: revoke a certificate (it stays verifiable as revoked)."""
    if not user.is_staff:
        raise Forbidden(_("Only Datashop staff can revoke a certificate."))
    reason = parsing.text(reason, "reason", required=True, max_length=REASON_MAX)
    db = get_db()
    with transaction(db):
        row = _row(code)
        if row is None:
            raise NotFound(_("No certificate with this verification code exists."))
        if row["revoked_at"]:
            raise Conflict(_("This certificate is already revoked."))
        db.execute("UPDATE learning_certificates SET revoked_at = ?, revoked_reason = ?,"
                   " revoked_by = ? WHERE id = ?", [timeutil.iso(), reason, user.id, row["id"]])
    return get_certificate(user, row["code"])


def pdf(cert: dict, verify_url: str, portal_name: str, municipality: str, issued: str) -> bytes:
    """The certificate as an A4 PDF (fpdf2), DejaVu Sans when present for every character."""
    from fpdf import FPDF

    doc = FPDF(orientation="L", format="A4")
    doc.set_title(cert["title"])
    doc.add_page()
    if Path(DEJAVU).is_file() and Path(DEJAVU_BOLD).is_file():
        doc.add_font("DejaVu", "", DEJAVU)
        doc.add_font("DejaVu", "B", DEJAVU_BOLD)
        family = "DejaVu"

        def clean(value):
            return value
    else:  # core font: Latin-1 only
        family = "Helvetica"

        def clean(value):
            return value.encode("latin-1", "replace").decode("latin-1")
    doc.set_draw_color(0, 90, 140)
    doc.set_line_width(1.2)
    doc.rect(10, 10, 277, 190)
    doc.set_y(35)
    doc.set_font(family, "B", 30)
    doc.cell(0, 16, clean(_("Certificate")), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font(family, "", 14)
    doc.cell(0, 10, clean(f"{municipality} · {portal_name}"), align="C", new_x="LMARGIN",
             new_y="NEXT")
    doc.ln(12)
    doc.set_font(family, "B", 24)
    doc.multi_cell(0, 12, clean(cert["name"]), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font(family, "", 14)
    doc.cell(0, 9, clean(_("has completed")), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font(family, "B", 18)
    doc.multi_cell(0, 11, clean(cert["title"]), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font(family, "", 13)
    doc.cell(0, 10, clean(_("on %(date)s", date=issued)), align="C", new_x="LMARGIN",
             new_y="NEXT")
    doc.ln(14)
    doc.set_font(family, "", 11)
    doc.cell(0, 7, clean(_("Verification code: %(code)s", code=cert["code"])), align="C",
             new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 7, clean(verify_url), align="C", link=verify_url, new_x="LMARGIN", new_y="NEXT")
    if cert.get("revoked"):
        doc.set_text_color(180, 0, 0)
        doc.cell(0, 9, clean(_("This certificate has been revoked.")), align="C")
    return bytes(doc.output())
