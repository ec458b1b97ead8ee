"""Words for the codes the pages show (document kinds, procedures, statuses), marked for
the catalogue; a code with no word here is shown as it is."""

from __future__ import annotations


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
    # Document kinds
    "commercial_invoice": N_("commercial invoice"),
    "packing_list": N_("packing list"),
    "rail_consignment_note": N_("rail consignment note (CIM/SMGS)"),
    "ferry_waybill": N_("ferry waybill"),
    "sea_waybill": N_("sea waybill"),
    "certificate_of_origin": N_("certificate of origin"),
    "transit_declaration": N_("transit declaration"),
    "licence": N_("licence"),
    "nuclear_licence": N_("nuclear licence"),
    "dual_use_permit": N_("dual-use permit"),
    "transit_guarantee": N_("transit guarantee"),
    "phytosanitary_certificate": N_("phytosanitary certificate"),
    "veterinary_certificate": N_("veterinary certificate"),
    "cbam_authorisation": N_("authorised CBAM declarant status"),
    "steel_input_origin": N_("origin of iron and steel inputs (mill certificate)"),
    "inspection_act": N_("inspection act"),
    "customs_release": N_("customs release"),
    "emissions_statement": N_("emissions statement"),
    "other": N_("other document"),
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
