"""The CBV 2.0 pre-hash string of any EPCIS 2.0 event (GS1 CBV 2.0 §8.9): every event type,
quantities, sources and destinations, persistent dispositions, certification, ILMD, sensor
data with every field, and user extensions.

The event is read as a tree of named values, the way the EPCIS XML binding writes it: a JSON
list becomes repeated elements (`epcList: [a, b]` is `epcList` holding `epc=a`, `epc=b`), a
namespaced key becomes `{namespace}name`. The standard's fields come first, in the order
`ORDER` gives, each list sorted; what the order does not place (user extensions, ILMD, the
business transactions, sources and destinations) comes last, sorted. Times are UTC at
millisecond precision, numbers lose trailing zeros, bare vocabulary words are written as their
Web URIs and GS1 keys as GS1 Digital Link.

This is the reading of §8.9 that GS1's reference generator (PyPI `epcis-event-hash-generator`)
implements and repositories follow, so that the same event has the same id everywhere; the
tests hold it against that generator over GS1's and OpenEPCIS's example corpora and name each
place where the generator departs from the standard's text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from corridor.tracking.eventhash import CBV, GS1_VOC, canonical_time, canonical_value
from corridor.tracking.jsonld import prefixes

__all__ = ["ORDER", "prehash"]

# One element of the tree: its name, its text and its children. A business transaction,
# source or destination is a tuple of its parts (its type and its value), kept in the order
# the event writes them.
Node = tuple[str, str, list[Any]]
Order = Sequence[tuple[str, "Order | None"]]

_QUANTITY: Order = (("quantityElement", (("epcClass", None), ("quantity", None), ("uom", None))),)
_EPCS: Order = (("epc", None),)
ORDER: Order = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", _EPCS),
    ("inputEPCList", _EPCS),
    ("childEPCs", _EPCS),
    ("quantityList", _QUANTITY),
    ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY),
    ("outputEPCList", _EPCS),
    ("outputQuantityList", _QUANTITY),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    (
        "sensorElementList",
        (
            (
                "sensorElement",
                (
                    (
                        "sensorMetadata",
                        tuple(
                            (name, None)
                            for name in [
                                "time",
                                "startTime",
                                "endTime",
                                "deviceID",
                                "deviceMetadata",
                                "rawData",
                                "dataProcessingMethod",
                                "bizRules",
                            ]
                        ),
                    ),
                    (
                        "sensorReport",
                        tuple(
                            (name, None)
                            for name in [
                                "type",
                                "exception",
                                "deviceID",
                                "deviceMetadata",
                                "rawData",
                                "dataProcessingMethod",
                                "time",
                                "microorganism",
                                "chemicalSubstance",
                                "value",
                                "component",
                                "stringValue",
                                "booleanValue",
                                "hexBinaryValue",
                                "uriValue",
                                "minValue",
                                "maxValue",
                                "meanValue",
                                "sDev",
                                "percRank",
                                "percValue",
                                "uom",
                                "coordinateReferenceSystem",
                            ]
                        ),
                    ),
                ),
            ),
        ),
    ),
)
# Not part of the hash: the id itself, when it was recorded, its type (written first) and a
# later error declaration (which keeps the id of the event it declares wrong).
_IGNORED = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})
# JSON-LD's own keys are syntax, not data: a context declares namespaces, it is not hashed.
_COMMENTS = frozenset({"#text", "rdfs:comment", "comment", "@context"})
_PAIRED = ("sourceList", "destinationList", "bizTransactionList")
_UNSORTED = frozenset({"bizTransaction", "source", "destination"})
# EPCIS 1.x vocabulary URNs and the Web URIs CBV 2.0 writes instead.
_OLD_VOCABULARY = (
    ("urn:epcglobal:cbv:bizstep:", CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", CBV + "ER-"),
)
# The fields whose bare words are vocabulary (the EPCIS 2.0 JSON-LD context types them
# `@vocab`), and the Web URI a bare word stands for.
_WORDS: Mapping[str, str] = {
    "bizStep": CBV + "BizStep-",
    "disposition": CBV + "Disp-",
    "set": CBV + "Disp-",
    "unset": CBV + "Disp-",
    "bizTransactionList.type": CBV + "BTT-",
    "sourceList.type": CBV + "SDT-",
    "destinationList.type": CBV + "SDT-",
    "sensorReport.type": GS1_VOC,
    "sensorReport.exception": GS1_VOC,
    "sensorReport.component": CBV + "Comp-",
    "errorDeclaration.reason": CBV + "ER-",
}


def _vocabulary(event: Mapping[str, Any]) -> set[str]:
    """The Web URIs of the vocabulary words the event uses, as a JSON-LD processor expands
    them, and the CBV and GS1 Web URIs it writes out."""
    found: set[str] = set()

    def walk(value: Any, field: str, parent: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, key, field)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, field, parent)
        elif isinstance(value, str):
            prefix = _WORDS.get(field) or _WORDS.get(f"{parent}.{field}")
            if value.startswith((CBV, GS1_VOC)):
                found.add(value)
            elif prefix and ":" not in value:
                found.add(prefix + value)

    walk(dict(event), "", "")
    return found


def _words_written_out(value: Any, vocabulary: set[str]) -> Any:
    """Every bare string that stands for exactly one of the event's vocabulary URIs,
    written as that URI."""
    if isinstance(value, str):
        matches = [v for v in vocabulary if v.endswith(("-" + value, "/" + value))]
        return matches[0] if len(matches) == 1 else value
    if isinstance(value, list):
        return [_words_written_out(v, vocabulary) for v in value]
    if isinstance(value, dict):
        return {k: _words_written_out(v, vocabulary) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    """A JSON value as the XML binding writes it."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


