"""Pages anyone may open: home, sign-in and sign-out, language, the verifier, the network
map with its route finder, the harmonisation matrix and the simulator."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from corridor.exceptions import AuthenticationFailed, CorridorError, TooManyAttempts
from corridor.model import Role, RoutePreference
from corridor.services import network, papers, rules, sessions, simulation
from corridor.web import i18n
from corridor.web.maps import draw
from corridor.web.view import SESSION_COOKIE, View, view

router = APIRouter()
V = Annotated[View, Depends(view)]
MAX_UPLOAD = 10 << 20
SIM_CONTAINERS = (150, 300, 600)
SIM_SEEDS = (2, 3, 4)


def _safe_next(v: View, target: str | None) -> str:
    """Where to go after signing in: a page of this UI, never another site."""
    if target and target.startswith(v.base + "/") and "//" not in target and "\\" not in target:
        return target[len(v.base) :]
    return "/"


@router.get("/", name="home")
def home(v: V) -> Response:
    """Each role's starting page; the public pages for everyone else."""
    who = v.session.organisation if v.session else None
    if v.session and v.session.officer:
        return v.redirect("/customs")
    if who and who.role is not Role.OPERATOR and who.role is not Role.CUSTOMS:
        return v.redirect("/shipments")
    return v.page("home.html")


@router.get("/signin")
def signin_form(v: V, next: str | None = None) -> Response:
    return v.page("signin.html", next=next or "", error=None)


@router.post("/signin")
async def signin(v: V) -> Response:
    form = await v.form()
    key = str(form.get("key") or "")
    target = _safe_next(v, str(form.get("next") or ""))
    try:
        client = v.request.client.host if v.request.client else None
        token, _ = await run_in_threadpool(sessions.sign_in, v.ctx, key, v.ctx.clock(), client)
    except AuthenticationFailed as error:
        status = 429 if isinstance(error, TooManyAttempts) else 401
        return v.page("signin.html", status=status, next=target, error=error.detail)
    v.cookies.append((SESSION_COOKIE, token))
    return v.redirect(target)


@router.post("/signout")
async def signout(v: V) -> Response:
    await v.form()
    if v.token:
        await run_in_threadpool(sessions.sign_out, v.ctx, v.token)
    v.cookies.append((SESSION_COOKIE, None))
    return v.redirect("/")


@router.get("/language/{code}")
def language(v: V, code: str, next: str | None = None) -> Response:
    """Switch the language (kept in a cookie; the browser's choice until then)."""
    if code in i18n.LOCALES:
        v.cookies.append((i18n.COOKIE, code))
    return v.redirect(_safe_next(v, next))


@router.get("/verify")
def verify_form(v: V) -> Response:
    return v.page("verify.html", verdict=None, checks=[])


@router.post("/verify")
async def verify(v: V) -> Response:
    """Verify an uploaded PDF or pasted QR text / token: the three checks."""
    form = await v.form()
    upload = form.get("file")
    data = b""
    if upload is not None and not isinstance(upload, str):
        data = await upload.read(MAX_UPLOAD + 1)
    await form.close()
    if not data:
        data = str(form.get("text") or "").strip().encode()
    if not data:
        return v.page(
            "verify.html",
            status=422,
            verdict=None,
            checks=[],
            error=v._("Choose a PDF or paste the text of a QR code or a token."),
        )
    verdict = await run_in_threadpool(papers.verdict, v.ctx, data)
    return v.page("verify.html", verdict=verdict, checks=papers.three_checks(verdict))


@router.get("/network")
def network_map(
    v: V,
    origin: str | None = None,
    destination: str | None = None,
    prefer: RoutePreference = RoutePreference.FASTEST,
) -> Response:
    """The corridor drawn from its nodes' coordinates, with a route finder: pick the ends
    by name or by clicking two nodes on the map."""
    nodes = network.nodes(v.ctx.network)
    found = None
    error = None
    if origin and destination:
        try:
            found = network.route(v.ctx.network, origin, destination, prefer)
        except CorridorError as e:
            error = e.detail
    svg = draw(v.ctx.network, found, origin, destination, prefer, v.url("/network"), v._)
    return v.page(
        "network.html",
        nodes=sorted(nodes, key=lambda n: (n.country, n.name)),
        names={n.id: n.name for n in nodes},
        route=found,
        svg=svg,
        origin=origin or "",
        destination=destination or "",
        prefer=prefer.value,
        error=error,
    )


@router.get("/rules")
def rules_matrix(v: V, origin: str | None = None, destination: str | None = None) -> Response:
    """Who requires what across the jurisdictions, and where they differ."""
    day = v.ctx.clock().date()
    try:
        matrix = rules.harmonisation(v.ctx.engine, origin or None, destination or None, day)
        error = None
    except CorridorError as e:
        matrix, error = rules.harmonisation(v.ctx.engine, None, None, day), e.detail
    return v.page(
        "rules.html",
        matrix=matrix,
        packs=rules.packs(v.ctx.engine, v.ctx.clock().date()),
        nodes=sorted(network.nodes(v.ctx.network), key=lambda n: n.name),
        origin=origin or "",
        destination=destination or "",
        error=error,
    )


def _images(files: list[Path]) -> dict[str, str]:
    """The SVG plots among `files`, base64 by name."""
    return {f.stem: base64.b64encode(f.read_bytes()).decode() for f in files if f.suffix == ".svg"}


def _simulate(
    containers: int, seeds: int, season: str
) -> tuple[simulation.CompareReport, dict[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        report = simulation.compare(
            simulation.scenarios(), containers, range(1, seeds + 1), Path(folder), season=season
        )
        return report, _images(report.files)


def _sensitivity(containers: int) -> tuple[list[Any], dict[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        swings, files = simulation.sensitivity("today", (1,), containers, Path(folder))
        return swings[:15], _images(files)


def _choice(form: Any, name: str, allowed: tuple[Any, ...]) -> Any:
    """A form value among `allowed` (the first when absent or not allowed)."""
    raw = str(form.get(name) or "")
    return next((a for a in allowed if str(a) == raw), allowed[0])


def _sim_page(v: V, **extra: Any) -> Response:
    return v.page(
        "simulate.html",
        sizes=SIM_CONTAINERS,
        seed_counts=SIM_SEEDS,
        seasons=simulation.seasons(),
        **{
            "report": None,
            "images": {},
            "swings": None,
            "chosen": SIM_CONTAINERS[0],
            "seeds": SIM_SEEDS[0],
            "season": "year",
            **extra,
        },
    )


@router.get("/simulate")
def simulate_form(v: V) -> Response:
    return _sim_page(v)


@router.post("/simulate")
async def simulate(v: V) -> Response:
    """Every scenario over a few seeds on a small sample: medians with their intervals
    against the published figures, the procedure/capacity decomposition, the fleet the
    target takes, and the plots; or, with `what=sensitivity`, the tornado."""
    form = await v.form()
    containers = _choice(form, "containers", SIM_CONTAINERS)
    if str(form.get("what") or "") == "sensitivity":
        swings, images = await run_in_threadpool(_sensitivity, containers)
        return _sim_page(v, swings=swings, images=images, chosen=containers)
    seeds = _choice(form, "seeds", SIM_SEEDS)
    season = _choice(form, "season", tuple(simulation.seasons()))
    report, images = await run_in_threadpool(_simulate, containers, seeds, season)
    return _sim_page(v, report=report, images=images, chosen=containers, seeds=seeds, season=season)
