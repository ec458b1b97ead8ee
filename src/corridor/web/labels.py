"""Words for the codes the pages show (document kinds, procedures, statuses), marked for
the catalogue; a code with no word here is shown as it is."""

from __future__ import annotations

from corridor.services import drafting


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


LABELS: dict[str, str] = {
    # Custody steps (EPCIS hand-overs)
    "stuffing": N_("stuffed into the container"),
    "unstuffing": N_("unstuffed from the container"),
    "loading": N_("loaded on a wagon or vessel"),
    "unloading": N_("unloaded from a wagon or vessel"),
    "departing": N_("departed"),
    "arriving": N_("arrived"),
    "border_crossing": N_("crossed the border"),
    "seal_check": N_("seal checked"),
    "customs_hold": N_("held by customs"),
    "sensor_reading": N_("sensor reading"),
    # Bases of an emissions statement
    "planned": N_("planned"),
    "travelled": N_("travelled"),
    "travelled and planned": N_("travelled and then planned"),
    # Procedures
    "export": N_("export"),
    "transit": N_("transit"),
    "import": N_("import"),
    # Statuses of shipments and declarations
    "submitted": N_("submitted"),
    "in_transit": N_("in transit"),
    "arrived": N_("arrived"),
    "open": N_("open"),
    "held": N_("held"),
    "checked": N_("checked"),
    "inspected": N_("inspected"),
    "released": N_("released"),
    "not_released": N_("not released"),
    "awaiting_endorsement": N_("awaiting a chief's endorsement"),
    "information_requested": N_("information requested"),
}
# Document kinds: their names come from the kinds' registry (one home per kind).
LABELS.update(drafting.KIND_NAMES)
