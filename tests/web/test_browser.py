"""Journeys through the web UI in Chromium, as people would take them, in English and in
Russian: a shipper submits a shipment, sees NOT READY, issues and attaches the missing
papers, sees READY and sends the pre-arrival data; a carrier records a departure; the
authority's officer finds the declaration in the queue and decides; anyone verifies the
printed PDF and a tampered copy. Every page loads only from the node, passes axe-core
without serious or critical violations, and can be worked with the keyboard."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from corridor import demo
from corridor.customs.references import new_grn
from corridor.demo import customs as demo_customs
from corridor.documents.issuers import issuer_of
from corridor.documents.recipes import token_from_input
from corridor.messages import MESSAGES, fill
from corridor.model import DocumentKind
from corridor.services import disclosure, handover, papers, shipments, targeting
from corridor.services.context import NODE_ADMIN
from corridor.web import i18n
from corridor.web.labels import LABELS
from tests.factories import STORY
from tests.web.browser import (
    AXE,
    BROWSER_LOCALE,
    Served,
    arrive,
    chromium_or_skip,
    serve,
    walk_legs_before,
)

ORGS = {o.id: o for o in STORY.organisations}


@pytest.fixture(scope="module")
def corridor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    chromium_or_skip()
    yield from serve(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = chromium_or_skip()
    with sync_playwright() as p:
        found = p.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield found
        found.close()


class Person:
    """One person's browser: their language, and every request their pages made."""

    def __init__(self, browser: Browser, served: Served, lang: str) -> None:
        self.served, self.lang = served, lang
        self.context: BrowserContext = browser.new_context(
            locale=BROWSER_LOCALE[lang], accept_downloads=True
        )
        # Every click a person makes, counted across the pages of one tab.
        self.context.add_init_script(
            "document.addEventListener('click', e => { if (e.isTrusted) sessionStorage.setItem("
            "'clicks', String(Number(sessionStorage.getItem('clicks') || 0) + 1)); }, true);"
        )
        self.page: Page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.t: Callable[[str], str] = i18n.translations(lang).gettext

    def sign_in(self, key: str, node: str = "") -> None:
        self.page.goto(f"{self.served.base}{node}/ui/signin")
        self.page.get_by_label(self.t("API key")).fill(key)
        self.page.get_by_role("button", name=self.t("Sign in")).click()

    def clicks(self) -> int:
        return int(self.page.evaluate("Number(sessionStorage.getItem('clicks') || 0)"))

    def close(self) -> None:
        hosts = {re.match(r"^[a-z]+://[^/]+", u).group(0) for u in self.requests if "://" in u}  # type: ignore[union-attr]
        assert hosts <= {self.served.base}, f"requests to other hosts: {hosts}"
        self.context.close()


def signed_elsewhere(
    served: Served, shipment_id: str, kind: DocumentKind, issuer: str, folder: Path
) -> Path:
    """A paper its issuer signs on its own node (the Kazakh authority's certificate of
    origin on the KZ node, the rail carrier's CIM/SMGS note on the shipper's) and hands over
    as a file: out of the UI's scope, the issuer's own system."""
    shipment = shipments.get(served.ctx, ORGS["kz-ferroalloy"], shipment_id)
    fields = STORY.papers(shipment)[kind]
    node = served.corridor.nodes["kz"] if issuer == "kz-customs" else served.ctx
    token = papers.sign(node, ORGS[issuer], kind, fields, served.ctx.clock(), shipment_id)
    path = folder / f"{kind.value}.sd-jwt"
    path.write_text(token, "ascii")
    return path


