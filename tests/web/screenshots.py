"""Screenshots of the web UI's main pages for the README, taken in Chromium from a demo
corridor (`make screenshots`)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from corridor import demo
from corridor.demo import customs as demo_customs
from corridor.model import DocumentKind
from corridor.services import customs, disclosure, issuance, papers, shipments
from tests.web.browser import BROWSER_LOCALE, chromium_or_skip, serve

# The languages the README's pictures are taken in (the UI speaks more).
SHOWN_IN = ("en", "ru", "kk")

ORGS = {o.id: o for o in demo.ORGANISATIONS}
CO = DocumentKind.CERTIFICATE_OF_ORIGIN


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for served in serve(Path(folder)):
            now = served.ctx.clock()
            walked = demo.walk(served.ctx, now, authorities=served.corridor)
            sid = walked.shipment.id
            disclosure.disclose(served.ctx, ORGS["kz-ferroalloy"], sid, now)
            eu = served.corridor.nodes["eu"]
            examiner = demo_customs.officers(eu, "ro-customs", now)[0]
            deadline = time.monotonic() + 30
            while not customs.queue(eu, examiner, now) and time.monotonic() < deadline:
                time.sleep(0.5)
            invoice = next(
                d
                for d in papers.documents(served.ctx, ORGS["kz-ferroalloy"], sid)
                if d.kind.value == "commercial_invoice"
            )
            _, pdf = papers.paper_copy(served.ctx, ORGS["kz-ferroalloy"], sid, invoice.id, now)
            (Path(folder) / "invoice.pdf").write_bytes(pdf)
            # A second shipment whose certificate of origin is asked from the KZ node.
            asking = shipments.submit(
                served.ctx, ORGS["kz-ferroalloy"], demo.DEMO.draft("DEMO-REQUEST"), now
            )
            issuance.ask(served.ctx, ORGS["kz-ferroalloy"], asking.id, CO, now)
            kz = served.corridor.nodes["kz"]
            issuer = demo_customs.officers(kz, "kz-customs", now)[0]
            deadline = time.monotonic() + 30
            while not issuance.waiting(kz, issuer) and time.monotonic() < deadline:
                time.sleep(0.5)
            (request,) = issuance.waiting(kz, issuer)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=chromium_or_skip(), headless=True, args=["--no-sandbox"]
                )
                for lang in SHOWN_IN:
                    context = browser.new_context(
                        locale=BROWSER_LOCALE[lang],
                        viewport={"width": 1280, "height": 900},
                    )
                    page = context.new_page()

                    def shot(
                        path: str,
                        name: str,
                        page: Page = page,
                        lang: str = lang,
                        base: str = served.base,
                    ) -> None:
                        if path:
                            page.goto(base + path)
                        page.screenshot(path=str(out / f"{name}-{lang}.png"), full_page=False)

                    shot("/ui/signin", "signin")
                    page.fill("#key", served.keys["kz-ferroalloy"])
                    page.click("button[type=submit]")
                    shot(f"/ui/shipments/{sid}", "shipment")
                    shot(f"/ui/shipments/{sid}/tracking", "tracking")
                    shot(f"/ui/shipments/{asking.id}#requests", "request")
                    shot("/ui/rules", "rules")
                    if lang == "en":
                        shot("/ui/shipments/new", "new-shipment")
                        shot("/ui/network?origin=dostyk&destination=constanta", "network")
                        page.set_viewport_size({"width": 390, "height": 844})
                        shot(f"/ui/shipments/{sid}", "shipment-phone")
                        page.set_viewport_size({"width": 1280, "height": 900})
                    page.goto(served.base + "/ui/verify")
                    page.set_input_files("#file", str(Path(folder) / "invoice.pdf"))
                    page.click("form.stack button[type=submit]")
                    shot("", "verify")
                    page.goto(served.base + "/nodes/eu/ui/signin")
                    page.fill("#key", served.officers["eu"]["ro-customs.examiner"])
                    page.click("button[type=submit]")
                    shot("/nodes/eu/ui/customs", "queue")
                    link = page.locator("tbody a").first
                    if link.count():
                        shot(str(link.get_attribute("href")), "declaration")
                    page.goto(served.base + "/nodes/kz/ui/signin")
                    page.fill("#key", served.officers["kz"]["kz-customs.examiner"])
                    page.click("button[type=submit]")
                    shot(f"/nodes/kz/ui/issuing/{request.envelope_id}", "issuing")
                    context.close()
                browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
