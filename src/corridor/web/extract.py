"""Babel's extractor for the rule packs (`make messages`): each rule's title and why it may
rest on evidence the corridor cannot verify go into the catalogue, so that the readiness
report reads in the reader's language while the packs stay in English, with their sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

__all__ = ["rule_pack"]


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