def submit_shipment(me: Person, reference: str) -> str:
    page, t = me.page, me.t
    page.get_by_role("link", name=t("New shipment")).click()
    page.get_by_label(t("Your reference")).fill(reference)
    page.get_by_label(t("Carriers and ports")).select_option(
        ["kz-rail", "aktau-port", "caspian-ferry"]
    )
    containers = page.get_by_label(t("Container numbers (ISO 6346), one per line"))
    containers.fill("CSQU3054384")
    # The model's refusals, in the person's language.
    said = lambda code, **params: fill(t(MESSAGES[code]), params)  # noqa: E731
    expect(page.locator("#containers-msg")).to_contain_text(
        said("container_check_digit", value="'CSQU3054384'", digit="3")
    )
    containers.fill("CSQU3054383")
    expect(page.locator("#containers-msg")).to_contain_text(t("valid"))
    # A second goods line comes and goes.
    page.get_by_role("button", name=t("Add a goods line")).click()
    expect(page.locator("fieldset.line")).to_have_count(2)
    page.locator("fieldset.line").nth(1).get_by_role("button", name=t("Remove this line")).click()
    expect(page.locator("fieldset.line")).to_have_count(1)
    line = page.locator("fieldset.line").first
    line.get_by_label(t("HS code")).fill("72024")
    expect(line.locator(".msg")).to_contain_text(said("hs_code", value="'72024'"))
    line.get_by_label(t("HS code")).fill("720241")
    expect(line.locator(".msg")).to_contain_text(t("valid"))
    for label, value in (
        ("Description", "Ferro-chromium, >4% carbon"),
        ("Packages", "40"),
        ("Package type", "BG"),
        ("Gross kg", "20200"),
        ("Net kg", "30000"),  # a wrong input: more than the gross mass
        ("Value", "92000"),
        ("Currency", "USD"),
        ("Country of origin", "KZ"),
    ):
        line.get_by_label(t(label), exact=True).fill(value)
    page.get_by_role("button", name=t("Submit the shipment")).click()
    # Refused in place: the error beside the net mass, which is marked; nothing typed is lost.
    net = page.locator("fieldset.line").first.get_by_label(t("Net kg"), exact=True)
    expect(net).to_have_attribute("aria-invalid", "true")
    expect(page.locator("fieldset.line .field-error")).to_contain_text(
        said("net_above_gross", net="30000", gross="20200")
    )
    expect(page.get_by_label(t("Your reference"))).to_have_value(reference)
    expect(page.get_by_label(t("Container numbers (ISO 6346), one per line"))).to_have_value(
        "CSQU3054383"
    )
    expect(page.locator("fieldset.line").first.get_by_label(t("HS code"))).to_have_value("720241")
    net.fill("20000")
    page.get_by_role("button", name=t("Submit the shipment")).click()
    expect(page).to_have_url(re.compile(r"/ui/shipments/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def issue(me: Person, kind: str, fill: dict[str, str] | None = None) -> None:
    page, t = me.page, me.t
    page.get_by_role("link", name=t("Issue %(kind)s") % {"kind": t(LABELS[kind])}).first.click()
    for name, value in (fill or {}).items():
        field = page.locator(f"[id='f-{name}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name=t("Sign and attach")).click()
    expect(page.get_by_role("status")).to_contain_text(t("The document was signed and attached."))


def ask_for_certificate(me: Person) -> None:
    page, t = me.page, me.t
    body = issuer_of(DocumentKind.CERTIFICATE_OF_ORIGIN, "KZ")
    assert body is not None
    name = t("Request the %(kind)s from %(body)s") % {
        "kind": t(LABELS["certificate_of_origin"]),
        "body": body.body,
    }
    page.get_by_role("button", name=name).first.click()
    expect(page.locator("#requests-state")).to_contain_text(
        re.compile(
            f"{re.escape(t('queued to be sent'))}|{re.escape(t('sent, not yet received'))}"
            f"|{re.escape(t('received by the issuing body, awaiting its answer'))}"
        )
    )


def issue_requested(served: Served, browser: Browser, lang: str, reference: str) -> None:
    """The Kazakh authority's officer, on the KZ node, finds the request, numbers the
    certificate and signs it; a refusal without a reason is refused first."""
    officer = Person(browser, served, lang)
    o, t = officer.page, officer.t
    officer.sign_in(served.officers["kz"]["kz-customs.examiner"], "/nodes/kz")
    o.get_by_role("link", name=t("Requests for certificates")).click()
    row = o.locator("tbody tr").filter(has_text=reference)
    for _ in range(60):
        if row.count():
            break
        o.wait_for_timeout(500)
        o.reload()
    assert row.count() == 1, "the request never reached the KZ node"
    row.get_by_role("link").click()
    expect(o.locator("[id='f-country_of_origin']")).to_have_value("KZ")
    o.get_by_role("button", name=t("Refuse"), exact=True).click()
    expect(o.locator("#reason-error")).to_have_text(
        t("Give the reason for refusing; the shipper reads it.")
    )
    o.locator("[id='f-document_number']").fill(f"KZ-ST-{reference}")
    o.get_by_role("button", name=t("Sign and send")).click()
    expect(o.get_by_role("status")).to_contain_text(
        t("The certificate was signed and sent to the node that asked for it.")
    )
    # Sign-in, the list, the request, a refusal without its reason, the signature.
    assert officer.clicks() <= 5, officer.clicks()
    officer.close()


def attach(me: Person, kind: str, path: Path) -> None:
    page, t = me.page, me.t
    page.get_by_label(t("Attach a file as")).select_option(kind)
    page.locator("#attach-file").set_input_files(str(path))
    page.get_by_role("button", name=t("Attach"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(t("The file was attached."))


@pytest.mark.parametrize("lang", sorted(BROWSER_LOCALE))
def test_a_shipment_from_submission_to_the_border_decision(
    corridor: Served, browser: Browser, lang: str, tmp_path: Path
) -> None:
    shipper = Person(browser, corridor, lang)
    page, t = shipper.page, shipper.t
    said = lambda code, **params: fill(t(MESSAGES[code]), params)  # noqa: E731
    shipper.sign_in(corridor.keys["kz-ferroalloy"])
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Shipments"))
    sid = submit_shipment(shipper, f"WEB-{lang}-1")
    expect(page.locator("#readiness")).to_contain_text(t("NOT READY"))

    issue(shipper, "commercial_invoice")
    issue(shipper, "packing_list")
    # The holder's guarantee, named on the transit declaration it covers.
    grn = new_grn(2026, "KZ", b"browser journey", lang)
    issue(
        shipper,
        "transit_declaration",
        {
            "office_of_departure": "KZ551000",
            "office_of_destination": "RO160000",
            "guarantee_reference": grn,
            "amount_to_be_covered": "18400.00",
            "guarantee_currency": "USD",
        },
    )
    # The certificate of origin is the Kazakh issuing body's, signed on the KZ node: asked
    # for from here, issued there by an officer from the request, attached here by itself.
    ask_for_certificate(shipper)
    issue_requested(corridor, browser, lang, f"WEB-{lang}-1")
    expect(page.locator("#requests-state")).to_contain_text(t("issued and attached"), timeout=30000)
    # A guarantee that is not the declared one (too small) does not count, and says why.
    guarantee = tmp_path / "guarantee.json"
    terms = {
        "grn": grn,
        "amount": "1000.00",
        "currency": "USD",
        "valid_until": (date.today() + timedelta(days=365)).isoformat(),
        "guarantor": "Demo Bank JSC",
    }
    guarantee.write_text(json.dumps(terms))
    attach(shipper, "transit_guarantee", guarantee)
    expect(page.locator("section[aria-labelledby=readiness]")).to_contain_text(
        said(
            "guarantee_short",
            kind=t("transit guarantee"),
            by="kz-ferroalloy",
            amount="1000.00",
            currency="USD",
            needed="18400.00",
        )
    )
    guarantee.write_text(json.dumps({**terms, "amount": "25000.00"}))
    attach(shipper, "transit_guarantee", guarantee)
    attach(
        shipper,
        "rail_consignment_note",
        signed_elsewhere(corridor, sid, DocumentKind.RAIL_CONSIGNMENT_NOTE, "kz-rail", tmp_path),
    )
    # The EU's Art. 3g mill certificate is the shipper's plain file; the CBAM authorisation
    # the importer's, attached by the consignee.
    mill = tmp_path / "steel.json"
    mill.write_text(json.dumps(STORY.plain_papers[DocumentKind.STEEL_INPUT_ORIGIN]))
    attach(shipper, "steel_input_origin", mill)
    expect(page.locator("#readiness")).to_contain_text(t("NOT READY"))
    consignee = Person(browser, corridor, lang)
    consignee.sign_in(corridor.keys["ro-consignee"])
    consignee.page.goto(f"{corridor.base}/ui/shipments/{sid}")
    cbam = tmp_path / "cbam.json"
    cbam.write_text(json.dumps(STORY.plain_papers[DocumentKind.CBAM_AUTHORISATION]))
    attach(consignee, "cbam_authorisation", cbam)
    consignee.close()
    page.reload()
    expect(page.locator("#readiness")).to_contain_text(t("READY"))
    expect(page.locator("section[aria-labelledby=readiness] .tag.unverified").first).to_have_text(
        t("on unverified evidence")
    )
    expect(page.locator("#readiness")).not_to_contain_text(t("NOT READY"))
    expect(page.locator("section[aria-labelledby=ledger] .good")).to_contain_text("✓")

    page.get_by_role("button", name=t("Send to the route's authorities")).click()
    expect(page.get_by_role("status")).to_contain_text(
        t("The pre-arrival data was sealed to each authority on the route and queued for sending.")
    )
    # From sign-in to READY and sent, four wrong inputs corrected on the way (an HS code and a
    # container number as typed, a net mass after submitting, a guarantee too small).
    assert 10 < shipper.clicks() <= 40, shipper.clicks()
    invoice_pdf = pdf_of(shipper, "commercial_invoice")
    shipper.close()

    # The carrier records the departure from Dostyk on the tracking page: the custody
    # events show it, the arrival estimates start from it, and the timeline has it.
    carrier = Person(browser, corridor, lang)
    c = carrier.page
    carrier.sign_in(corridor.keys["kz-rail"])
    c.goto(f"{corridor.base}/ui/shipments/{sid}")
    c.get_by_role(
        "link", name=carrier.t("Tracking: custody events, arrival estimates, emissions")
    ).click()
    expect(c.locator("#custody ~ p")).to_have_text(carrier.t("No custody events yet."))
    c.get_by_label(carrier.t("What happened")).select_option("departing")
    c.get_by_label(carrier.t("Where"), exact=True).select_option("dostyk")
    c.get_by_label(carrier.t("Time zone")).select_option("+05:00")
    c.get_by_role("button", name=carrier.t("Record the hand-over")).click()
    expect(c.get_by_role("status")).to_have_text(carrier.t("The hand-over was recorded."))
    expect(c.locator("table.custody")).to_contain_text(carrier.t("departed"))
    expect(c.locator("section[aria-labelledby=emitted]")).to_contain_text("CO2e")
    c.goto(f"{corridor.base}/ui/shipments/{sid}")
    expect(c.locator("ol.timeline")).to_contain_text(
        carrier.t("Departed %(place)s") % {"place": "Dostyk"}
    )
    carrier.close()

    # Kazakhstan, Azerbaijan and Georgia decide and end their legs on their own nodes; each
    # hands its signed proof of end to the next authority.
    walk_legs_before(corridor, sid, "eu")

    # The Romanian examiner, on the EU node, finds it in the queue, sees the Georgian proof
    # of end verified, and checks; a second officer releases.
    officer = Person(browser, corridor, lang)
    o = officer.page
    officer.sign_in(corridor.officers["eu"]["ro-customs.examiner"], "/nodes/eu")
    expect(o.get_by_role("heading", level=1)).to_have_text(
        officer.t("Declarations awaiting a decision")
    )
    row = o.locator("tbody tr").filter(has_text=officer.t("import"))
    for _ in range(60):
        if row.count():
            break
        o.wait_for_timeout(500)
        o.reload()
    assert row.count() >= 1, "the declaration never reached the EU node's queue"
    row.first.get_by_role("link").click()
    declaration_url = o.url
    # The expected arrival in the office's own time (Romania's), in UTC on hover.
    expected = o.locator("dd time").first
    at = datetime.fromisoformat(expected.get_attribute("datetime") or "")
    expect(expected).to_contain_text(i18n.offset(at.astimezone(ZoneInfo("Europe/Bucharest"))))
    expect(expected).to_have_attribute("title", re.compile(r" UTC$"))
    expect(o.locator("section[aria-labelledby=received]")).to_contain_text(
        officer.t("commercial invoice")
    )
    # The crossing by its name, not the network's id; the trader and the containers.
    expect(o.locator("dl.facts")).to_contain_text("Constanța port")
    expect(o.locator("dl.facts")).to_contain_text("CSQU3054383")
    # Goods as a table, fields by their names in the officer's language.
    lines = o.locator("section[aria-labelledby=received] table.lines").first
    expect(lines.locator("thead")).to_contain_text(officer.t("HS code"))
    expect(lines.locator("thead")).to_contain_text(officer.t("Gross kg"))
    expect(o.locator("section[aria-labelledby=received]")).to_contain_text(
        officer.t("Document number")
    )
    headings = o.locator("section[aria-labelledby=received] th").all_inner_texts()
    assert [h for h in headings if "_" in h] == [], headings
    expect(o.locator("section[aria-labelledby=handover]")).to_contain_text(officer.t("verified"))
    expect(o.locator("section[aria-labelledby=handover]")).to_contain_text("GE")
    # The lane is the office's keyed random draw: the check asked for is a documentary one,
    # or an inspection on the red lane.
    red = "red" in (o.locator("dd .lane").first.get_attribute("class") or "")
    check, done = (
        ("Inspected: nothing found", "inspected") if red else ("Documents in order", "checked")
    )
    # A decision without a reason is refused by the browser before it is sent.
    o.get_by_role("button", name=officer.t(check), exact=True).click()
    expect(o.get_by_role("status")).to_have_count(0)
    o.get_by_label(officer.t("Reason (goes on the record)")).fill("Documents and data consistent")
    o.get_by_role("button", name=officer.t(check), exact=True).click()
    expect(o.get_by_role("status")).to_contain_text(
        officer.t("Decision recorded: %(status)s.") % {"status": officer.t(done)}
    )
    # Sign-in, the queue's row, the decision (tried once without its reason): four clicks.
    assert officer.clicks() <= 4, officer.clicks()
    officer.close()
    chief = Person(browser, corridor, lang)
    h = chief.page
    chief.sign_in(corridor.officers["eu"]["ro-customs.chief"], "/nodes/eu")
    h.goto(declaration_url)
    h.get_by_label(chief.t("Reason (goes on the record)")).fill("Released after documentary check")
    h.get_by_role("button", name=chief.t("Release"), exact=True).click()
    expect(h.get_by_role("status")).to_contain_text(chief.t("released"))
    assert chief.clicks() <= 2, chief.clicks()  # sign-in and the release
    chief.close()

    # Anyone verifies the printed invoice, and a tampered copy.
    anyone = Person(browser, corridor, lang)
    a = anyone.page
    a.goto(f"{corridor.base}/ui/verify")
    good = tmp_path / "invoice.pdf"
    good.write_bytes(invoice_pdf)
    a.locator("#file").set_input_files(str(good))
    a.get_by_role("button", name=anyone.t("Verify"), exact=True).click()
    expect(a.locator(".verdict h2")).to_have_text(anyone.t("VALID"))
    expect(a.locator(".checks .pass")).to_have_count(3)
    a.goto(f"{corridor.base}/ui/verify")
    a.locator("#text").fill(tampered_qr_text(invoice_pdf))
    a.get_by_role("button", name=anyone.t("Verify"), exact=True).click()
    expect(a.locator(".verdict h2")).to_have_text(anyone.t("INVALID"))
    expect(a.locator(".checks .fail code")).to_have_text(
        re.compile(r"bad_signature|tampered_disclosure|malformed")
    )
    anyone.close()


def pdf_of(me: Person, kind: str) -> bytes:
    row = me.page.locator("section[aria-labelledby=papers] tr").filter(has_text=me.t(LABELS[kind]))
    href = row.first.get_by_role("link").get_attribute("href")
    assert href
    response = me.context.request.get(f"{me.served.base}{href}")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    return response.body()


def tampered_qr_text(pdf: bytes) -> str:
    """The token embedded in the PDF with one disclosed value changed, as someone who
    edits a copy would: the signature no longer covers it."""
    token = token_from_input(pdf)
    head, *rest = token.split("~")

    disclosure = json.loads(base64.urlsafe_b64decode(rest[0] + "=" * (-len(rest[0]) % 4)))
    disclosure[-1] = "forged"
    rest[0] = base64.urlsafe_b64encode(json.dumps(disclosure).encode()).decode().rstrip("=")
    return "~".join([head, *rest])


PAGES = [
    "/ui/",
    "/ui/signin",
    "/ui/verify",
    "/ui/network?origin=dostyk&destination=constanta",
    "/ui/rules",
    "/ui/simulate",
]


def axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE.read_text("utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in found if v.get("impact") in ("serious", "critical")]


# Azerbaijan's targeting with no profile and no random selection: every declaration green.
NOTHING_SELECTED = """
authority: az-customs
country: AZ
version: 2
sources: ["a test's profile set: no profile, no random selection"]
unconfirmed: []
office:
  reference: AZALT001
  name: Alat port customs
  rates: {red: 0, yellow: 0, blue: 0}
  min_random: {red: 0, yellow: 0, blue: 0}
  max_hits: 3
  procedures: [transit]
aeo: {holders: [], mutual_recognition: []}
profiles: []
"""


def _decide(
    officer: Person, declaration: str, button: str, reason: str, done: str, node: str
) -> None:
    """From the queue, open the declaration, give the reason and press `button`."""
    o, t = officer.page, officer.t
    o.locator(f"a[href$='/customs/declarations/{declaration}']").click()
    o.get_by_label(t("Reason (goes on the record)")).fill(reason)
    o.get_by_role("button", name=t(button), exact=True).click()
    expect(o.get_by_role("status")).to_contain_text(
        t("Decision recorded: %(status)s.") % {"status": t(done)}
    )


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_an_officer_releases_green_in_three_clicks_and_red_after_inspection_in_six(
    corridor: Served, browser: Browser, lang: str
) -> None:
    now = datetime.now(UTC)
    az = corridor.corridor.nodes["az"]
    if targeting.profiles_in_force(az) != 2:
        targeting.install(az, NODE_ADMIN, NOTHING_SELECTED, now)
    walk = demo.walk(corridor.ctx, now, f"LANES-{lang}", authorities=corridor.corridor, story=STORY)
    disclosure.disclose(corridor.ctx, ORGS["kz-ferroalloy"], walk.shipment.id, now)
    sid = walk.shipment.id
    # Green at Alat: the examiner releases from the queue.
    walk_legs_before(corridor, sid, "az")
    green = arrive(az, "az", sid)
    examiner = Person(browser, corridor, lang)
    examiner.sign_in(corridor.officers["az"]["az-customs.examiner"], "/nodes/az")
    expect(examiner.page.locator(f"a[href$='/customs/declarations/{green}']")).to_have_count(1)
    lane = examiner.page.locator(f"tr:has(a[href$='{green}']) .lane")
    expect(lane).to_have_class(re.compile("green"))
    _decide(examiner, green, "Release", "Documents and data consistent", "released", "az")
    assert examiner.clicks() <= 3, examiner.clicks()  # sign-in, the declaration, the release
    examiner.close()
    handover.end_leg(az, demo_customs.officers(az, "az-customs", now)[0], green, datetime.now(UTC))
    # Red in Georgia (its profile for Kazakh ferro-chromium via Azerbaijan): an examiner
    # inspects, a chief releases.
    red = arrive(corridor.corridor.nodes["ge"], "ge", sid)
    inspector = Person(browser, corridor, lang)
    inspector.sign_in(corridor.officers["ge"]["ge-customs.examiner"], "/nodes/ge")
    lane = inspector.page.locator(f"tr:has(a[href$='{red}']) .lane")
    expect(lane).to_have_class(re.compile("red"))
    _decide(
        inspector, red, "Inspected: nothing found", "Seals and goods as declared", "inspected", "ge"
    )
    chief = Person(browser, corridor, lang)
    chief.sign_in(corridor.officers["ge"]["ge-customs.chief"], "/nodes/ge")
    _decide(chief, red, "Release", "Released after inspection", "released", "ge")
    # Sign-in, the declaration, the inspection; sign-in, the declaration, the release.
    assert inspector.clicks() + chief.clicks() <= 6, (inspector.clicks(), chief.clicks())
    inspector.close()
    chief.close()


def test_every_page_passes_axe_and_works_by_keyboard(corridor: Served, browser: Browser) -> None:
    shipment = shipments.submit(
        corridor.ctx, ORGS["kz-ferroalloy"], STORY.draft("AXE-1"), corridor.ctx.clock()
    )
    context = browser.new_context(bypass_csp=True)  # to inject axe-core
    page = context.new_page()

    def check(path: str, keyboard: bool = False) -> None:
        page.goto(f"{corridor.base}{path}")
        assert axe(page) == [], path
        if keyboard:
            reachable_by_keyboard(page, path)

    for path in PAGES:
        check(path, keyboard=path == "/ui/signin")
    page.goto(f"{corridor.base}/ui/signin")
    page.fill("#key", corridor.keys["kz-ferroalloy"])
    page.click("button[type=submit]")
    for path in ("/ui/shipments", "/ui/shipments/new", f"/ui/shipments/{shipment.id}"):
        check(path, keyboard=True)
    check(f"/ui/shipments/{shipment.id}/issue/commercial_invoice", keyboard=True)
    # A certificate asked for: the shipper's page with its state, the issuing body's list
    # and form on the KZ node.
    page.goto(f"{corridor.base}/ui/shipments/{shipment.id}")
    page.get_by_role("button", name=re.compile("^Request the certificate of origin")).click()
    check(f"/ui/shipments/{shipment.id}", keyboard=True)
    page.goto(f"{corridor.base}/nodes/kz/ui/signin")
    page.fill("#key", corridor.officers["kz"]["kz-customs.examiner"])
    page.click("button[type=submit]")
    request = page.locator("tbody a").filter(has_text="AXE-1")
    for _ in range(60):
        page.goto(f"{corridor.base}/nodes/kz/ui/issuing")
        if request.count():
            break
        page.wait_for_timeout(500)
    check("/nodes/kz/ui/issuing", keyboard=True)
    check(str(request.get_attribute("href")), keyboard=True)
    page.goto(f"{corridor.base}/nodes/eu/ui/signin")
    page.fill("#key", corridor.officers["eu"]["ro-customs.chief"])
    page.click("button[type=submit]")
    check("/nodes/eu/ui/customs", keyboard=True)
    check("/nodes/eu/ui/customs/endorsements")
    link = page.locator("tbody a").first
    page.goto(f"{corridor.base}/nodes/eu/ui/customs")
    if link.count():
        check(str(link.get_attribute("href")), keyboard=True)
    context.close()


def reachable_by_keyboard(page: Page, path: str) -> None:
    """Tabbing from the top reaches every visible control of the page."""
    controls: int = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
              .filter(e => e.offsetParent !== null && !e.disabled).length"""
    )
    page.evaluate(
        "() => { window.__seen = new Set(); document.addEventListener('focusin', e => window.__seen.add(e.target)); }"
    )
    page.locator("body").focus()
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
    seen: int = page.evaluate("() => window.__seen.size")
    assert seen >= controls, f"{path}: {seen} of {controls} controls reached by Tab"


def test_pages_fit_a_phone_and_the_rules_matrix_a_laptop(
    corridor: Served, browser: Browser
) -> None:
    """At 390 px nothing scrolls sideways but a wide table, inside its own box; on a laptop
    (1366 px) every jurisdiction of the rules matrix is in view."""
    shipment = shipments.submit(
        corridor.ctx, ORGS["kz-ferroalloy"], STORY.draft("PHONE-1"), corridor.ctx.clock()
    )
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(f"{corridor.base}/ui/signin")
    page.fill("#key", corridor.keys["kz-ferroalloy"])
    page.click("button[type=submit]")
    mine = f"/ui/shipments/{shipment.id}"
    for path in [*PAGES, "/ui/shipments", "/ui/shipments/new", mine, f"{mine}/tracking"]:
        page.goto(f"{corridor.base}{path}")
        width: int = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px phone"
    phone.close()
    laptop = browser.new_context(viewport={"width": 1366, "height": 768})
    page = laptop.new_page()
    page.goto(f"{corridor.base}/ui/rules")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    last = page.locator("table.matrix thead th").last
    box = last.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1366, "the last jurisdiction's column is out of view"
    laptop.close()
