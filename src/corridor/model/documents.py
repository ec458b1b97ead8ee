"""Kinds of trade and transport documents."""

from __future__ import annotations

from enum import StrEnum


class DocumentKind(StrEnum):
    """The paper documents the corridor replaces."""

    COMMERCIAL_INVOICE = "commercial_invoice"
    PACKING_LIST = "packing_list"
    RAIL_CONSIGNMENT_NOTE = "rail_consignment_note"
    FERRY_WAYBILL = "ferry_waybill"
    SEA_WAYBILL = "sea_waybill"
    CERTIFICATE_OF_ORIGIN = "certificate_of_origin"
    TRANSIT_DECLARATION = "transit_declaration"
    LICENCE = "licence"
    NUCLEAR_LICENCE = "nuclear_licence"
    DUAL_USE_PERMIT = "dual_use_permit"
    TRANSIT_GUARANTEE = "transit_guarantee"
    PHYTOSANITARY_CERTIFICATE = "phytosanitary_certificate"
    VETERINARY_CERTIFICATE = "veterinary_certificate"
    # EU: the importer's authorised CBAM declarant status (Reg. (EU) 2023/956 as amended).
    CBAM_AUTHORISATION = "cbam_authorisation"
    # EU: evidence that iron and steel products hold no Russian-origin inputs
    # (Reg. (EU) 833/2014 Art. 3g), e.g. the mill test certificate naming the melt country.
    STEEL_INPUT_ORIGIN = "steel_input_origin"
    # Transport chain GHG emissions (ISO 14083:2023, GLEC Framework v3), from the legs
    # travelled or planned.
    EMISSIONS_STATEMENT = "emissions_statement"
    INSPECTION_ACT = "inspection_act"
    CUSTOMS_RELEASE = "customs_release"
    # Any other decision of an authority on a declaration (a hold, a request for
    # information, a documentary check, a refusal), signed so the trader can trust it.
    CUSTOMS_DECISION = "customs_decision"
    # An authority's proof that its leg of the journey ended (transit completed, exit
    # confirmed, a TIR operation terminated), handed to the next leg's authority.
    LEG_END = "leg_end"
    OTHER = "other"
