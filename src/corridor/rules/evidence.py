"""What a shipment holds when its rules are checked: documents verified here, and evidence
attached that the corridor cannot verify, each with a note of what it is and who attached it
(or why it counts nowhere). A rule counts unverified evidence only where it says why that is
enough (`requires.accepts_unverified`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from corridor.model import DocumentKind

__all__ = ["REFUSED", "Holdings", "Said"]

# A note on evidence that counts nowhere (attached by a party who may not provide it, or
# found not to be what it claims) starts with this word.
REFUSED = "refused:"
# A note as a message code and its parameters (`corridor.messages`).
Said = tuple[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class Holdings:
    """The documents a shipment has: verified ones, and evidence attached that is not
    verified here (kind -> what it is and who attached it, or why it does not count)."""

    verified: frozenset[DocumentKind]
    notes: Mapping[DocumentKind, str]
    # The notes as message codes, for a page to say them in its reader's language.
    said: Mapping[DocumentKind, Said] = field(default_factory=dict)
    # Verified or attached as evidence a rule may accept unverified (computed once).
    with_evidence: frozenset[DocumentKind] = field(init=False)

    def __post_init__(self) -> None:
        usable = {k for k, note in self.notes.items() if not note.startswith(REFUSED)}
        object.__setattr__(self, "with_evidence", self.verified | usable)

    def counted(self, unverified_accepted: bool) -> frozenset[DocumentKind]:
        """What counts for a rule that does (or does not) accept unverified evidence."""
        return self.with_evidence if unverified_accepted else self.verified
