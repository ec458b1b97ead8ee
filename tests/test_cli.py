"""The command line: help everywhere, documented commands, exit codes, the demo."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from corridor.cli import app
from corridor.config import Settings
from corridor.services import Context, listing
from tests.conftest import ORGS as ORGS_BY_ID

runner = CliRunner()
README = (Path(__file__).parent.parent / "README.md").read_text()
COMMANDS = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
for group in app.registered_groups:
    assert group.typer_instance is not None
    if group.invoke_without_command or group.typer_instance.registered_callback:
        COMMANDS.append(str(group.name))
    COMMANDS += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]


def test_the_command_list_includes_groups() -> None:
    assert {"rules diff", "rules lint", "simulate", "simulate compare"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = runner.invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) > 2
    assert f"corridor {name}" in README, f"README does not show 'corridor {name}'"


def test_route_prints_borders() -> None:
    result = runner.invoke(app, ["route", "dostyk", "constanta", "--via", "aktau"])
    assert result.exit_code == 0, result.output
    assert "KZ->AZ" in result.output
    assert "GE->RO" in result.output


def test_unknown_node_is_a_usage_error() -> None:
    result = runner.invoke(app, ["route", "dostyk", "atlantis"])
    assert result.exit_code == 2
    assert "Unknown node 'atlantis'" in result.output


def test_demo_walks_a_shipment_to_constanta(cli_env: Path) -> None:
    result = runner.invoke(app, ["demo"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Arrived at Constanța" in result.output
    assert "Crossed the border KZ -> AZ" in result.output
    # Not ready with the first two papers; ready once the authority's certificate of origin
    # (signed on the KZ authority's own node) and the others are attached.
    incomplete, complete = result.output.split("Readiness with the file complete")
    assert "NOT READY" in incomplete.split("Readiness with only")[1]
    assert "READY: " in complete
    assert "NOT READY" not in complete.split("Timeline")[0]
    assert "certificate_of_origin    VALID" in result.output


def test_init_demo_prints_keys_kept_owner_only(cli_env: Path) -> None:
    tmp_path = cli_env
    first = runner.invoke(app, ["init", "--demo"], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "cor_" in first.output
    mode = stat.S_IMODE((tmp_path / "demo-keys.json").stat().st_mode)
    assert mode == 0o600
    again = runner.invoke(app, ["init", "--demo"], env={"COLUMNS": "200"})
    assert again.exit_code == 0
    # The same keys are printed again; no second demo shipment is walked.
    assert "Demo shipment" not in again.output
    assert first.output.split("Demo API keys")[1] == again.output.split("Demo API keys")[1]


def test_unreachable_store_is_an_operational_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRIDOR_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 1
    assert "unreachable" in result.output


def test_check_exits_3_until_the_papers_are_complete(tmp_path: Path) -> None:
    from tests.factories import STORY, draft

    path = tmp_path / "shipment.json"
    path.write_text(draft("CLI-1").model_dump_json())
    docs = ["--doc", "commercial_invoice", "--doc", "packing_list"]
    first = runner.invoke(
        app, ["check", str(path), "--date", "2026-03-02", *docs], env={"COLUMNS": "200"}
    )
    assert first.exit_code == 3, first.output
    assert "NOT READY" in first.output
    for kind, _ in STORY.completing:
        docs += ["--doc", kind.value]
    second = runner.invoke(app, ["check", str(path), "--date", "2026-03-02", *docs])
    assert second.exit_code == 0, second.output
    assert "READY" in second.output


def test_check_refuses_a_bad_file_as_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"reference": "x"}')
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "not a valid shipment" in result.output
    assert runner.invoke(app, ["check", str(tmp_path / "missing.json")]).exit_code == 2


def test_rules_diff_json_and_table() -> None:
    result = runner.invoke(
        app, ["rules", "diff", "--route", "dostyk", "kars", "--json", "--date", "2026-03-01"]
    )
    assert result.exit_code == 0, result.output
    import json

    assert json.loads(result.output)["jurisdictions"] == ["KZ", "AZ", "GE", "TR"]
    table = runner.invoke(app, ["rules", "diff"], env={"COLUMNS": "250"})
    assert "pre_arrival.rail" in table.output


def test_rules_lint_reports_file_and_line(tmp_path: Path) -> None:
    from tests.rules.samples import GOOD

    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("[transit]", "[smuggling]"))
    assert runner.invoke(app, ["rules", "lint", str(good)]).exit_code == 0
    result = runner.invoke(app, ["rules", "lint", str(good), str(bad)], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert f"{bad}:11" in result.output


def test_rules_lint_of_the_shipped_packs_names_the_rules_to_check() -> None:
    """With no files it lints the shipped packs: all valid; the unconfirmed rules are
    warned of; a year after the packs' review every rule is, and --strict fails on it."""
    from corridor.rules import shipped_packs

    env = {"COLUMNS": "250"}
    now = runner.invoke(app, ["rules", "lint", "--date", "2026-12-01"], env=env)
    assert now.exit_code == 0, now.output
    unconfirmed = [
        r.id for p in shipped_packs().packs for r in p.rules if r.legal.status == "unconfirmed"
    ]
    assert unconfirmed  # the packs say honestly what is not confirmed
    for rule_id in unconfirmed:
        assert f"{rule_id}: unconfirmed" in now.output
    assert "review_overdue" not in now.output
    assert "more than a year ago" not in now.output
    later = runner.invoke(app, ["rules", "lint", "--date", "2028-01-01", "--strict"], env=env)
    assert later.exit_code == 1
    total = sum(len(p.rules) for p in shipped_packs().packs)
    assert later.output.count("more than a year ago") == total


