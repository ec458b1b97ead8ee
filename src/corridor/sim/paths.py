"""Values of the model file by path ('demand/2025/caspian_other_feu_day',
'regimes/today/posts/dostyk/entry'), for fitting and sensitivity: found in, and set in, the
file's data as a plain mapping."""

from __future__ import annotations

from typing import Any


def _is_value(node: Any) -> bool:
    return isinstance(node, dict) and "v" in node and "crossing" in node


def values(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every value's mapping by its path."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: Any, prefix: str) -> None:
        if _is_value(node):
            out[prefix] = node
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{prefix}/{k}" if prefix else str(k))

    walk(raw, "")
    return out


def _parts(path: str, raw: dict[str, Any]) -> list[str]:
    """A path's keys; a post's name ('posts/dostyk/entry') holds a slash of its own."""
    parts = path.split("/")
    out: list[str] = []
    node: Any = raw
    i = 0
    while i < len(parts):
        key = parts[i]
        while key not in node and i + 1 < len(parts):
            i += 1
            key = f"{key}/{parts[i]}"
        out.append(key)
        node = node[key]
        i += 1
    return out


def set_value(raw: dict[str, Any], path: str, number: float) -> None:
    """Set the number of the value at `path` (which exists) in place."""
    node = raw
    parts = _parts(path, raw)
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = {**node[parts[-1]], "v": number}
