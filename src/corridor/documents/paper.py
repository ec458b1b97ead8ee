"""Paper fallback: a PDF a person can read, with a QR code a border officer can verify
offline, and the full signed document embedded as a file.

Fonts (DejaVu Sans, free licence in fonts/) are bundled so Kazakh, Azerbaijani, Georgian,
Turkish and Romanian names render on any machine.
"""

from __future__ import annotations

import io
import re
from importlib import resources
from typing import Any

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace

from corridor.documents import sdjwt
from corridor.documents.kinds import KINDS
from corridor.documents.recipes import PDF_ATTACHMENT, VerifiedDocument, qr_payload
from corridor.exceptions import InvalidInput
from corridor.model import DocumentKind


def _title(kind: DocumentKind) -> str:
    """The paper copy's title: the kind's name from the registry, capitalised."""
    name = KINDS[kind].name
    return name[:1].upper() + name[1:]


# List fields printed as tables, after the parties and the other fields.
_ROWS = {"goods": "Goods", "equipment": "Equipment", "elements": "Transport chain elements"}
# Column and field names as a reader knows them; others are the name with spaces.
_WORDS = {
    "sequence": "No.",
    "hs_code": "HS code",
    "net_kg": "Net kg",
    "gross_kg": "Gross kg",
    "origin_country": "Origin",
    "package_type": "Package",
    "wtw_kg": "WTW kg",
    "ttw_kg": "TTW kg",
    "teu": "TEU",
    "cargo_t": "Cargo, t",
    "document_number": "Number",
    "issue_date": "Date",
}
# The order a goods line's columns are read in; other columns follow as the rows name them.
_COLUMNS = (
    "sequence",
    "hs_code",
    "description",
    "packages",
    "package_type",
    "gross_kg",
    "net_kg",
    "value",
    "currency",
    "origin_country",
    "place",
    "kind",
    "mode",
    "activity",
    "activity_unit",
    "wtw_kg",
    "ttw_kg",
    "factor",
)
# The fields that head the page beside the title.
_HEAD = ("document_number", "issue_date")
_NUMBER = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]+)?$")


def _word(name: str) -> str:
    text = _WORDS.get(name) or name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _is_party(value: Any) -> bool:
    return isinstance(value, dict) and {"name", "country"} <= set(value)


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


def _party(pdf: FPDF, label: str, value: dict[str, Any], x: float, y: float, w: float) -> float:
    """A party as a block: its role, name, country, tax id and address; the block's bottom."""
    lines = [str(value["name"]), f"Country: {value['country']}"]
    if value.get("tax_id"):
        lines.append(f"Tax id: {value['tax_id']}")
    lines += [
        f"{_word(k)}: {_text(v)}"
        for k, v in value.items()
        if k not in ("name", "country", "tax_id")
    ]
    pdf.set_xy(x + 2, y + 1.5)
    pdf.set_font("DejaVu", "B", 8)
    pdf.cell(w - 4, 4.5, label.upper(), new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in lines:
        pdf.multi_cell(w - 4, 4.8, line, new_x="LEFT", new_y="NEXT")
    bottom = pdf.get_y() + 1.5
    pdf.rect(x, y, w, bottom - y)
    return bottom


def _table(pdf: FPDF, title: str, rows: list[Any]) -> None:
    """List rows as a table: one column per field, in the order the rows first name them."""
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    named: list[str] = []
    for row in rows:
        for key in row if isinstance(row, dict) else ["value"]:
            if key not in named:
                named.append(key)
    rank = {c: i for i, c in enumerate(_COLUMNS)}
    columns = sorted(named, key=lambda c: (rank.get(c, len(rank)), named.index(c)))
    cells = [
        [_text(row.get(c, "")) if isinstance(row, dict) else _text(row) for c in columns]
        for row in rows
    ]
    align = [
        "RIGHT"
        if all(_NUMBER.match(r[i]) for r in cells if r[i]) and any(r[i] for r in cells)
        else "LEFT"
        for i in range(len(columns))
    ]
    # Each column as wide as its longest text (within bounds), so words wrap only when long.
    widths = tuple(
        min(40, max(4, len(_word(c)), *(len(r[i]) for r in cells))) for i, c in enumerate(columns)
    )
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(
        col_widths=widths,
        text_align=tuple(align),
        headings_style=FontFace(emphasis="BOLD", fill_color=(238, 241, 244)),
        line_height=4.8,
        padding=1,
    ) as table:
        head = table.row()
        for c in columns:
            head.cell(_word(c))
        for values in cells:
            line = table.row()
            for v in values:
                line.cell(v)


def render(token: str, doc: VerifiedDocument, reference: str | None = None) -> bytes:
    """The PDF of a verified document, laid out as the paper it replaces: its title and
    number, the shipment by its reference, the parties as blocks, the other fields, the
    lists as tables, then the issuer, the signing key and the verification QR code."""
    qr, summary = _qr(token, doc)
    png = io.BytesIO()
    qr.save(png, kind="png", scale=4, border=2)
    fields = doc.disclosed

    pdf = FPDF(format="A4")
    pdf.set_title(_title(doc.kind))
    pdf.add_font("DejaVu", "", _font_path("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font_path("DejaVuSans-Bold.ttf"))
    pdf.add_page()
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(110, 9, _title(doc.kind), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    shipment = f"Shipment {reference}" if reference else f"Shipment {doc.shipment or '-'}"
    pdf.cell(110, 5, shipment, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin + 115, top)
    for key in _HEAD:
        if key in fields:
            pdf.set_font("DejaVu", "B", 9)
            pdf.cell(22, 6, _word(key))
            pdf.set_font("DejaVu", "", 10)
            pdf.cell(0, 6, _text(fields[key]), new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(pdf.l_margin + 115)
    pdf.set_y(max(pdf.get_y(), top + 16) + 2)

    parties = [(k, v) for k, v in fields.items() if _is_party(v)]
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 4) / 2
    for i in range(0, len(parties), 2):
        y = pdf.get_y()
        bottoms = [
            _party(pdf, _word(k), v, pdf.l_margin + j * (width + 4), y, width)
            for j, (k, v) in enumerate(parties[i : i + 2])
        ]
        pdf.set_y(max(bottoms) + 3)

    others = [
        (k, v)
        for k, v in fields.items()
        if k not in _HEAD and not _is_party(v) and not (k in _ROWS and isinstance(v, list))
    ]
    for name, value in others:
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(45, 5.5, _word(name))
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(0, 5.5, _text(value), new_x="LMARGIN", new_y="NEXT")
    for name, title in _ROWS.items():
        rows = fields.get(name)
        if isinstance(rows, list) and rows:
            _table(pdf, title, rows)
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
    meta = [
        ("Issued by", f"{doc.issuer.name} ({doc.issuer.country}, {doc.issuer.role})"),
        ("Issued", f"{doc.issued_at:%Y-%m-%d %H:%M} UTC"),
        ("Valid until", f"{doc.expires_at:%Y-%m-%d}" if doc.expires_at else "-"),
        ("Signing key", doc.kid),
    ]
    for label, value in meta:
        pdf.set_x(pdf.l_margin + 75)
        pdf.set_font("DejaVu", "B", 8)
        pdf.cell(22, 4.5, label)
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(0, 4.5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_x(pdf.l_margin + 75)
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
