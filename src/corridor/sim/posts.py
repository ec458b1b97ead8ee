"""Customs posts in the corridor model: where the route leaves a customs territory, each post
with its regime's time by direction, lanes to queue for, inspections and documentary holds;
a whole-crossing figure counted once, and the interchange's queue only beyond it."""

from __future__ import annotations

import simpy

from corridor.network import Leg
from corridor.sim.base import Base, Proc
from corridor.sim.results import PROCESS, WAIT


class Posts(Base):
    """The customs posts of a run."""

    def _customs_post(self, node: str) -> simpy.Resource:
        if node not in self._customs:
            lanes = int(self.r["customs_lanes"])
            self._customs[node] = simpy.Resource(self.env, capacity=lanes)
            self.capacity[f"customs {node}"] = lanes
        return self._customs[node]

    def _clear(self, node: str, direction: str, ids: list[int]) -> Proc:
        """A customs post: queue, documentary check, maybe inspection, maybe a documentary
        hold. A post whose time is inside its partner's whole-crossing figure takes none; a
        whole-crossing figure is the observed time, queues included, with nothing drawn on
        top: at the interchange a train takes the longer of it and what the interchange's
        queue and platform pool impose."""
        figure = self.r.post(node, direction)
        n = len(ids)
        if figure.v <= 0:
            return
        if figure.crossing:
            observed = self._lognormal(figure.v, self.r["customs_cv"])
            imposed = 0.0
            if self._interchange is not None and node == self.w.interchange_node:
                imposed = yield self.env.process(self._interchange.exchange())
            if observed > imposed:
                yield self.env.timeout(observed - imposed)
            self._book(node, PROCESS, observed, n)
            if imposed > observed:
                self._book(node, WAIT, imposed - observed, n)
            return
        post = self._customs_post(node)
        queued = self.env.now
        with post.request() as req:
            yield req
            self._book(node, WAIT, self.env.now - queued, n)
            service = self._lognormal(figure.v, self.r["customs_cv"])
            if self.rng.random() < self.r["inspect_prob"]:
                service += self._lognormal(self.r["inspect_h"], 0.5)
            start = self.env.now
            yield self.env.timeout(service)
            self.busy[f"customs {node}"] += service
            self._book(node, PROCESS, self.env.now - start, n)
        if self.rng.random() < self.r.hold(node, direction):
            # The load is held on the siding while a paper is sent for; the post is free.
            hold = self._lognormal(self.r["missing_doc_h"], 0.4)
            yield self.env.timeout(hold)
            self._book(node, WAIT, hold, n)

    def _border(self, leg: Leg) -> bool:
        a, b = self.net.nodes[leg.origin], self.net.nodes[leg.destination]
        return self.p.customs_between(a.country, b.country)

    def _cross(self, leg: Leg, ids: list[int]) -> Proc:
        """Exit formalities before a leg that leaves a customs territory."""
        if self._border(leg):
            yield from self._clear(leg.origin, "exit", ids)

    def _enter(self, leg: Leg, ids: list[int]) -> Proc:
        """Entry formalities after a leg that entered a customs territory."""
        if self._border(leg):
            yield from self._clear(leg.destination, "entry", ids)
