"""The demo corridor's national nodes: the authorities' roots, certified nodes, and the
bus between them, so the demo runs the federation exactly as separate countries would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from corridor.config import Settings
from corridor.demo.story import DEMO, Story
from corridor.exceptions import InvalidInput
from corridor.exchange.bus import Bus, InProcessBus
from corridor.exchange.runtime import Exchange
from corridor.model import Organisation, Role
from corridor.services import customs, disclosure, federation, organisations, targeting
from corridor.services.context import NODE_ADMIN, Context


def register_directory(ctx: Context, now: datetime, story: Story = DEMO) -> None:
    """Register the story's organisations this node does not know yet (the organisation
    directory is public, so every node of the demo corridor holds it)."""
    known = {o.id for o in organisations.list_all(ctx)}
    for org in story.organisations:
        if org.id not in known:
            organisations.register(ctx, NODE_ADMIN, org, now)


class Corridor:
    """The demo corridor's national nodes (each its own store and keys in its own folder),
    the authorities' roots that certify them, and the bus between them, for one story."""

    def __init__(
        self, root: Path, nodes: dict[str, Context], bus: Bus, story: Story = DEMO
    ) -> None:
        self.root, self.nodes, self.bus, self.story = root, nodes, bus, story

    @classmethod
    def open(
        cls,
        root: Path,
        now: datetime,
        bus: Bus | None = None,
        clock: Callable[[], datetime] | None = None,
        story: Story = DEMO,
    ) -> Corridor:
        """The story's nodes under `root`, their clocks standing at `now` (or running on
        `clock`)."""
        carrier = bus or InProcessBus()
        nodes: dict[str, Context] = {}
        for name, org_id in story.national_nodes.items():
            nodes[name] = national_node(
                root / name, name, org_id, now, bus=carrier, clock=clock, story=story
            )
        corridor = cls(root, nodes, carrier, story)
        asyncio.run(corridor.sync())
        return corridor

    async def sync(self) -> None:
        """Every node publishes its statements, then every node reads everyone's."""
        for node in self.nodes.values():
            assert node.exchange is not None
            await node.exchange.publish()
        for node in self.nodes.values():
            assert node.exchange is not None
            await node.exchange.refresh()

    def node_of(self, authority: Organisation) -> Context:
        """The national node run by a customs authority."""
        for name, org_id in self.story.national_nodes.items():
            if org_id == authority.id:
                return self.nodes[name]
        raise InvalidInput(f"{authority.id!r} runs no node of the demo corridor")

    def pin_on(self, ctx: Context) -> None:
        """Give another node of the demo the pinned roots and the corridor directory, so it
        trusts what the authorities' nodes vouch for."""
        any_node = next(iter(self.nodes.values()))
        assert any_node.exchange is not None
        ctx.settings.data_dir.mkdir(parents=True, exist_ok=True)
        (ctx.settings.data_dir / "roots.json").write_text(
            (self.root / "roots.json").read_text("utf-8"), "utf-8"
        )
        (ctx.settings.data_dir / "directory.json").write_text(
            any_node.exchange.directory.to_json(), "utf-8"
        )

    def close(self) -> None:
        for node in self.nodes.values():
            node.close()


def demo_roots(root: Path, story: Story = DEMO) -> Path:
    """The demo authorities' roots (one per country of the story's organisations, kept under
    `root/authorities/<country>/`) and the pinned-roots file all demo nodes share."""
    countries = sorted({o.country for o in story.organisations})
    pinned = [federation.root_key(root / "authorities" / c, c)[0] for c in countries]
    path = root / "roots.json"
    text = federation.roots_file(pinned)
    if not path.exists() or path.read_text("utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return path


def join(
    ctx: Context,
    name: str,
    org_id: str,
    now: datetime,
    root: Path,
    bus: Bus | None = None,
    story: Story = DEMO,
) -> Exchange:
    """Make `ctx` a national node of the demo corridor: the authority of its operator's
    country certifies it (offline in real life: a request, then a signed certificate), and
    it starts its exchange with the pinned roots."""
    roots = demo_roots(root, story)
    operator = story.organisation(org_id)
    # An authority's node hosts the authority alone; any other demo node the demo's
    # companies and the node's operator, who signs its members' key events (registering,
    # suspending) with a key of its own on the node.
    members = (
        [org_id]
        if operator.role is Role.CUSTOMS
        else [o.id for o in story.organisations if o.role is not Role.CUSTOMS]
    )
    req = federation.request(ctx, name, org_id, members)
    pinned, signer = federation.root_key(root / "authorities" / req["country"], req["country"])
    cert = federation.certify(pinned, signer, req, now)
    cert_path = ctx.settings.data_dir / "node-cert.json"
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.write_text(cert.to_json(), "utf-8")
    return disclosure.start_exchange(
        ctx, name, org_id, None, now, roots=roots, certificate=cert_path, bus=bus
    )


def national_node(
    folder: Path,
    name: str,
    org_id: str,
    now: datetime,
    *,
    bus: Bus | None = None,
    database_url: str | None = None,
    root: Path | None = None,
    clock: Callable[[], datetime] | None = None,
    story: Story = DEMO,
) -> Context:
    """A national node of the demo corridor in its own folder (SQLite there unless a
    database is given), run by `org_id`, knowing the demo organisations, certified by the
    demo roots kept under `root` (default: the folder's parent), with its exchange over
    `bus` (in-process by default); its clock stands at `now` unless a running `clock` is
    given."""
    node = Context.open(
        Settings(data_dir=folder, database_url=database_url or f"sqlite:///{folder / 'node.db'}"),
        clock=clock or (lambda: now),
    )
    register_directory(node, now, story)
    join(node, name, org_id, now, root or folder.parent, bus, story)
    # The authority's demo targeting, unless this node already has some in force.
    text = targeting.shipped_profiles(org_id)
    if text is not None and targeting.profiles_in_force(node) is None:
        customs.install_profiles(node, NODE_ADMIN, text, now)
    return node
