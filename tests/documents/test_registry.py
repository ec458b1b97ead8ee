"""One home per document kind: the registry names every kind whole, the views built from it
agree with it, and every kind's name is translated in every catalogue."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from corridor.documents import registry
from corridor.documents.kinds import COMPUTED, ISSUER_ROLES, KINDS, SCHEMAS, SOVEREIGN
from corridor.documents.registry import complete as _complete
from corridor.exchange.policy import shipped_policy
from corridor.model import DocumentKind, Role

LOCALES = Path(__file__).parents[2] / "src" / "corridor" / "web" / "locale"


def test_every_kind_has_an_entry_and_the_views_follow_it() -> None:
    assert set(KINDS) == set(DocumentKind)
    assert set(SCHEMAS) == {k for k, spec in KINDS.items() if spec.schema is not None}
    assert {k: KINDS[k].issuers for k in SCHEMAS} == ISSUER_ROLES
    assert set(SCHEMAS) >= COMPUTED
    # A state's decision is signed only by a state's authority.
    assert all(ISSUER_ROLES[k] == {Role.CUSTOMS} for k in SOVEREIGN)


def test_a_registry_missing_a_kind_is_refused() -> None:
    partial = {k: v for k, v in KINDS.items() if k is not DocumentKind.PACKING_LIST}
    with pytest.raises(RuntimeError, match="packing_list"):
        _complete(partial)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"issuers": frozenset()}, "who may sign"),
        ({"disclosed": {"export": "all", "transit": ()}}, "every procedure"),
        (
            {"disclosed": {"export": ("no_such_field",), "transit": (), "import": ()}},
            "does not have",
        ),
    ],
)
def test_a_kind_with_half_a_definition_is_refused(change: dict[str, object], why: str) -> None:
    broken = dict(KINDS)
    broken[DocumentKind.COMMERCIAL_INVOICE] = replace(
        KINDS[DocumentKind.COMMERCIAL_INVOICE], **change
    )  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match=why):
        _complete(broken)


def test_a_kind_registered_twice_is_refused() -> None:
    with pytest.raises(RuntimeError, match="registered twice"):
        registry.evidence(DocumentKind.OTHER, "another other", {Role.SHIPPER})
    assert KINDS[DocumentKind.OTHER].name == "other document"


def test_evidence_without_the_roles_that_provide_it_is_refused() -> None:
    broken = dict(KINDS)
    broken[DocumentKind.TRANSIT_GUARANTEE] = replace(
        KINDS[DocumentKind.TRANSIT_GUARANTEE], providers=frozenset()
    )
    with pytest.raises(RuntimeError, match="roles that may provide it"):
        _complete(broken)


def test_an_attached_file_is_never_disclosed_as_signed_data() -> None:
    evidence = [k for k, spec in KINDS.items() if spec.schema is None]
    assert DocumentKind.TRANSIT_GUARANTEE in evidence
    for kind in evidence:
        assert all(v == () for v in KINDS[kind].disclosed.values())


def test_the_policy_reads_each_kinds_disclosure_from_the_registry() -> None:
    policy = shipped_policy()
    assert policy.entitled("export", DocumentKind.COMMERCIAL_INVOICE) == list(
        SCHEMAS[DocumentKind.COMMERCIAL_INVOICE].model_fields
    )
    # A transit authority sees the declaration's routing but not its parties.
    transit = policy.entitled("transit", DocumentKind.TRANSIT_DECLARATION)
    assert "countries_of_routing" in transit
    assert "declarant" not in transit
    assert policy.entitled("transit", DocumentKind.COMMERCIAL_INVOICE) == []


@pytest.mark.parametrize("catalogue", sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")))
def test_every_kind_is_named_in_every_language(catalogue: Path) -> None:
    with catalogue.open("rb") as fh:
        po = read_po(fh)
    untranslated = [
        spec.name for spec in KINDS.values() if not (po.get(spec.name) and po[spec.name].string)
    ]
    assert untranslated == []
