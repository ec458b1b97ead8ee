"""MRN and GRN: the official shapes and the ISO 6346 check character."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corridor.customs.references import check_character, check_grn, check_mrn, new_grn, new_mrn
from corridor.exceptions import InvalidInput

XSD = Path(__file__).parents[2] / "src" / "corridor" / "customs" / "xsd" / "stypes.xsd"


def _pattern(name: str) -> list[re.Pattern[str]]:
    text = XSD.read_text("utf-8")
    block = text[text.index(f'<xs:simpleType name="{name}">') :]
    block = block[: block.index("</xs:simpleType>")]
    return [re.compile(f"^{p}$") for p in re.findall(r'<xs:pattern value="([^"]+)"', block)]


def test_the_check_character_is_iso_6346() -> None:
    # ISO 6346's own worked example: container CSQU305438, check digit 3.
    assert check_character("CSQU305438") == "3"
    # A remainder of 10 is written 0 (ISO 6346; the Commission's MRN/GRN algorithm).
    assert check_character("ABCU123456") == "0"


def test_new_mrns_match_the_official_phase5_pattern_and_check() -> None:
    patterns = _pattern("MRNType")
    secret = b"k" * 32
    seen = set()
    for i in range(200):
        mrn = new_mrn(2026, "KZ", secret, str(i))
        assert any(p.match(mrn) for p in patterns), mrn
        assert mrn[:4] == "26KZ"
        assert mrn[16] == "J"
        assert check_mrn(mrn.lower()) == mrn
        seen.add(mrn)
    assert len(seen) == 200


def test_new_grns_match_the_official_pattern_and_check() -> None:
    (pattern,) = _pattern("GRNType")
    grn = new_grn(2026, "KZ", b"k" * 32, "one")
    assert pattern.match(grn)
    assert check_grn(grn) == grn


def test_a_mistyped_mrn_is_refused_with_the_expected_digit() -> None:
    mrn = new_mrn(2026, "KZ", b"k" * 32, "x")
    wrong = mrn[:-1] + str((int(mrn[-1]) + 1) % 10)
    with pytest.raises(InvalidInput, match=f"expected {mrn[-1]}"):
        check_mrn(wrong)
    with pytest.raises(InvalidInput, match="18 characters"):
        check_mrn("26KZ123")
    with pytest.raises(InvalidInput, match="procedure letter"):
        new_mrn(2026, "KZ", b"k", "x", letter="Z")


def test_a_grn_with_a_wrong_check_digit_or_shape_is_refused() -> None:
    grn = new_grn(2026, "KZ", b"k" * 32, "one")
    with pytest.raises(InvalidInput, match="check digit"):
        check_grn(grn[:16] + str((int(grn[16]) + 1) % 10))
    with pytest.raises(InvalidInput, match="guarantee reference"):
        check_grn("GRN-DEMO")
