"""Babel's extractors for the data a page shows in words (`make messages`): each rule's title
and why it may rest on evidence the corridor cannot verify, and each customs regime's name,
declaration and guarantee go into the catalogue, so that the readiness report and the customs
chain read in the reader's language while the data stays in English, with its sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

__all__ = ["regimes", "rule_pack"]


def rule_pack(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """The translatable words of one rule pack, as Babel's extraction method expects them."""
    pack = yaml.safe_load(fileobj.read().decode("utf-8")) or {}
    for rule in pack.get("rules", []):
        said = [rule.get("title"), (rule.get("requires") or {}).get("accepts_unverified")]
        for text in said:
            if isinstance(text, str) and text:
                yield 0, "_", text, [f"rule {rule.get('id')}"]


def regimes(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """The translatable words of the customs regimes, as Babel's extraction method expects."""
    data = yaml.safe_load(fileobj.read().decode("utf-8")) or {}
    for key, regime in (data.get("regimes") or {}).items():
        said = [
            regime.get("name"),
            regime.get("declaration"),
            (regime.get("guarantee") or {}).get("note"),
        ]
        for text in said:
            if isinstance(text, str) and text:
                yield 0, "_", text, [f"regime {key}"]
