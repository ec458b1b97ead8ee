"""The two servers `bench_api.py` loads, each run by uvicorn in a process of its own:

- `corridor`: the node's app over the store named by CORRIDOR_DATABASE_URL;
- `baseline`: the least a JSON-over-PostgreSQL service does — FastAPI, SQLAlchemy 2, one
  JSONB table with an (owner, created_at) index, the same pool size and worker threads.
"""

from __future__ import annotations

import os
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from anyio import to_thread
from fastapi import FastAPI, HTTPException
from sqlalchemy.dialects.postgresql import JSONB

from corridor.asgi import create_app
from corridor.config import Settings
from corridor.services import Context

SETTINGS = Settings.from_env()


def corridor() -> FastAPI:
    return create_app(Context.open(SETTINGS))


metadata = sa.MetaData()
items = sa.Table(
    "bench_items",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("body", JSONB, nullable=False),
    sa.Index("ix_bench_items_owner", "owner", "created_at"),
)


def baseline() -> FastAPI:
    url = os.environ["BENCH_BASELINE_URL"]
    engine = sa.create_engine(
        url, pool_size=SETTINGS.pool_size, max_overflow=SETTINGS.pool_size, pool_pre_ping=False
    )
    metadata.create_all(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        to_thread.current_default_thread_limiter().total_tokens = SETTINGS.threads
        yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/items", status_code=201)
    def create(body: dict[str, Any], owner: str = "o1") -> dict[str, Any]:
        row = {"id": str(uuid.uuid4()), "owner": owner, "created_at": datetime.now(UTC)}
        with engine.begin() as conn:
            conn.execute(items.insert().values(**row, body=body))
        return {**row, "body": body}

    @app.get("/items")
    def listing(owner: str, limit: int = 100) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(items)
                .where(items.c.owner == owner)
                .order_by(items.c.created_at.desc())
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows]

    @app.get("/items/{item_id}")
    def get(item_id: str) -> dict[str, Any]:
        with engine.connect() as conn:
            row = conn.execute(sa.select(items).where(items.c.id == item_id)).first()
        if row is None:
            raise HTTPException(404)
        return dict(row._mapping)

    return app