def test_simulate_writes_csv_and_plots(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "--scenario",
            "digital",
            "--containers",
            "200",
            "--seeds",
            "2",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "digital" in result.output
    for name in (
        "transit_times.csv",
        "breakdown.csv",
        "summary.csv",
        "simulation.png",
        "simulation.svg",
    ):
        assert (tmp_path / name).stat().st_size > 0
    rows = (tmp_path / "transit_times.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 200


def test_simulate_compare_prints_model_against_published(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "compare",
            "--scenarios",
            "paper,today,digital,northern",
            "--containers",
            "200",
            "--seeds",
            "2",
            "--out",
            str(tmp_path),
        ],
        env={"COLUMNS": "220"},
    )
    assert result.exit_code == 0, result.output
    for scenario in ("paper", "today", "digital", "northern"):
        assert scenario in result.output
    # Each scenario's published figure with its year and route, and the model's distance.
    assert "31-34 (2025, China -> Constanța)" in result.output
    assert "50-55 (2022-24, China -> Europe by the Middle Corridor)" in result.output
    assert "target 14-18 (2027, China -> Europe)" in result.output
    assert "Poti port -> Constanța port" in result.output
    assert "15 %" in result.output
    assert "Xi'an -> Dostyk -> Aktau port -> Poti port -> Constanța port" in result.output
    # The difference split into procedure and capacity, and the answer on the target.
    assert "paper -> today: what each part takes off the median" in result.output
    assert "documentary holds" in result.output
    assert "the 18-day target with today's fleet" in result.output
    assert "times the northern route's median" in result.output
    for name in ("decomposition.svg", "decomposition.csv", "simulation.svg"):
        assert (tmp_path / name).stat().st_size > 0


def test_simulate_unknown_scenario_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", "--scenario", "magic", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown scenario" in result.output


def test_simulate_tornado_ranks_parameters(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "tornado",
            "--scenario",
            "northern",
            "--containers",
            "100",
            "--seeds",
            "1",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "malaszewicze" in result.output
    assert (tmp_path / "tornado.svg").stat().st_size > 0


def test_verify_exit_codes_and_offline_trust_list(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = cli_env
    assert runner.invoke(app, ["demo"]).exit_code == 0
    pdf = next(tmp_path.glob("DEMO-*-invoice.pdf"))
    ok = runner.invoke(app, ["verify", str(pdf)], env={"COLUMNS": "200"})
    assert ok.exit_code == 0, ok.output
    assert "VALID" in ok.output
    trust = tmp_path / "trust.json"
    assert runner.invoke(app, ["keys", "export", str(trust)]).exit_code == 0
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path / "elsewhere"))
    offline = runner.invoke(app, ["verify", str(pdf), "--trust", str(trust), "--json"])
    assert offline.exit_code == 0, offline.output
    bad = tmp_path / "bad.txt"
    bad.write_text("eyJ.eyJ.sig~")
    invalid = runner.invoke(app, ["verify", str(bad), "--trust", str(trust)])
    assert invalid.exit_code == 3
    assert "INVALID" in invalid.output
    assert runner.invoke(app, ["verify", str(tmp_path / "missing.pdf")]).exit_code == 2


def test_keys_rotate_list_revoke(cli_env: Path) -> None:
    assert runner.invoke(app, ["init", "--demo"]).exit_code == 0
    rotated = runner.invoke(app, ["keys", "rotate", "kz-rail"])
    assert rotated.exit_code == 0, rotated.output
    kid = rotated.output.split()[-1]
    listing = runner.invoke(app, ["keys", "list"], env={"COLUMNS": "200"})
    assert kid in listing.output
    assert runner.invoke(app, ["keys", "revoke", kid]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", "nope"]).exit_code == 1
    assert runner.invoke(app, ["keys", "rotate", "nobody"]).exit_code == 1


def test_ledger_verify_reports_intact_and_broken(cli_env: Path) -> None:
    import re
    import sqlite3

    tmp_path = cli_env
    out = runner.invoke(app, ["demo"], env={"COLUMNS": "250"}).output
    match = re.search(r"ledger verify ([0-9a-f-]{36})", out)
    assert match
    sid = match.group(1)
    ok = runner.invoke(app, ["ledger", "verify", sid], env={"COLUMNS": "200"})
    assert ok.exit_code == 0, ok.output
    assert "INTACT" in ok.output
    with sqlite3.connect(tmp_path / "corridor.db") as conn:
        conn.execute(
            'UPDATE ledger_entries SET body = \'{"place": "x"}\' WHERE shipment_id = ? AND seq = 5',
            (sid,),
        )
    bad = runner.invoke(app, ["ledger", "verify", sid], env={"COLUMNS": "200"})
    assert bad.exit_code == 3
    assert "BROKEN at entry 5 (bad_hash)" in bad.output
    assert runner.invoke(app, ["ledger", "verify", "no-such"]).exit_code == 2


def test_refused_commands_leave_nothing_behind(cli_env: Path) -> None:
    from corridor.store.db import Database
    from tests.conftest import state

    assert runner.invoke(app, ["init", "--demo"]).exit_code == 0
    db = Database.open(f"sqlite:///{cli_env / 'corridor.db'}")
    try:
        bad = cli_env / "bad.json"
        bad.write_text('{"reference": "x"}')
        before = state(db, cli_env)
        refused = {
            ("keys", "rotate", "nobody"): 1,
            ("keys", "revoke", "no-such-kid"): 1,
            ("keys", "revoke", "no-such-kid", "--at", "yesterday"): 2,
            ("ledger", "verify", "no-such-shipment"): 2,
            ("check", str(bad)): 2,
            ("route", "dostyk", "atlantis"): 2,
        }
        for args, code in refused.items():
            result = runner.invoke(app, list(args))
            assert result.exit_code == code, (args, result.output)
            assert "Traceback" not in result.output
        assert state(db, cli_env) == before
    finally:
        db.close()


def test_hints_are_worded_for_the_shell() -> None:
    result = runner.invoke(app, ["route", "dostyk", "atlantis"])
    assert "'corridor nodes' lists the known node ids" in result.output
    assert "GET /" not in result.output


def test_the_example_shipment_is_accepted_by_check_and_by_the_api(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    """examples/shipment.json: `corridor check` reads it, POST /shipments accepts it."""
    from tests.conftest import auth
    from tests.factories import STORY

    example = Path(__file__).parent.parent / "examples" / "shipment.json"
    docs = ["--doc", "commercial_invoice", "--doc", "packing_list"]
    for kind, _ in STORY.completing:
        docs += ["--doc", kind.value]
    checked = runner.invoke(app, ["check", str(example), *docs])
    assert checked.exit_code == 0, checked.output
    body = json.loads(example.read_text())
    r = client.post("/shipments", json=body, headers=auth(api_keys, "kz-ferroalloy"))
    assert r.status_code == 201, r.text


def test_broker_user_and_config_give_each_node_its_own_rights(cli_env: Path) -> None:
    """`trust broker-user` makes the node's NATS user once (owner-only seed); `trust
    broker-config` writes the server's authorization block from the public keys."""
    first = runner.invoke(app, ["trust", "broker-user"], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    public = first.output.split("NATS user ", 1)[1].split(";")[0]
    seed = cli_env / "nats-user.nk"
    assert seed.stat().st_mode & 0o077 == 0
    again = runner.invoke(app, ["trust", "broker-user"], env={"COLUMNS": "200"})
    assert public in again.output  # the same user, not a new one
    out = cli_env / "auth.conf"
    made = runner.invoke(
        app, ["trust", "broker-config", f"az={public}", "--admin", public, "--out", str(out)]
    )
    assert made.exit_code == 0, made.output
    block = json.loads(out.read_text().removeprefix("authorization "))
    az = next(u for u in block["users"] if "permissions" in u)
    assert az["nkey"] == public
    assert "corridor.to.*" in az["permissions"]["publish"]["allow"]
    assert az["permissions"]["subscribe"]["allow"] == ["_INBOX_az.>"]
    bad = runner.invoke(app, ["trust", "broker-config", "az", "--admin", public])
    assert bad.exit_code == 2
    assert "NODE=PUBLIC_KEY" in bad.output


def test_events_emissions_and_eta_for_the_walked_demo(cli_env: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["demo"], env={"COLUMNS": "200"}).exit_code == 0
    ctx = Context.open(Settings.from_env())
    [row] = listing.page(ctx, ORGS_BY_ID["kz-ferroalloy"], 10, None, 0).items
    wide = {"COLUMNS": "220"}
    events = runner.invoke(app, ["events", "list", row.id, "--as", "kz-ferroalloy"], env=wide)
    assert events.exit_code == 0, events.output
    assert "packing" in events.output
    assert "unpacking" in events.output
    statement = runner.invoke(app, ["emissions", row.id, "--as", "kz-ferroalloy"], env=wide)
    assert statement.exit_code == 0, statement.output
    assert "kg CO2e well-to-wheel" in statement.output
    assert "Table 14" in statement.output
    outsider = runner.invoke(app, ["emissions", row.id, "--as", "node-operator"])
    assert outsider.exit_code != 0
    paper = tmp_path / "co2.pdf"
    signed = runner.invoke(
        app,
        ["emissions", row.id, "--as", "kz-rail", "--sign", "--pdf", str(paper)],
        env=wide,
    )
    assert signed.exit_code == 0, signed.output
    assert "signed as document" in signed.output
    checked = runner.invoke(app, ["verify", str(paper)])
    assert checked.exit_code == 0, checked.output
    assert "VALID" in checked.output
    csv_file = tmp_path / "events.csv"
    csv_file.write_text(
        "shipment,step,node,at,containers,vehicle,temperature\n"
        f"{row.id},seal_check,poti,2026-12-01T10:00:00Z,CSQU3054383,,\n"
        f"{row.id},seal_check,poti,2026-12-01T10:00:00,CSQU3054383,,\n"
    )
    refused = runner.invoke(app, ["events", "import", str(csv_file), "--as", "kz-rail"])
    assert refused.exit_code == 2, refused.output
    assert "line 3" in refused.output
    csv_file.write_text(
        csv_file.read_text().splitlines()[0] + "\n" + csv_file.read_text().splitlines()[1] + "\n"
    )
    stored = runner.invoke(app, ["events", "import", str(csv_file), "--as", "kz-rail"])
    assert stored.exit_code == 0, stored.output
    assert "1 events stored" in stored.output


def test_simulate_says_why_a_scenario_cannot_run(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "--scenario",
            "digital-2027",
            "--containers",
            "100",
            "--seeds",
            "1",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "unstable" in result.output
    assert "of capacity" in result.output
    assert "Add capacity" in result.output


def test_a_node_serves_two_requests_a_cpu_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    from corridor.config import Settings

    monkeypatch.delenv("CORRIDOR_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert Settings.from_env().threads == 4
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert Settings.from_env().threads == 16
    assert Settings.from_env().pool_size == 20
    monkeypatch.setenv("CORRIDOR_THREADS", "3")
    assert Settings.from_env().threads == 3


@pytest.mark.parametrize("freeze", [True, False])
def test_a_served_node_keeps_start_up_out_of_the_collectors_reach(
    tmp_path: Path, freeze: bool
) -> None:
    """A served node (settings from the environment) freezes what start-up built once its
    app has started, so a full collection inside a request walks only what requests make;
    an app built in a process that builds many (the tests) leaves the heap as it is."""
    import dataclasses
    import gc

    from corridor.asgi import create_app

    settings = dataclasses.replace(
        Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'n.db'}"),
        freeze_heap=freeze,
    )
    ctx = Context.open(settings)
    gc.unfreeze()
    try:
        with TestClient(create_app(ctx)) as client:
            assert client.get("/health").status_code == 200
            frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
        ctx.close()
    assert (frozen > 0) is freeze


def test_the_environment_asks_a_node_to_freeze_its_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORRIDOR_FREEZE_HEAP", raising=False)
    assert Settings.from_env().freeze_heap is True
    monkeypatch.setenv("CORRIDOR_FREEZE_HEAP", "0")
    assert Settings.from_env().freeze_heap is False
