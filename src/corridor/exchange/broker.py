"""Broker credentials: each node connects to NATS as a user of its own (an nkey) that may
publish only to other nodes' inboxes, read only its own, and write only its own directory
entries. The broker operator holds an admin user that creates the stream and the directory
bucket; a node cannot delete, purge or reconfigure them.

The server side is an `authorization` block of the NATS server's configuration, written by
`server_config` from each node's public key (`corridor trust broker-user` on each node, then
`corridor trust broker-config` at the operator's).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nkeys

from corridor.exceptions import InvalidInput
from corridor.exchange.bus import (
    bucket_name,
    consumer_name,
    dead_consumer_name,
    dead_subject,
    inbox_subject,
    reply_prefix,
)

SEED_FILE = "nats-user.nk"


def ensure_user(data_dir: Path) -> tuple[Path, str]:
    """This node's broker user: its seed file (made once, readable by the node's account
    only) and its public key."""
    path = data_dir / SEED_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(seed)
    return path, public_key(path)


def public_key(seed_file: Path) -> str:
    """The public key (U...) of a user seed file."""
    try:
        pair = nkeys.from_seed(bytearray(seed_file.read_bytes().strip()))
    except (OSError, nkeys.NkeysError) as exc:
        raise InvalidInput(f"{seed_file} is not a NATS user seed: {exc}") from None
    return str(pair.public_key.decode())


def node_permissions(node: str, prefix: str = "corridor", stream: str = "CORRIDOR") -> Any:
    """What one node's user may do: send to any node's inbox, read and acknowledge only its
    own (through its own consumer, whose filter is pinned in the request subject), set
    aside its own dead letters and read them back to replay, read the whole directory and
    write only its own entries."""
    durable = consumer_name(node)
    dead = dead_consumer_name(node)
    bucket = bucket_name(stream)
    kv_stream = f"KV_{bucket}"
    api = "$JS.API"
    return {
        "publish": {
            "allow": [
                inbox_subject(prefix, "*"),
                dead_subject(prefix, node),
                f"{api}.STREAM.INFO.{stream}",
                f"{api}.CONSUMER.CREATE.{stream}.{durable}.{inbox_subject(prefix, node)}",
                f"{api}.CONSUMER.INFO.{stream}.{durable}",
                f"{api}.CONSUMER.MSG.NEXT.{stream}.{durable}",
                f"$JS.ACK.{stream}.{durable}.>",
                # Its own dead letters, read back through a consumer of its own to replay.
                f"{api}.CONSUMER.CREATE.{stream}.{dead}.{dead_subject(prefix, node)}",
                f"{api}.CONSUMER.INFO.{stream}.{dead}",
                f"{api}.CONSUMER.MSG.NEXT.{stream}.{dead}",
                f"$JS.ACK.{stream}.{dead}.>",
                f"{api}.STREAM.INFO.{kv_stream}",
                f"{api}.CONSUMER.CREATE.{kv_stream}.>",
                f"{api}.CONSUMER.CREATE.{kv_stream}",
                f"{api}.CONSUMER.INFO.{kv_stream}.>",
                f"{api}.CONSUMER.DELETE.{kv_stream}.>",
                f"{api}.DIRECT.GET.{kv_stream}.>",
                f"{api}.DIRECT.GET.{kv_stream}",
                f"{api}.STREAM.MSG.GET.{kv_stream}",
                f"$KV.{bucket}.{node}.>",
            ]
        },
        # Replies (JetStream answers, fetched messages) come to the node's own inbox prefix.
        "subscribe": {"allow": [f"{reply_prefix(node)}.>"]},
    }


def server_config(
    users: Mapping[str, str], admin: str, prefix: str = "corridor", stream: str = "CORRIDOR"
) -> str:
    """The `authorization` block of a NATS server configuration: the operator's admin user
    with every right, and one user per node (node id -> public key) with its own."""
    for name, key in {"admin": admin, **users}.items():
        if not (key.startswith("U") and len(key) == 56):
            raise InvalidInput(f"{name}: {key!r} is not a NATS user public key (U..., 56 chars)")
    entries = [{"nkey": admin}] + [
        {"nkey": key, "permissions": node_permissions(node, prefix, stream)}
        for node, key in sorted(users.items())
    ]
    # NATS configuration reads JSON as it is.
    return "authorization " + json.dumps({"users": entries}, indent=2) + "\n"
