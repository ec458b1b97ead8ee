"""Rule packs: the shipped set loads; a bad pack is refused whole with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.rules import RulePackError, load_dir, parse_pack, shipped_packs
from corridor.rules.schema import LegalStatus, hs_bounds
from tests.rules.samples import GOOD


def test_the_shipped_packs_cover_the_corridor() -> None:
    packs = shipped_packs()
    assert packs.jurisdictions == ["AZ", "CN", "EU", "GE", "KZ", "TM", "TR", "UZ"]
    assert packs.jurisdiction_for("RO") == "EU"
    assert packs.jurisdiction_for("KG") is None


def test_every_shipped_rule_is_sourced_or_marked_illustrative() -> None:
    for pack in shipped_packs().packs:
        for rule in pack.rules:
            if rule.legal.status is LegalStatus.ILLUSTRATIVE:
                assert rule.legal.note, rule.id
            else:
                assert rule.legal.source, rule.id


def test_nuclear_goods_need_a_licence_in_kz_az_ge() -> None:
    for j in ("KZ", "AZ", "GE"):
        pack = next(p for p in shipped_packs().packs if p.jurisdiction == j)
        rule = next(r for r in pack.rules if r.topic == "licence.nuclear")
        assert {"2612", "2844"} <= set(rule.when.hs)
        assert "transit" in rule.procedures


def test_a_good_pack_parses() -> None:
    assert parse_pack(GOOD, "kz.yaml").rules[0].id == "KZ-NUC"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.replace('["2612", "2844"]', '["2612", "28x4"]'), 12, "invalid HS range '28x4'"),
        (GOOD.replace('["2612", "2844"]', '["05-01"]'), 12, "start is after the end"),
        (GOOD.replace('["2612", "2844"]', '["01-0502"]'), 12, "same length"),
        (
            GOOD.replace("    severity: blocking", "    severity: blocking\n    colour: red"),
            15,
            "unknown field",
        ),
        (GOOD.replace("[nuclear_licence]", "[love_letter]"), 13, "requires.documents.0"),
        (GOOD.replace("[transit]", "[smuggling]"), 11, "procedures.0"),
        (GOOD.replace("rules:\n", "rules:\n  - [unclosed\n"), 9, "malformed YAML"),
        (
            GOOD.replace(
                "effective_from: 2025-01-01", "effective_from: 2025-01-01\neffective_to: 2024-01-01"
            ),
            1,
            "effective_to must be after",
        ),
    ],
)
def test_bad_packs_are_refused_with_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(RulePackError) as info:
        parse_pack(text, "kz.yaml")
    fields = [e.field for e in info.value.errors]
    messages = " ".join(e.message for e in info.value.errors)
    assert words in messages, messages
    assert f"kz.yaml:{line}" in fields, fields


def test_overlapping_versions_are_refused_and_nothing_loads(tmp_path: Path) -> None:
    (tmp_path / "kz-1.yaml").write_text(GOOD)
    (tmp_path / "kz-2.yaml").write_text(
        GOOD.replace('version: "1"', 'version: "2"').replace("2025-01-01", "2025-06-01")
    )
    with pytest.raises(RulePackError, match="still in force"):
        load_dir(tmp_path)
    closed = GOOD.replace(
        "effective_from: 2025-01-01", "effective_from: 2025-01-01\neffective_to: 2025-06-01"
    )
    (tmp_path / "kz-1.yaml").write_text(closed)
    packs = load_dir(tmp_path)
    from datetime import date

    assert packs.in_force("KZ", date(2025, 3, 1)).version == "1"  # type: ignore[union-attr]
    assert packs.in_force("KZ", date(2025, 7, 1)).version == "2"  # type: ignore[union-attr]


def test_one_bad_file_refuses_the_whole_set(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("KZ", "AZ").replace("2844", "zz"))
    with pytest.raises(RulePackError) as info:
        load_dir(tmp_path)
    assert info.value.errors[0].field.startswith("b.yaml:")


@pytest.mark.parametrize(
    ("spec", "bounds"),
    [
        ("2612", ("261200", "261299")),
        ("01-05", ("010000", "059999")),
        ("720241", ("720241", "720241")),
    ],
)
def test_hs_ranges_cover_their_subheadings(spec: str, bounds: tuple[str, str]) -> None:
    assert hs_bounds(spec) == bounds
