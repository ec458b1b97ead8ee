"""Hostile rule packs are refused quickly and cheaply: nested aliases (a billion laughs in
430 bytes), nesting deep enough to exhaust the stack, and over the API a problem, not a 500."""

from __future__ import annotations

import tracemalloc

import pytest
from fastapi.testclient import TestClient

from corridor.exceptions import RulePackError
from corridor.rules import parse_pack


def laughs(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_before_it_expands() -> None:
    text = laughs(9)
    assert len(text) < 500
    tracemalloc.start()
    try:
        with pytest.raises(RulePackError, match="anchors and aliases are not allowed"):
            parse_pack(text, "bomb.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize(
    "text", ["[" * 1000, "a:\n" + "".join(f"{' ' * i}b:\n" for i in range(1, 200))]
)
def test_deep_nesting_is_a_pack_error(text: str) -> None:
    with pytest.raises(RulePackError):
        parse_pack(text, "deep.yaml")


def test_hostile_packs_over_the_api_are_problems(client: TestClient) -> None:
    for body in (laughs(9), "[" * 1000):
        r = client.post("/rules/lint", content=body, headers={"Content-Type": "application/yaml"})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
