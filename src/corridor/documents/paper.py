"""Paper fallback: a PDF a person can read, with a QR code a border officer can verify
offline, and the full signed document embedded as a file.

Fonts (DejaVu Sans, free licence in fonts/) are bundled so Kazakh, Azerbaijani, Georgian,
Turkish and Romanian names render on any machine.
"""

from __future__ import annotations

import io
from importlib import resources
from typing import Any

import segno
from fpdf import FPDF

from corridor.documents import sdjwt
from corridor.documents.kinds import KINDS
from corridor.documents.recipes import PDF_ATTACHMENT, VerifiedDocument, qr_payload
from corridor.exceptions import InvalidInput
from corridor.model import DocumentKind


def _title(kind: DocumentKind) -> str:
    """The paper copy's title: the kind's name from the registry, capitalised."""
    name = KINDS[kind].name
    return name[:1].upper() + name[1:]


# List fields printed one row per element, after the other fields.
_ROWS = {"goods": "Goods", "equipment": "Equipment", "elements": "Transport chain elements"}


def _qr(token: str, doc: VerifiedDocument) -> tuple[segno.QRCode, bool]:
    """The QR code of the whole document or, when that is too large for one code (a long
    statement, many goods lines), of a presentation of its other fields without the list
    rows; True in the second case. Either verifies; the PDF embeds the whole document."""
    scalars = [k for k, v in doc.disclosed.items() if not isinstance(v, list)]
    for text, summary in ((token, False), (sdjwt.present(token, scalars), True)):
        try:
            return segno.make(qr_payload(text), error="l", micro=False), summary
        except segno.DataOverflowError:
            continue
    raise InvalidInput(
        "the document is too large for a QR code; print a presentation with fewer disclosures"
    )


def _font_path(name: str) -> str:
    return str(resources.files("corridor.documents").joinpath("fonts", name))


def _text(value: Any) -> str:
    if isinstance(value, dict) and {"name", "country"} <= set(value):
        tax = f", tax id {value['tax_id']}" if value.get("tax_id") else ""
        return f"{value['name']} ({value['country']}{tax})"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return str(value)


def render(token: str, doc: VerifiedDocument) -> bytes:
    """The PDF of a verified document."""
    qr, summary = _qr(token, doc)
    png = io.BytesIO()
    qr.save(png, kind="png", scale=4, border=2)

    pdf = FPDF(format="A4")
    pdf.set_title(_title(doc.kind))
    pdf.add_font("DejaVu", "", _font_path("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font_path("DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, _title(doc.kind), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    meta = [
        ("Issued by", f"{doc.issuer.name} ({doc.issuer.country}, {doc.issuer.role})"),
        ("Issued", f"{doc.issued_at:%Y-%m-%d %H:%M} UTC"),
        ("Valid until", f"{doc.expires_at:%Y-%m-%d}" if doc.expires_at else "-"),
        ("Shipment", doc.shipment or "-"),
        ("Signing key", doc.kid),
    ]
    for label, value in meta:
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(35, 6, label)
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for name, value in doc.disclosed.items():
        if name in _ROWS and isinstance(value, list):
            continue
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(45, 6, name.replace("_", " "))
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    for name in _ROWS:
        rows = doc.disclosed.get(name)
        if not isinstance(rows, list) or not rows:
            continue
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(0, 7, _ROWS[name], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        for row in rows:
            pdf.multi_cell(0, 5, "• " + _text(row), new_x="LMARGIN", new_y="NEXT")
    if doc.withheld_fields:
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(
            0,
            5,
            "Some fields were not disclosed to the holder of this copy.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)
    y = pdf.get_y()
    if y > 200:
        pdf.add_page()
        y = pdf.get_y()
    pdf.image(png, x=pdf.l_margin, y=y, w=70)
    pdf.set_xy(pdf.l_margin + 75, y)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        0,
        4.5,
        "Verify this document offline: scan the QR code and run "
        "'corridor verify -' with its text, or 'corridor verify' on this "
        "PDF file. The QR code and the embedded file carry the signed "
        "document; any change to the printed text does not change them."
        + (
            " The QR code carries the fields above the lists; the embedded file "
            "carries every row as well."
            if summary
            else ""
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.embed_file(
        basename=PDF_ATTACHMENT,
        bytes=token.encode("ascii"),
        desc="Signed corridor document (SD-JWT)",
    )
    pdf.set_creator("corridor")
    out = pdf.output()
    return bytes(out)


def qr_svg(token: str) -> str:
    """The verification QR code as SVG text."""
    buf = io.BytesIO()
    segno.make(qr_payload(token), error="l").save(buf, kind="svg", scale=4)
    return buf.getvalue().decode("utf-8")


__all__ = ["qr_svg", "render"]
