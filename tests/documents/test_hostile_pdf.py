"""Hostile and broken PDFs get a verdict, never an error, and cost bounded memory: a
decompression bomb, many embedded files of the corridor's name, unknown filters, bad zlib,
an embedded file that is not a stream, a missing /EF."""

from __future__ import annotations

import io
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from corridor.documents import verify_input
from corridor.documents.recipes import PDF_ATTACHMENT
from tests.documents.conftest import NOW

BOMB = zlib.compress(zlib.compress(b"\0" * (74 << 20), 9), 9)


def _pdf(specs: Callable[[PdfWriter], list[DictionaryObject]]) -> bytes:
    """A one-page PDF whose EmbeddedFiles name tree holds the file specs `specs` makes, each
    under the corridor's attachment name."""
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    names = ArrayObject()
    for spec in specs(writer):
        names += [TextStringObject(PDF_ATTACHMENT), writer._add_object(spec)]
    tree = DictionaryObject({NameObject("/Names"): names})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/EmbeddedFiles"): writer._add_object(tree)}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stream(data: bytes, filters: list[str]) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    if filters:
        stream[NameObject("/Filter")] = ArrayObject([NameObject(f) for f in filters])
    stream[NameObject("/Length")] = NumberObject(len(data))
    return stream


def _spec(writer_obj: Any) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): writer_obj}),
        }
    )


def _bomb_pdf(copies: int) -> bytes:
    bomb = ["/FlateDecode", "/FlateDecode"]
    return _pdf(lambda w: [_spec(w._add_object(_stream(BOMB, bomb))) for _ in range(copies)])


def _one(stream: Any) -> bytes:
    missing_ef = DictionaryObject({NameObject("/Type"): NameObject("/Filespec")})
    return _pdf(lambda w: [_spec(w._add_object(stream)) if stream is not None else missing_ef])


def _predicted() -> StreamObject:
    stream = _stream(zlib.compress(b"\2" + b"x" * 100), ["/FlateDecode"])
    stream[NameObject("/DecodeParms")] = DictionaryObject(
        {
            NameObject("/Predictor"): NumberObject(12),
            NameObject("/Columns"): NumberObject(10**9),
        }
    )
    return stream


CASES: dict[str, Callable[[], bytes]] = {
    "unknown filter": lambda: _one(_stream(b"abc", ["/NoSuchDecode"])),
    "bad zlib": lambda: _one(_stream(b"not zlib at all", ["/FlateDecode"])),
    "bad ascii85": lambda: _one(_stream(b"~~~~", ["/ASCII85Decode"])),
    "bad hex": lambda: _one(_stream(b"zz>", ["/ASCIIHexDecode"])),
    "huge predictor columns": lambda: _one(_predicted()),
    "not a stream": lambda: _one(DictionaryObject({NameObject("/X"): NumberObject(1)})),
    "missing /EF": lambda: _one(None),
    "truncated": lambda: _bomb_pdf(1)[:900],
    "garbage after the header": lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40,
    "too many filters": lambda: _one(_stream(b"x", ["/FlateDecode"] * 20)),
}


@pytest.mark.parametrize("case", CASES)
def test_a_broken_pdf_is_invalid_not_an_error(case: str, signing: Any) -> None:
    ring, _ = signing
    verdict = verify_input(CASES[case](), ring.trust_list(), NOW)
    assert (verdict.status, verdict.reason) == ("INVALID", "malformed")


def test_a_decompression_bomb_is_refused_within_a_memory_budget(signing: Any) -> None:
    ring, _ = signing
    pdf = _bomb_pdf(16)
    assert len(pdf) < 64 << 10  # a few KB that would inflate to more than a gigabyte
    tracemalloc.start()
    try:
        verdict = verify_input(pdf, ring.trust_list(), NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (verdict.status, verdict.reason) == ("INVALID", "malformed")
    assert peak < 48 << 20, f"peak {peak >> 20} MiB"
