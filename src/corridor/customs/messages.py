"""The NCTS Phase 5 messages of a transit movement, each built in the order its official
schema requires and validated before it is returned (see `corridor.customs.ncts`)."""

from __future__ import annotations

from datetime import datetime

from corridor.customs import ncts


def cc015c(m: ncts.Movement, at: datetime, sender: str) -> bytes:
    """IE015 declaration data (trader -> office of departure)."""
    op: ncts.Spec = [
        ("LRN", m.lrn),
        ("declarationType", "T1"),
        ("additionalDeclarationType", "D" if m.pre_lodged else "A"),
        ("security", "0"),
        ("reducedDatasetIndicator", "0"),
        ("bindingItinerary", "0"),
    ]
    transit = [
        ("CustomsOfficeOfTransitDeclared", [("sequenceNumber", str(n)), ("referenceNumber", o)])
        for n, o in enumerate(m.transit_offices, start=1)
    ]
    return ncts.message(
        "CC015C",
        sender,
        f"NTA.{m.departure[:2]}",
        at,
        [
            ("TransitOperation", op),
            ("CustomsOfficeOfDeparture", ncts.office(m.departure)),
            ("CustomsOfficeOfDestinationDeclared", ncts.office(m.destination)),
            *transit,
            ("HolderOfTheTransitProcedure", ncts.holder(m.holder)),
            ("Guarantee", ncts.guarantee(m)),
            ("Consignment", ncts.consignment(m, release=False)),
        ],
    )


def _nta(office: str) -> str:
    return f"NTA.{office[:2]}"


def _to_holder(
    kind: str,
    m: ncts.Movement,
    at: datetime,
    recipient: str,
    operation: ncts.Spec,
    *after: tuple[str, ncts.Spec],
) -> bytes:
    """A message from the office of departure to the holder: the transit operation, the
    office, the holder, then whatever the message adds after them."""
    return ncts.message(
        kind,
        _nta(m.departure),
        recipient,
        at,
        [
            ("TransitOperation", operation),
            ("CustomsOfficeOfDeparture", ncts.office(m.departure)),
            ("HolderOfTheTransitProcedure", ncts.holder(m.holder)),
            *after,
        ],
    )


def cc928c(m: ncts.Movement, at: datetime, recipient: str) -> bytes:
    """IE928 positive acknowledgement of a declaration (office of departure -> holder)."""
    return _to_holder("CC928C", m, at, recipient, [("LRN", m.lrn)])


def cc028c(m: ncts.Movement, at: datetime, recipient: str) -> bytes:
    """IE028 MRN allocated (office of departure -> holder)."""
    return _to_holder(
        "CC028C",
        m,
        at,
        recipient,
        [
            ("LRN", m.lrn),
            ("MRN", ncts.needs_mrn(m)),
            ("declarationAcceptanceDate", at.date().isoformat()),
        ],
    )


def cc029c(m: ncts.Movement, at: datetime, recipient: str, controlled: bool = False) -> bytes:
    """IE029 release for transit (office of departure -> holder)."""
    op: ncts.Spec = [
        ("LRN", m.lrn),
        ("MRN", ncts.needs_mrn(m)),
        ("declarationType", "T1"),
        ("additionalDeclarationType", "D" if m.pre_lodged else "A"),
        ("declarationAcceptanceDate", m.declared_at.date().isoformat()),
        ("releaseDate", at.date().isoformat()),
        ("security", "0"),
        ("reducedDatasetIndicator", "0"),
        ("bindingItinerary", "0"),
    ]
    transit = [
        ("CustomsOfficeOfTransitDeclared", [("sequenceNumber", str(n)), ("referenceNumber", o)])
        for n, o in enumerate(m.transit_offices, start=1)
    ]
    control: ncts.Spec = [
        ("code", "A1"),  # satisfactory
        ("date", at.date().isoformat()),
        ("controlledBy", m.departure),
    ]
    return ncts.message(
        "CC029C",
        _nta(m.departure),
        recipient,
        at,
        [
            ("TransitOperation", op),
            ("CustomsOfficeOfDeparture", ncts.office(m.departure)),
            ("CustomsOfficeOfDestinationDeclared", ncts.office(m.destination)),
            *transit,
            ("HolderOfTheTransitProcedure", ncts.holder(m.holder)),
            ("ControlResult", control if controlled else None),
            ("Guarantee", ncts.guarantee(m)),
            ("Consignment", ncts.consignment(m, release=True)),
        ],
    )


def cc051c(m: ncts.Movement, at: datetime, recipient: str, reason: str) -> bytes:
    """IE051 no release for transit, with the reason in words."""
    return _to_holder(
        "CC051C",
        m,
        at,
        recipient,
        [
            ("MRN", ncts.needs_mrn(m)),
            ("declarationSubmissionDateAndTime", ncts.stamp(m.declared_at)),
            ("noReleaseMotivationCode", ncts.UNCONFIRMED["no_release_motivation"]),
            ("noReleaseMotivationText", reason[:512]),
        ],
    )


