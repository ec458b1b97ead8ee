"""Loading rule packs: line-aware YAML parsing, validation, and all-or-nothing pack sets."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from corridor.exceptions import FieldError, RulePackError
from corridor.rules.schema import Pack

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


def _lines(node: yaml.Node, path: Path_, out: dict[Path_, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(value, (*path, str(key.value)), out)
            out.setdefault((*path, str(key.value)), key.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


def _line_of(lines: dict[Path_, int], loc: Path_) -> int:
    # The deepest prefix of the error path that has a line (pydantic adds model-level locs).
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


# A pack is a few hundred rules, a few levels deep. These bounds keep a hostile file (nested
# aliases that expand a thousandfold per level, or nesting that exhausts the stack) to
# linear, small work: at most MAX_EVENTS parser events, then it is refused.
MAX_DEPTH = 32
MAX_EVENTS = 200_000


def _screen(text: str, filename: str, error: type[RulePackError] = RulePackError) -> None:
    """Refuse aliases, anchors, deep nesting and oversized documents before composing."""
    depth = events = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            events += 1
            line = event.start_mark.line + 1 if event.start_mark else 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise error(
                    f"{filename}:{line}: YAML anchors and aliases are not allowed in this file",
                    [FieldError(f"{filename}:{line}", "write the value out instead of an alias")],
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise error(
                        f"{filename}:{line}: nested deeper than {MAX_DEPTH} levels",
                        [FieldError(f"{filename}:{line}", "write it a few levels deep")],
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if events > MAX_EVENTS:
                raise error(
                    f"{filename}:{line}: the file is too large ({MAX_EVENTS} YAML events at most)",
                    [FieldError(f"{filename}:{line}", "split the file")],
                )
    except yaml.YAMLError:
        return  # parse_pack reports malformed YAML with its line


def parse_yaml(
    text: str,
    filename: str,
    model: type[M],
    shape: str,
    error: type[RulePackError] = RulePackError,
) -> M:
    """Parse and validate one YAML file as `model`; `error` lists every problem with
    file:line. `shape` says what the file must be, for a file that is not a mapping."""
    _screen(text, filename, error)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise error(
            f"{filename}:{line}: malformed YAML: {reason}",
            [FieldError(f"{filename}:{line}", f"malformed YAML: {reason}")],
        ) from None
    if not isinstance(raw, dict) or node is None:
        raise error(f"{filename}:1: {shape}", [FieldError(f"{filename}:1", "not a mapping")])
    lines: dict[Path_, int] = {}
    _lines(node, (), lines)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(file)"
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field; check its spelling against the file format"
            errors.append(FieldError(f"{filename}:{_line_of(lines, loc)}", f"{where}: {msg}"))
        first = errors[0]
        raise error(
            f"{first.field}: {first.message}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors,
        ) from None


def parse_pack(text: str, filename: str) -> Pack:
    """Parse and validate one pack; RulePackError lists every problem with file:line."""
    return parse_yaml(
        text,
        filename,
        Pack,
        "a rule pack is a YAML mapping with 'jurisdiction', 'version', 'effective_from' "
        "and 'rules'",
    )


@dataclass(frozen=True)
class PackSet:
    """Every version of every jurisdiction's pack, checked together."""

    packs: tuple[Pack, ...]

    def jurisdiction_for(self, country: str) -> str | None:
        """The jurisdiction whose packs cover a country."""
        for pack in self.packs:
            if country in pack.countries:
                return pack.jurisdiction
        return None

    def in_force(self, jurisdiction: str, day: Any) -> Pack | None:
        """The version of a jurisdiction's pack in force on a day."""
        for pack in self.packs:
            if pack.jurisdiction == jurisdiction and pack.in_force(day):
                return pack
        return None

    @property
    def jurisdictions(self) -> list[str]:
        """Jurisdictions with at least one pack, sorted."""
        return sorted({p.jurisdiction for p in self.packs})


def build_set(packs: Iterable[tuple[str, Pack]]) -> PackSet:
    """Check packs against each other: one jurisdiction per country, no overlapping dates."""
    items = sorted(packs, key=lambda fp: (fp[1].jurisdiction, fp[1].effective_from))
    errors: list[FieldError] = []
    owner: dict[str, str] = {}
    for filename, pack in items:
        for country in pack.countries:
            if owner.setdefault(country, pack.jurisdiction) != pack.jurisdiction:
                errors.append(
                    FieldError(
                        filename,
                        f"country {country} is already covered by jurisdiction {owner[country]}",
                    )
                )
    for (f1, a), (f2, b) in itertools.pairwise(items):
        if a.jurisdiction == b.jurisdiction and (
            a.effective_to is None or a.effective_to > b.effective_from
        ):
            errors.append(
                FieldError(
                    f2,
                    f"{b.jurisdiction} {b.version} starts "
                    f"{b.effective_from} while {a.version} ({f1}) is still "
                    "in force; close the earlier version's effective_to",
                )
            )
    if errors:
        raise RulePackError(f"{errors[0].field}: {errors[0].message}", errors)
    return PackSet(tuple(p for _, p in items))


def load_dir(directory: Path) -> PackSet:
    """Every *.yaml pack in a folder, or RulePackError listing all problems (none loaded)."""
    parsed: list[tuple[str, Pack]] = []
    errors: list[FieldError] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            parsed.append((path.name, parse_pack(path.read_text("utf-8"), path.name)))
        except RulePackError as exc:
            errors += exc.errors
    if errors:
        raise RulePackError(
            f"{len(errors)} problem(s) in rule packs; first: "
            f"{errors[0].field}: {errors[0].message}",
            errors,
        )
    return build_set(parsed)


def shipped_folder() -> Path:
    """Where the packs shipped with the package are."""
    return Path(str(resources.files("corridor.rules").joinpath("packs")))


@cache
def shipped_packs() -> PackSet:
    """The packs shipped with the package."""
    return load_dir(shipped_folder())
