"""The holder's side of NCTS movements, on the shipment's parties' node: each declaration
lodged with a national NCTS and every message sent to it or answered by it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from corridor.store.tables import Base


class LodgedRow(Base):
    __tablename__ = "ncts_lodged"

    # The holder's local reference number is the key until the national NCTS gives the MRN.
    lrn: Mapped[str] = mapped_column(String(22), primary_key=True)
    shipment_id: Mapped[str] = mapped_column(String(36), index=True)
    country: Mapped[str] = mapped_column(String(2))
    holder_id: Mapped[str] = mapped_column(String(64))
    mrn: Mapped[str | None] = mapped_column(String(18), unique=True)
    state: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LodgedMessageRow(Base):
    __tablename__ = "ncts_lodged_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lrn: Mapped[str] = mapped_column(ForeignKey("ncts_lodged.lrn"), index=True)
    # "out": sent by the holder; "in": answered by the national NCTS.
    direction: Mapped[str] = mapped_column(String(3))
    message: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(24))
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime]
