"""The web UI through HTTP: sessions and their cookies, CSRF, who sees what, languages,
forms generated from schemas, and pages that load nothing from other hosts."""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from corridor import demo
from corridor.asgi import create_app
from corridor.config import Settings
from corridor.documents.issuers import issuer_of
from corridor.model import DocumentKind
from corridor.rules import matrix, shipped_packs
from corridor.services import (
    Context,
    authentication,
    credentials,
    drafting,
    papers,
    readiness,
    sessions,
    shipments,
)
from corridor.services.context import NODE_ADMIN
from corridor.web import forms, i18n, view
from corridor.web.labels import LABELS
from tests.conftest import T0, off_the_event_loop
from tests.factories import STORY
from tests.web.forms import csrf_of

CO = DocumentKind.CERTIFICATE_OF_ORIGIN


class Node:
    def __init__(self, ctx: Context, keys: dict[str, str], shipment_id: str) -> None:
        self.ctx, self.keys, self.shipment_id = ctx, keys, shipment_id

    def client(self, **kwargs: object) -> TestClient:
        return TestClient(create_app(self.ctx), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    folder = tmp_path_factory.mktemp("web")
    ctx = Context.open(
        Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'n.db'}"), clock=lambda: T0
    )
    keys = demo.seed(ctx, T0, STORY)
    walked = demo.walk(ctx, T0, story=STORY)
    yield Node(ctx, keys, walked.shipment.id)
    ctx.close()


@pytest.fixture(autouse=True)
def _no_store_work_on_the_event_loop(node: Node) -> Iterator[None]:
    with off_the_event_loop(node.ctx.db):
        yield