class _Tree:
    """An event read as a tree of named values under the document's namespaces."""

    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self.namespaces = namespaces

    def key(self, name: str) -> str:
        prefix, _, rest = name.partition(":")
        return (
            "{" + self.namespaces[prefix] + "}" + rest
            if rest and prefix in self.namespaces
            else name
        )

    def value(self, text: str) -> str:
        prefix, _, rest = text.partition(":")
        return self.namespaces[prefix] + rest if rest and prefix in self.namespaces else text

    def node(self, value: Any) -> Node:
        if isinstance(value, list):
            return ("", "", [self.node(v) for v in value])
        if not isinstance(value, dict):
            return ("", self.value(_text(value)), [])
        children: list[Any] = []
        for key, inner in value.items():
            if key in _COMMENTS or key.startswith("@xmlns"):
                continue
            child = self.node(inner)
            name = self.key(key)
            if isinstance(inner, list):
                children += [(name, c[1], c[2]) for c in child[2]]
            else:
                children.append((name, child[1], child[2]))
        if not _UNSORTED & value.keys():
            children.sort()
        return (str(value.get("type", "")), "", children)


def _restructured(node: Node) -> Node:
    """The tree as the XML binding shapes it: a `…List` holds its elements under their
    singular name, a business transaction, source or destination is a pair, child EPCs are
    `epc`, and a quantity element is a `quantityElement`."""
    name, text, children = node
    lists: dict[str, list[Any]] = {}
    rest: list[Any] = []
    for child in children:
        if isinstance(child[0], str) and child[0].endswith("List"):
            lists.setdefault(child[0], []).append((child[0][:-4], child[1], child[2]))
        else:
            rest.append(child)
    for list_name, elements in lists.items():
        if list_name in _PAIRED:
            rest.append((list_name, "", [tuple(e[2]) for e in elements]))
        else:
            rest.append((list_name, "", elements))
    epcs: list[Any] = [("epc", c[1], []) for c in rest if c[0] == "childEPCs"]
    if epcs:
        rest = [c for c in rest if c[0] != "childEPCs"]
        rest.append(("childEPCs", "", epcs))
    out = [c if c[0] in _PAIRED else _restructured(c) for c in rest]
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (
        name == "quantity" and out
    ):
        name = "quantityElement"
    return (name, text, out)


class _Writer:
    """Writes the pre-hash string of a restructured event."""

    def __init__(self, normalise: Callable[[str], str]) -> None:
        self.normalise = normalise

    def canonical(self, text: str) -> str:
        for old, new in _OLD_VOCABULARY:
            text = text.replace(old, new)
        return self.normalise(canonical_value(text))

    def element(self, child: Node, order: Order | None) -> str:
        inner = self.ordered(child[2], order) if order else ""
        text = child[1].strip()
        if text:
            name = child[0].lower()
            is_time = "time" in name and "offset" not in name
            text = "=" + (canonical_time(text) if is_time else self.canonical(text))
        return child[0] + text + inner if text or inner else ""

    def ordered(self, children: list[Any], order: Order) -> str:
        """The children `order` names, in its order, each name's values sorted; what is
        written is taken out of `children`, so that only what the order does not place is
        left. A nested element's namespaced extensions follow its own fields."""
        extensions = _extensions(children)
        text = ""
        for name, inner in order:
            values = []
            for child in [c for c in children if c[0] == name]:
                written = self.element(child, inner)
                if written:
                    values.append(written)
                if not child[2]:
                    children.remove(child)
            text += "".join(sorted(values))
        return text + (self.generic(extensions) if extensions else "")

    def generic(self, children: Sequence[Any]) -> str:
        """Elements the order does not place, each with its children, sorted unless they
        are the parts of one business transaction, source or destination."""
        values = []
        for child in children:
            if child and isinstance(child[0], tuple):
                values.append(self.generic(child))
                continue
            text = child[1].strip()
            text = "=" + self.canonical(text) if text else ""
            values.append(child[0] + text + self.generic(child[2]))
        if len(children) > 1 and not any(
            isinstance(c[0], str) and c[0] in _UNSORTED for c in children
        ):
            values.sort()
        return "".join(values)


def _extensions(children: list[Any]) -> list[Any]:
    """The namespaced elements of a nested element (not of the event itself), taken out."""
    if len(children) <= 1 or any(c[0] in ("eventTime", "action") for c in children):
        return []
    found = [c for c in children if isinstance(c[0], str) and "{" in c[0] and "/}" in c[0]]
    for c in found:
        children.remove(c)
    return found


def prehash(
    event: Mapping[str, Any],
    normalise: Callable[[str], str],
    namespaces: Mapping[str, str],
) -> str:
    """The pre-hash string of an event; `namespaces` are the prefixes the document's context
    declares (the event's own context adds to them), `normalise` writes a GS1 key as GS1
    Digital Link."""
    own = {**namespaces, **prefixes(event.get("@context"))}
    words = _words_written_out(dict(event), _vocabulary(event))
    tree = _restructured(_Tree(own).node(words))
    children = list(tree[2])
    writer = _Writer(normalise)
    ordered = writer.ordered(children, ORDER)
    rest = [c for c in children if c[0] not in _IGNORED]
    return f"eventType={event['type']}{ordered}{writer.generic(rest) if rest else ''}"
