"""The disclosure policy as data: per procedure, which document fields an authority gets."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from corridor.documents.kinds import SCHEMAS
from corridor.model import DocumentKind

Procedure = Literal["export", "transit", "import"]


class Policy(BaseModel):
    """Entitled fields per procedure and document kind (None = every field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    procedures: dict[Procedure, dict[DocumentKind, Literal["all"] | list[str]]]
    # Fields of each goods line left out for an authority applying the procedure.
    withhold_in_items: dict[Procedure, list[Literal["value"]]] = Field(default_factory=dict)

    @field_validator("procedures")
    @classmethod
    def _known_fields(
        cls, value: dict[Procedure, dict[DocumentKind, Literal["all"] | list[str]]]
    ) -> dict[Procedure, dict[DocumentKind, Literal["all"] | list[str]]]:
        for proc, kinds in value.items():
            for kind, fields in kinds.items():
                schema = SCHEMAS.get(kind)
                if schema is None:
                    raise ValueError(f"{proc}: {kind.value} is not a signed document kind")
                unknown = [] if fields == "all" else sorted(set(fields) - set(schema.model_fields))
                if unknown:
                    raise ValueError(f"{proc}.{kind.value}: unknown fields {unknown}")
        return value

    def withheld_in_items(self, procedure: str) -> list[str]:
        """Goods-line fields an authority applying `procedure` does not receive."""
        return list(self.withhold_in_items.get(procedure, []))  # type: ignore[call-overload]

    def entitled(self, procedure: str, kind: DocumentKind) -> list[str]:
        """The fields of `kind` an authority applying `procedure` receives ([] = none)."""
        fields = self.procedures.get(procedure, {}).get(kind)  # type: ignore[call-overload]
        if fields is None:
            return []
        return list(SCHEMAS[kind].model_fields) if fields == "all" else list(fields)


@cache
def shipped_policy() -> Policy:
    """The policy shipped with the package."""
    text = resources.files("corridor.exchange").joinpath("policy.yaml").read_text("utf-8")
    return Policy.model_validate(yaml.safe_load(text))
