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
    # Topics of the rules (the rows of the harmonisation matrix)
    "certificate.phytosanitary": N_("Phytosanitary certificate"),
    "certificate.veterinary": N_("Veterinary certificate"),
    "declaration.exit": N_("Exit declaration"),
    "documents.commercial": N_("Commercial documents"),
    "documents.rail_consignment_note": N_("Rail consignment note"),
    "documents.transit": N_("Transit documents"),
    "documents.transit_declaration": N_("Transit declaration"),
    "evidence.steel_inputs": N_("Origin of the steel inputs"),
    "guarantee.transit": N_("Transit guarantee"),
    "licence.nuclear": N_("Nuclear and radioactive goods licence"),
    "permit.cbam": N_("CBAM authorisation"),
    "permit.dual_use": N_("Dual-use export authorisation"),
    "pre_arrival.declaration": N_("Pre-arrival declaration"),
    "pre_arrival.rail": N_("Pre-arrival information, rail"),
    "pre_arrival.road": N_("Pre-arrival information, road"),
    "pre_arrival.sea": N_("Pre-arrival information, sea"),
    "seals.navigation": N_("Electronic navigation seals"),
    "languages": N_("Languages of the declaration"),
    "transit_systems": N_("Transit systems"),
    # Who lodges pre-arrival data
    "by:carrier": N_("the carrier"),
    "by:declarant": N_("the declarant"),
    "by:carrier_or_declarant": N_("the carrier or the declarant"),
    # Modes of transport
    "mode:rail": N_("rail"),
    "mode:ferry": N_("ferry"),
    "mode:sea": N_("sea"),
    "mode:road": N_("road"),
    # Hubs and units of an emissions statement
    "hub:container_terminal": N_("container terminal"),
    "hub:transshipment": N_("transshipment"),
    "unit:tkm": N_("t·km"),
    "unit:TEU-km": N_("TEU·km"),
    "unit:containers": N_("containers"),
    "unit:t": N_("t"),
}
# Document kinds: their names come from the kinds' registry (one home per kind).
LABELS.update(drafting.KIND_NAMES)

# The fields of received documents, as an officer reads them (a field with no words here is
# shown with its underscores as spaces).
FIELDS: dict[str, str] = {
    "action": N_("Action"),
    "amount_to_be_covered": N_("Amount to be covered"),
    "basis": N_("Basis"),
    "buyer": N_("Buyer"),
    "cargo_t": N_("Cargo, t"),
    "carrier": N_("Carrier"),
    "consignee": N_("Consignee"),
    "consignor": N_("Consignor"),
    "countries_of_routing": N_("Countries of routing"),
    "country_of_origin": N_("Country of origin"),
    "decision": N_("Decision"),
    "declarant": N_("Declarant"),
    "declaration_reference": N_("Declaration reference"),
    "delivery_terms": N_("Delivery terms (Incoterms)"),
    "departure_station": N_("Departure station"),
    "destination_station": N_("Destination station"),
    "document_number": N_("Document number"),
    "elements": N_("Elements"),
    "ended_at": N_("Ended at"),
    "equipment": N_("Containers and seals"),
    "exporter": N_("Exporter"),
    "findings": N_("Findings"),
    "framework": N_("Framework"),
    "goods": N_("Goods"),
    "guarantee_currency": N_("Guarantee currency"),
    "guarantee_reference": N_("Guarantee reference (GRN)"),
    "holder": N_("Holder of the procedure"),
    "instructions": N_("Instructions"),
    "invoice_currency": N_("Invoice currency"),
    "issue_date": N_("Date of issue"),
    "leg": N_("Leg"),
    "licence_type": N_("Licence type"),
    "next_country": N_("Next country"),
    "office": N_("Customs office"),
    "office_of_departure": N_("Office of departure"),
    "office_of_destination": N_("Office of destination"),
    "port_of_discharge": N_("Port of discharge"),
    "port_of_loading": N_("Port of loading"),
    "procedure": N_("Procedure"),
    "procedures": N_("Procedures"),
    "regime": N_("Regime"),
    "reservation": N_("Reservation"),
    "result": N_("Result"),
    "seals_intact": N_("Seals intact"),
    "seller": N_("Seller"),
    "shipper": N_("Shipper"),
    "standard": N_("Standard"),
    "teu": N_("TEU"),
    "total_amount": N_("Total amount"),
    "ttw_kg": N_("TTW kg"),
    "valid_until": N_("Valid until"),
    "vessel_name": N_("Vessel"),
    "wtw_kg": N_("WTW kg"),
    # A goods line's columns
    "sequence": N_("Goods line"),
    "hs_code": N_("HS code"),
    "description": N_("Description"),
    "packages": N_("Packages"),
    "package_type": N_("Package type"),
    "gross_kg": N_("Gross kg"),
    "net_kg": N_("Net kg"),
    "value": N_("Value"),
    "origin_country": N_("Country of origin"),
}
