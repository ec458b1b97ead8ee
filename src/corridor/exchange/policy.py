"""The disclosure policy: per procedure, which document fields an authority gets.

What each authority receives of a document kind is stated with the kind, in the registry
(`documents.kinds.KINDS`); `policy.yaml` holds what is not about one kind (the goods-line
fields withheld per procedure) and the policy's version.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from corridor.documents.kinds import KINDS, SCHEMAS
from corridor.model import DocumentKind

Procedure = Literal["export", "transit", "import"]


class Policy(BaseModel):
    """The goods-line fields withheld per procedure, and the policy's version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    # Fields of each goods line left out for an authority applying the procedure.
    withhold_in_items: dict[Procedure, list[Literal["value"]]] = Field(default_factory=dict)

    def withheld_in_items(self, procedure: str) -> list[str]:
        """Goods-line fields an authority applying `procedure` does not receive."""
        return list(self.withhold_in_items.get(procedure, []))  # type: ignore[call-overload]

    def entitled(self, procedure: str, kind: DocumentKind) -> list[str]:
        """The fields of `kind` an authority applying `procedure` receives ([] = none)."""
        fields = KINDS[kind].disclosed.get(procedure, ())
        return list(SCHEMAS[kind].model_fields) if fields == "all" else list(fields)


@cache
def shipped_policy() -> Policy:
    """The policy shipped with the package."""
    text = resources.files("corridor.exchange").joinpath("policy.yaml").read_text("utf-8")
    return Policy.model_validate(yaml.safe_load(text))