def cc055c(m: ncts.Movement, at: datetime, recipient: str, reason: str) -> bytes:
    """IE055 guarantee not valid."""
    return _to_holder(
        "CC055C",
        m,
        at,
        recipient,
        [("MRN", ncts.needs_mrn(m)), ("declarationAcceptanceDate", at.date().isoformat())],
        (
            "GuaranteeReference",
            [
                ("sequenceNumber", "1"),
                ("GRN", m.grn or "00XX0000000000000"),
                (
                    "InvalidGuaranteeReason",
                    [
                        ("sequenceNumber", "1"),
                        ("code", ncts.UNCONFIRMED["invalid_guarantee_reason"]),
                        ("text", reason[:350]),
                    ],
                ),
            ],
        ),
    )


def cc060c(m: ncts.Movement, at: datetime, recipient: str, intention: bool) -> bytes:
    """IE060 control decision: 0 decision to control, 2 intention to control."""
    return _to_holder(
        "CC060C",
        m,
        at,
        recipient,
        [
            ("LRN", m.lrn),
            ("MRN", ncts.needs_mrn(m)),
            ("controlNotificationDateAndTime", ncts.stamp(at)),
            ("notificationType", "2" if intention else "0"),
        ],
    )


def _at_destination(m: ncts.Movement, trader: ncts.Trader) -> ncts.Spec:
    return [
        ("CustomsOfficeOfDestinationActual", ncts.office(m.destination)),
        ("TraderAtDestination", [("identificationNumber", trader.identification or "UNKNOWN")]),
    ]


def cc007c(
    m: ncts.Movement, at: datetime, trader: ncts.Trader, arrived: datetime | None = None
) -> bytes:
    """IE007 arrival notification (trader at destination -> office of destination), prepared
    at `at` for goods that arrived at `arrived` (default: `at`)."""
    return ncts.message(
        "CC007C",
        trader.identification or "TRADER",
        _nta(m.destination),
        at,
        [
            (
                "TransitOperation",
                [
                    ("MRN", ncts.needs_mrn(m)),
                    ("arrivalNotificationDateAndTime", ncts.stamp(arrived or at)),
                    ("simplifiedProcedure", "0"),
                ],
            ),
            *_at_destination(m, trader),
            (
                "Consignment",
                [
                    (
                        "LocationOfGoods",
                        [
                            ("typeOfLocation", "A"),  # designated location
                            ("qualifierOfIdentification", "V"),  # customs office identifier
                            ("CustomsOffice", ncts.office(m.destination)),
                        ],
                    ),
                ],
            ),
        ],
    )


def cc043c(m: ncts.Movement, at: datetime, trader: ncts.Trader) -> bytes:
    """IE043 unloading permission (office of destination -> trader)."""
    return ncts.message(
        "CC043C",
        _nta(m.destination),
        trader.identification or "TRADER",
        at,
        [
            (
                "TransitOperation",
                [
                    ("MRN", ncts.needs_mrn(m)),
                    ("declarationType", "T1"),
                    ("security", "0"),
                    ("reducedDatasetIndicator", "0"),
                ],
            ),
            *_at_destination(m, trader),
        ],
    )


def cc025c(m: ncts.Movement, at: datetime, trader: ncts.Trader) -> bytes:
    """IE025 goods release notification (office of destination -> trader)."""
    return ncts.message(
        "CC025C",
        _nta(m.destination),
        trader.identification or "TRADER",
        at,
        [
            (
                "TransitOperation",
                [
                    ("MRN", ncts.needs_mrn(m)),
                    ("releaseDate", at.date().isoformat()),
                    ("releaseIndicator", ncts.UNCONFIRMED["release_indicator"]),
                ],
            ),
            *_at_destination(m, trader),
        ],
    )


def cc045c(m: ncts.Movement, at: datetime, recipient: str) -> bytes:
    """IE045 write-off notification (office of departure -> holder): the movement has
    ended and the guarantee is freed."""
    return _to_holder(
        "CC045C",
        m,
        at,
        recipient,
        [("MRN", ncts.needs_mrn(m)), ("writeOffDate", at.date().isoformat())],
    )


def cc019c(m: ncts.Movement, at: datetime, recipient: str, remarks: str) -> bytes:
    """IE019 discrepancies (office of departure -> holder): the goods are recovered."""
    return _to_holder(
        "CC019C",
        m,
        at,
        recipient,
        [
            ("MRN", ncts.needs_mrn(m)),
            ("discrepanciesNotificationDate", at.date().isoformat()),
            ("discrepanciesNotificationText", remarks[:512]),
        ],
    )
