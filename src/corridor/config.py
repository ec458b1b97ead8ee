"""Node settings, read from the environment once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where the node keeps its data and how much it accepts."""

    data_dir: Path
    database_url: str
    max_json_bytes: int = 1 << 20
    max_document_bytes: int = 10 << 20

    @classmethod
    def from_env(cls) -> Settings:
        """CORRIDOR_DATA_DIR (default ./var) and CORRIDOR_DATABASE_URL (default: SQLite there)."""
        data_dir = Path(os.environ.get("CORRIDOR_DATA_DIR", "var")).resolve()
        url = os.environ.get("CORRIDOR_DATABASE_URL") or f"sqlite:///{data_dir / 'corridor.db'}"
        return cls(data_dir=data_dir, database_url=url)