def signed_in(node: Node, org: str, **kwargs: object) -> TestClient:
    client = node.client(**kwargs)
    page = client.get("/ui/signin")
    r = client.post(
        "/ui/signin",
        data={"csrf": csrf_of(page.text), "key": node.keys[org], "next": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def test_sign_in_sets_a_strict_http_only_cookie_scoped_to_the_ui(node: Node) -> None:
    client = node.client()
    page = client.get("/ui/signin")
    r = client.post(
        "/ui/signin",
        data={"csrf": csrf_of(page.text), "key": node.keys["kz-ferroalloy"], "next": "/ui/rules"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/rules"
    cookie = next(c for c in r.headers.get_list("set-cookie") if "corridor_session=" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/ui" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback; see the TLS test
    assert node.keys["kz-ferroalloy"] not in cookie


def test_under_tls_the_cookie_is_secure(node: Node) -> None:
    client = node.client(base_url="https://testserver")
    page = client.get("/ui/signin")
    r = client.post(
        "/ui/signin",
        data={"csrf": csrf_of(page.text), "key": node.keys["kz-ferroalloy"]},
        follow_redirects=False,
    )
    assert all("Secure" in c for c in r.headers.get_list("set-cookie"))


def test_a_wrong_key_is_refused_and_opens_no_session(node: Node) -> None:
    client = node.client()
    page = client.get("/ui/signin")
    r = client.post("/ui/signin", data={"csrf": csrf_of(page.text), "key": "cor_abc.def"})
    assert r.status_code == 401
    assert "not valid" in r.text
    assert "corridor_session" not in r.cookies


def test_sign_in_never_sends_the_browser_to_another_site(node: Node) -> None:
    client = node.client()
    for target in ("https://evil.example/", "//evil.example/x", "/ui//evil.example", "/other"):
        page = client.get("/ui/signin")
        r = client.post(
            "/ui/signin",
            data={"csrf": csrf_of(page.text), "key": node.keys["kz-ferroalloy"], "next": target},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/ui/", target


def test_a_form_without_its_csrf_token_changes_nothing(node: Node) -> None:
    client = signed_in(node, "kz-ferroalloy")
    before = len(client.get("/ui/shipments").text)
    r = client.post("/ui/shipments/new", data={"reference": "NO-CSRF"})
    assert r.status_code == 403
    assert "nothing was changed" in r.text
    r = client.post("/ui/signout", data={"csrf": "forged"})
    assert r.status_code == 403
    assert client.get("/ui/shipments").status_code == 200  # still signed in
    assert len(client.get("/ui/shipments").text) == before
    # Signing in needs the double-submit token too.
    fresh = node.client()
    r = fresh.post("/ui/signin", data={"key": node.keys["kz-ferroalloy"]})
    assert r.status_code == 403


def test_signing_out_ends_the_session_on_the_server(node: Node) -> None:
    client = signed_in(node, "kz-ferroalloy")
    stolen = client.cookies.get("corridor_session")
    page = client.get("/ui/shipments")
    client.post("/ui/signout", data={"csrf": csrf_of(page.text)})
    replay = node.client()
    replay.cookies.set("corridor_session", stolen or "", path="/ui")
    r = replay.get("/ui/shipments", follow_redirects=False)
    assert r.status_code == 303
    assert "/ui/signin" in r.headers["location"]


def test_revoking_the_key_ends_its_sessions(node: Node) -> None:
    issued = credentials.issue_key(node.ctx, NODE_ADMIN, "ro-consignee", "browser", T0)
    token, _ = sessions.sign_in(node.ctx, issued.key, T0)
    assert sessions.resume(node.ctx, token, T0).organisation.id == "ro-consignee"
    credentials.revoke_key(node.ctx, NODE_ADMIN, "ro-consignee", issued.id, T0)
    client = node.client()
    client.cookies.set("corridor_session", token, path="/ui")
    assert client.get("/ui/shipments", follow_redirects=False).status_code == 303


def test_a_session_expires(node: Node) -> None:
    token, session = sessions.sign_in(node.ctx, node.keys["kz-rail"], T0)
    later = session.expires_at
    with pytest.raises(Exception, match="ended"):
        sessions.resume(node.ctx, token, later)


def test_each_role_sees_only_its_pages_and_data(node: Node) -> None:
    page = f"/ui/shipments/{node.shipment_id}"
    # A party sees the shipment; a party-less organisation of the same node does not.
    assert signed_in(node, "kz-ferroalloy").get(page).status_code == 200
    assert signed_in(node, "kz-rail").get(page).status_code == 200
    outsider = signed_in(node, "node-operator")
    r = outsider.get(page)
    assert r.status_code == 403
    assert "Ferro-chromium" not in r.text
    # An authority's organisation key is not an officer's: no customs pages with it.
    customs = signed_in(node, "kz-customs")
    assert customs.get("/ui/customs").status_code == 403
    assert customs.get(page).status_code == 403
    # Signed out: sent to sign in, shown nothing.
    r = node.client().get(page, follow_redirects=False)
    assert r.status_code == 303
    assert "Ferro-chromium" not in r.text


def test_a_shipment_of_someone_else_reads_as_missing(node: Node) -> None:
    r = signed_in(node, "caspian-ferry").get("/ui/shipments/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404


def test_the_browser_language_chooses_until_the_user_switches(node: Node) -> None:
    client = node.client()
    ru = i18n.translations("ru").gettext
    r = client.get("/ui/verify", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert ru("Verify a document") in r.text
    assert 'lang="ru"' in r.text
    r = client.get("/ui/verify", headers={"Accept-Language": "de-DE,en;q=0.5"})
    assert 'lang="en"' in r.text
    switched = client.get("/ui/language/ru?next=/ui/verify", follow_redirects=False)
    r = client.get("/ui/verify", headers={"Accept-Language": "en"})
    assert ru("Verify a document") in r.text
    # The choice holds on every node this host serves (/nodes/<node>/ui too), not only /ui.
    cookie = next(c for c in switched.headers.get_list("set-cookie") if i18n.COOKIE in c)
    assert "Path=/;" in cookie


def test_numbers_and_dates_follow_the_language() -> None:
    assert i18n.number(1234.5, "en") == "1,234.5"
    assert i18n.number(1234.5, "ru") == "1\xa0234,5"
    assert "Mar" in i18n.when(T0, "en")
    assert "мар" in i18n.when(T0, "ru")
    assert i18n.number(1234.5, "kk") == "1\xa0234,5"
    assert "ж." in i18n.when(T0, "kk")


def test_times_show_in_the_nodes_zone_with_utc_on_hover() -> None:
    almaty, bucharest = ZoneInfo("Asia/Almaty"), ZoneInfo("Europe/Bucharest")
    shown = str(view.moment(T0, "en", almaty))
    local = T0.astimezone(almaty)
    assert f'datetime="{T0.astimezone(UTC).isoformat()}"' in shown
    assert f'title="{i18n.when(T0, "en")}"' in shown
    assert i18n.when(T0, "en").endswith(" UTC")
    assert f">{i18n.when(T0, 'en', almaty)}</time>" in shown
    assert i18n.when(T0, "en", almaty).endswith(" UTC+5")
    assert f"{local.hour}:{local.minute:02d}" in i18n.when(T0, "ru", almaty)
    # Daylight saving follows the date, not today.
    assert i18n.offset(datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(bucharest)) == "UTC+2"
    assert i18n.offset(datetime(2026, 7, 15, 12, tzinfo=UTC).astimezone(bucharest)) == "UTC+3"
    assert i18n.offset(datetime(2026, 1, 15, tzinfo=ZoneInfo("Asia/Kolkata"))) == "UTC+5:30"
    assert view.moment(None, "en", almaty) == "—"
    # A time stored without its zone is UTC, whatever zone the server runs in.
    naive = T0.astimezone(UTC).replace(tzinfo=None)
    with server_zone("Asia/Tokyo"):
        assert str(view.moment(naive, "en", almaty)) == shown


@contextmanager
def server_zone(name: str) -> Iterator[None]:
    """Run as if the server's own clock were set to zone `name`."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_a_stand_alone_node_shows_utc_and_every_country_of_the_network_has_a_zone(
    node: Node,
) -> None:
    assert node.ctx.zone.key == "UTC"
    net = node.ctx.network
    countries = {n.country for n in net.nodes.values()}
    assert {c for c in countries if net.zone(c).key == "UTC"} == set()
    assert net.zone("KZ").key == "Asia/Almaty"


def test_a_kazakh_browser_gets_the_kazakh_pages(node: Node) -> None:
    client = node.client()
    kk = i18n.translations("kk").gettext
    r = client.get("/ui/verify", headers={"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"})
    assert 'lang="kk"' in r.text
    assert kk("Verify a document") == "Құжатты тексеру"
    assert kk("Verify a document") in r.text
    # Each language is offered by its own name.
    assert "Қазақша" in r.text
    assert "Русский" in r.text


def test_every_page_has_a_policy_that_loads_only_from_the_node(node: Node) -> None:
    client = signed_in(node, "kz-ferroalloy")
    for path in (
        "/ui/",
        "/ui/verify",
        "/ui/network",
        "/ui/rules",
        "/ui/shipments",
        f"/ui/shipments/{node.shipment_id}",
        "/ui/shipments/new",
        "/ui/simulate",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        policy = r.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        # Every src/href points at this node.
        for url in re.findall(r'(?:src|href)="([^"]+)"', r.text):
            assert not re.match(r"^(https?:)?//", url), (path, url)
    assert client.get("/ui/static/htmx.min.js").status_code == 200


def test_as_you_type_checks_use_the_models_messages(node: Node) -> None:
    client = signed_in(node, "kz-ferroalloy")
    r = client.get("/ui/shipments/check", params={"goods-a1-hs_code": "72024"})
    assert "6 digits" in r.text
    r = client.get("/ui/shipments/check", params={"containers": "CSQU3054384"})
    assert "check digit should be 3" in r.text
    assert "valid" in client.get("/ui/shipments/check", params={"containers": "CSQU3054383"}).text


def test_a_new_shipment_with_errors_keeps_what_was_typed(node: Node) -> None:
    client = signed_in(node, "kz-ferroalloy")
    form = client.get("/ui/shipments/new")
    data = {
        "csrf": csrf_of(form.text),
        "reference": "WEB-ERR-1",
        "consignee": "ro-consignee",
        "origin": "dostyk",
        "destination": "constanta",
        "containers": "CSQU3054384",
        "goods-a1-hs_code": "720241",
        "goods-a1-description": "Ferro-chromium",
        "goods-a1-packages": "4",
        "goods-a1-gross_kg": "100",
        "goods-a1-net_kg": "200",
        "goods-a1-value": "1000",
        "goods-a1-currency": "USD",
        "goods-a1-origin_country": "KZ",
    }
    r = client.post("/ui/shipments/new", data=data)
    assert r.status_code == 422
    assert 'value="WEB-ERR-1"' in r.text
    assert "Ferro-chromium" in r.text
    # Each error stands next to its field, which is marked and tied to it; the summary links
    # to the fields by their names, never by the draft's paths.
    for field, words in (
        ("containers", "check digit should be 3"),
        ("goods-a1-net_kg", "cannot exceed the gross mass"),
    ):
        placed = re.search(rf'<span class="field-error" id="{field}-error">([^<]*)</span>', r.text)
        assert placed, field
        assert words in placed.group(1)
        control = re.search(rf'<(?:input|textarea)[^>]*id="{field}"[^>]*>', r.text)
        assert control, field
        assert 'aria-invalid="true"' in control.group(0)
        assert f"{field}-error" in control.group(0)
        assert f'href="#{field}"' in r.text
    assert "Goods line 1: Net kg" in r.text
    # In Russian, the same refusals in Russian: the page translates each message by its code.
    russian = signed_in(node, "kz-ferroalloy")
    russian.get("/ui/language/ru")
    page = russian.post(
        "/ui/shipments/new", data={**data, "csrf": csrf_of(russian.get("/ui/shipments/new").text)}
    )
    assert page.status_code == 422
    assert "контрольная цифра должна быть 3" in page.text
    assert "масса нетто (200 кг) не может превышать массу брутто (100 кг)" in page.text
    assert "check digit" not in page.text
    assert "goods.0" not in r.text
    assert "net_kg" not in r.text.split('<form method="post"')[0]
    # Goods heavier than the boxes may gross: refused in words, with what to do.
    heavy = data | {
        "containers": "CSQU3054383",
        "goods-a1-gross_kg": "70000",
        "goods-a1-net_kg": "69000",
        "csrf": csrf_of(r.text),
    }
    r = client.post("/ui/shipments/new", data=heavy)
    assert r.status_code == 422
    assert "more than the 1 container(s) may gross" in r.text
    assert 'value="70000"' in r.text
    # Corrected: two 20 ft boxes, by way of Aktau.
    data |= {
        "containers": "CSQU3054383\nMSCU1234566",
        "size": "20",
        "via": "aktau",
        "goods-a1-net_kg": "90",
        "csrf": csrf_of(r.text),
    }
    r = client.post("/ui/shipments/new", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert "/ui/shipments/" in r.headers["location"]
    shipper = STORY.organisation("kz-ferroalloy")
    made = shipments.get(node.ctx, shipper, r.headers["location"].rsplit("/", 1)[1])
    assert [c.size_type for c in made.draft.containers] == ["22G1", "22G1"]
    assert "aktau" in made.route.nodes


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_readiness_report_reads_in_the_readers_language(node: Node, lang: str) -> None:
    """Each rule's title, what it misses and what it does come from the catalogue; the
    API keeps the English sentence."""
    shipper = STORY.organisation("kz-ferroalloy")
    made = shipments.submit(node.ctx, shipper, STORY.draft(f"READ-{lang}"), T0)
    report = readiness.check(node.ctx, shipper, made.id, T0)
    results = [r for c in report.crossings for r in c.results]
    unmet = [r for r in results if r.outcome.value != "passed"]
    assert unmet, "the test shipment should miss something"
    t = i18n.translations(lang).gettext
    client = signed_in(node, "kz-ferroalloy")
    client.get(f"/ui/language/{lang}")
    page = client.get(f"/ui/shipments/{made.id}").text
    section = page.split('aria-labelledby="readiness"')[1].split("</section>")[0]
    for r in results:
        assert t(r.title) != r.title, r.title
        assert html.escape(t(r.title), quote=False) in section, r.title
        assert r.message not in section, r.message
    for r in unmet:
        words = (
            t("This stops the shipment.")
            if r.outcome.value == "blocking"
            else t("This is required.")
        )
        assert words in section
        for kind in r.documents:
            assert html.escape(t(LABELS[kind.value]), quote=False) in section
    assert "What to provide" not in section


@pytest.mark.parametrize("kind", [DocumentKind.COMMERCIAL_INVOICE, DocumentKind.PACKING_LIST])
def test_a_form_built_from_the_schema_reads_back_to_valid_fields(
    node: Node, kind: DocumentKind
) -> None:
    from starlette.datastructures import FormData

    shipper = authentication.authenticate(node.ctx, node.keys["kz-ferroalloy"])
    values = drafting.prefill(node.ctx, shipper, node.shipment_id, kind, T0.date())
    controls = forms.build(drafting.schema(kind), values)

    def flat(items: list[forms.Input | forms.Group]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for c in items:
            out += flat(c.children) if isinstance(c, forms.Group) else [(c.name, c.value)]
        return out

    pairs = flat(controls)
    assert ("goods.0.hs_code", "720241") in pairs
    fields = forms.collect(drafting.schema(kind), FormData(pairs))
    from corridor.documents.kinds import SCHEMAS

    SCHEMAS[kind].model_validate(fields)  # what the form posts back is a valid document


def test_the_list_pages_older_shipments_behind_a_link(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corridor.services import shipments
    from corridor.web.pages import shipments as pages
    from tests.conftest import ORGS

    later = T0 + timedelta(minutes=1)
    made = shipments.submit(node.ctx, ORGS["kz-ferroalloy"], STORY.draft("WEB-PAGE-2"), later)
    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    client = signed_in(node, "kz-ferroalloy")
    page = client.get("/ui/shipments").text
    assert "WEB-PAGE-2" in page
    seen: list[str] = []
    while True:
        seen += re.findall(r'href="/ui/shipments/([0-9a-f-]{36})"', page)
        older = re.search(r'<a rel="next" href="([^"]+)"', page)
        if older is None:
            break
        page = client.get(older.group(1).replace("&amp;", "&")).text
    # One shipment a page, the newest first, each once, down to the oldest.
    assert seen[0] == made.id
    assert node.shipment_id in seen
    assert len(seen) == len(set(seen)) > 1


def test_the_tracking_page_records_hand_overs_and_signs_the_statement(node: Node) -> None:
    page = f"/ui/shipments/{node.shipment_id}/tracking"
    carrier = signed_in(node, "kz-rail")
    shown = carrier.get(page)
    assert shown.status_code == 200
    text = shown.text
    # The demo walk's hand-overs, from stuffing at Dostyk to unstuffing at Constanța.
    assert "stuffed into the container" in text
    assert "unstuffed from the container" in text
    assert "Constanța" in text
    assert "kg CO2e well-to-wheel" in text
    assert "GLEC Framework v3.0" in text
    # The statement counts the boxes and their TEU (two 20 ft boxes: 2 TEU), and names its
    # legs and hubs in words, not by the network's ids.
    assert "in 2 containers (2 TEU)" in text
    emitted = text[text.index('id="emitted"') :]
    assert "Dostyk → Almaty" in emitted
    assert "Poti port" in emitted
    assert "container terminal" in emitted
    assert "t·km" in emitted
    assert "dostyk->almaty" not in emitted
    box = re.search(r'name="container" value="([A-Z0-9]+)"', text)
    assert box, "the form offers the shipment's containers"
    form = {
        "csrf": csrf_of(text),
        "step": "seal_check",
        "node": "poti",
        "at": "2026-03-02T10:00",  # 06:00 UTC, before the node's clock (08:00 UTC)
        "container": box.group(1),
        "temperature": "4.5",
    }
    refused = carrier.post(f"{page}/events", data=form)
    assert refused.status_code == 422
    said = re.search(
        r'<div class="error" role="alert" id="handover-error">(.*?)</div>', refused.text, re.S
    )
    assert said, "the refusal stands above the form"
    assert "Choose the time zone" in said.group(1)
    # The form as it was filled in: nothing typed is lost.
    assert re.search(r'<option value="poti" selected>', refused.text)
    assert 'name="temperature" inputmode="decimal" value="4.5"' in refused.text
    assert 'name="at" type="datetime-local" value="2026-03-02T10:00"' in refused.text
    # A hand-over dated after it is recorded: refused in place, in the reader's language.
    russian = signed_in(node, "kz-rail")
    russian.get("/ui/language/ru")
    ahead = {
        **form,
        "at": "2026-03-02T20:00",
        "zone": "+04:00",
        "csrf": csrf_of(russian.get(page).text),
    }
    late = russian.post(f"{page}/events", data=ahead)
    assert late.status_code == 422
    assert "позже времени её записи" in late.text
    assert "eventTime" not in late.text
    assert 'value="2026-03-02T20:00"' in late.text
    unticked = {k: v for k, v in form.items() if k != "container"}
    none_ticked = carrier.post(f"{page}/events", data={**unticked, "zone": "+04:00"})
    assert none_ticked.status_code == 422
    assert "Tick the containers" in none_ticked.text
    done = carrier.post(f"{page}/events", data={**form, "zone": "+04:00"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    after = carrier.get(page).text
    assert "seal checked" in after
    assert "Temperature 4.5 CEL" in after
    # Someone else's shipment: nothing to see, nothing to record.
    outsider = signed_in(node, "node-operator")
    assert outsider.get(page).status_code == 403
    # The shipper signs the emissions statement; it is filed with the documents.
    shipper = signed_in(node, "kz-ferroalloy")
    signed = shipper.post(
        f"/ui/shipments/{node.shipment_id}/emissions/statement",
        data={"csrf": csrf_of(shipper.get(page).text)},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    papers = shipper.get(f"/ui/shipments/{node.shipment_id}").text
    assert "emissions statement" in papers


def test_attaching_a_file_of_an_unknown_kind_is_the_users_error(node: Node) -> None:
    client = signed_in(node, "kz-ferroalloy", raise_server_exceptions=False)
    page = client.get(f"/ui/shipments/{node.shipment_id}")
    r = client.post(
        f"/ui/shipments/{node.shipment_id}/attach",
        data={"csrf": csrf_of(page.text), "kind": "no_such_kind"},
        files={"file": ("x.json", b"{}", "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert "what kind of document" in r.text


def test_the_simulator_page_answers_with_intervals_decomposition_and_target(node: Node) -> None:
    client = signed_in(node, "kz-ferroalloy")
    page = client.get("/ui/simulate")
    assert 'name="season"' in page.text
    r = client.post(
        "/ui/simulate",
        data={
            "csrf": csrf_of(page.text),
            "containers": "150",
            "seeds": "2",
            "season": "winter",
            "what": "compare",
        },
    )
    assert r.status_code == 200, r.text
    html = r.text
    for scenario in ("paper", "today", "digital", "northern"):
        assert f">{scenario}</th>" in html
    assert "31\u201334 (2025, China -&gt; Constanța)" in html
    assert "paper → today: days each part takes off the median" in html
    assert "documentary holds" in html
    assert re.search(r"target with today(&#39;|')s fleet", html)
    assert html.count("data:image/svg+xml;base64,") == 2
    # A season or a size that is not offered falls back to one that is.
    r = client.post(
        "/ui/simulate",
        data={
            "csrf": csrf_of(page.text),
            "containers": "9999999",
            "seeds": "50",
            "season": "<script>",
            "what": "sensitivity",
        },
    )
    assert r.status_code == 200
    assert "<script>" not in r.text.split("</form>", 1)[1]
    assert "malaszewicze" in r.text or "regimes/today" in r.text


def test_the_sign_in_help_shows_the_key_format_and_pages_have_an_icon(node: Node) -> None:
    client = node.client()
    for lang in ("en", "ru", "kk"):
        page = client.get("/ui/signin", headers={"Accept-Language": lang}).text
        # Written out as text, not swallowed as tags.
        assert "cor_&lt;id&gt;.&lt;secret&gt;" in page, lang
        assert 'rel="icon"' in page
    icon = client.get("/ui/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")


def test_sending_while_not_ready_is_a_choice_and_answers_refresh_themselves(node: Node) -> None:
    """A shipment whose papers are not complete is sent only when the shipper confirms it;
    the answers are a fragment the page asks for again."""
    client = signed_in(node, "kz-ferroalloy")
    shipper = next(o for o in STORY.organisations if o.id == "kz-ferroalloy")
    sid = shipments.submit(node.ctx, shipper, STORY.draft("NOT-READY"), T0).id  # no papers yet
    page = client.get(f"/ui/shipments/{sid}")
    assert page.status_code == 200, page.text
    assert 'id="answers"' in page.text
    fragment = client.get(f"/ui/shipments/{sid}/answers")
    assert fragment.status_code == 200
    assert 'id="answers"' in fragment.text
    assert "<html" not in fragment.text
    assert 'name="anyway"' in page.text  # not ready: sending needs the confirmation
    refused = client.post(f"/ui/shipments/{sid}/disclose", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 422
    assert "confirm that you send them as they are" in refused.text


def test_the_rules_matrix_speaks_in_words_and_marks_only_real_differences(node: Node) -> None:
    client = signed_in(node, "kz-ferroalloy")
    text = client.get("/ui/rules").text
    day = node.ctx.clock().date()
    m = matrix(shipped_packs(), sorted(p.jurisdiction for p in shipped_packs().packs), day)
    assert m.partial > 0
    assert m.differing > 0
    sentence = f"{m.differing} of {len(m.rows)} topics are asked differently; {m.partial} are"
    assert sentence in text
    # Topics and documents in words, the codes nowhere.
    assert "Phytosanitary certificate" in text
    assert "certificate.phytosanitary" not in text
    assert "phytosanitary_certificate" not in text
    # A row is tagged as it stands: asked differently, or asked by some only.
    rows = re.findall(r'<tr class="(agree|partial|differ)"><th scope="row">(.*?)</th>', text, re.S)
    assert len(rows) == len(m.rows)
    states = {"same": "agree", "some": "partial", "differs": "differ"}
    for (css, head), row in zip(rows, m.rows, strict=True):
        assert css == states[row.state], row.topic
        assert ("differs" in head) == (row.state == "differs"), row.topic
        assert ("asked by some only" in head) == (row.state == "some"), row.topic
    ru = signed_in(node, "kz-ferroalloy")
    ru.get("/ui/language/ru")
    assert "Фитосанитарный сертификат" in ru.get("/ui/rules").text


def test_the_timeline_speaks_the_readers_language(node: Node) -> None:
    """Movements and the submission are written in the reader's words from what they are
    (the kind, the place, the shipment), not from the English line stored with them."""
    client = signed_in(node, "kz-ferroalloy")
    client.get("/ui/language/ru")
    page = client.get(f"/ui/shipments/{node.shipment_id}").text
    timeline = page[page.index('<ol class="timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert "Прибыл в пункт Constanța port" in timeline
    assert "Отправлен из пункта Dostyk" in timeline
    assert "Подана: " in timeline
    for english in ("Arrived at", "Departed", "Submitted by", "Crossed the border"):
        assert english not in timeline, english


# Two or more Latin words in a row: English on a Russian or Kazakh page.
_ENGLISH = re.compile(r"(?:\b[A-Za-z][a-z'\u2019-]+\b[ ,;:()/]+){1,}\b[A-Za-z][a-z'\u2019-]+\b")
# The parts of the shipment page whose every word is the catalogue's or the shipment's data.
_WORDED = ("readiness", "chain", "papers", "disclose", "timeline")


def _english(text: str, data: list[str]) -> set[str]:
    """Runs of English words in a page's visible text, once the page's data is taken out."""
    doc = lxml_html.fromstring(text)
    for hidden in doc.xpath("//script|//style|//code|//title"):
        hidden.drop_tree()
    found = set()
    for piece in doc.xpath("//body//text()"):
        for value in data:
            piece = piece.replace(value, " ")
        found |= {m.group(0) for m in _ENGLISH.finditer(piece)}
    return found


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_russian_or_kazakh_page_shows_no_english_beyond_its_data(node: Node, lang: str) -> None:
    shipper = STORY.organisation("kz-ferroalloy")
    made = shipments.submit(node.ctx, shipper, STORY.draft(f"WORDS-{lang}"), T0)
    pl = DocumentKind.PACKING_LIST
    papers.attach(node.ctx, shipper, made.id, pl, "pl.pdf", "application/pdf", b"%PDF", T0)
    # A guarantee from a carrier, who does not provide one: the report says so, in words.
    carrier = STORY.organisation("kz-rail")
    guarantee = b'{"grn": "26KZ0000000000001", "amount": "1", "currency": "USD"}'
    kind = DocumentKind.TRANSIT_GUARANTEE
    papers.attach(node.ctx, carrier, made.id, kind, "g.json", "application/json", guarantee, T0)
    # The data a page shows as it is: places, organisations, goods, issuing bodies.
    data = sorted(
        [n.name for n in node.ctx.network.nodes.values()]
        + [o.name for o in STORY.organisations]
        + [g.description for g in made.draft.goods]
        + [i.body for c in ("KZ", "AZ", "GE", "TR") if (i := issuer_of(CO, c))],
        key=len,
        reverse=True,
    )
    client = signed_in(node, "kz-ferroalloy")
    client.get(f"/ui/language/{lang}")
    for path in (
        "/ui/",
        "/ui/shipments",
        "/ui/shipments/new",
        "/ui/verify",
        "/ui/network?origin=dostyk&destination=constanta",
        f"/ui/shipments/{made.id}/issue/commercial_invoice",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert _english(page.text, data) == set(), path
    page = client.get(f"/ui/shipments/{made.id}").text
    readiness_part = page.split('aria-labelledby="readiness"')[1].split("</section>")[0]
    t = i18n.translations(lang).gettext
    assert f"kz-rail ({t('carrier')})" in readiness_part
    for part in _WORDED:
        section = page.split(f'aria-labelledby="{part}"')[1].split("</section>")[0]
        assert _english(f"<html><body>{section}</body></html>", data) == set(), part
