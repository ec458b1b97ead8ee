"""The command line: help everywhere, documented commands, exit codes, the demo."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.cli import app

runner = CliRunner()
README = (Path(__file__).parent.parent / "README.md").read_text()
COMMANDS = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) > 2
    assert f"corridor {name}" in README, f"README does not show 'corridor {name}'"


def test_route_prints_borders(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["route", "dostyk", "constanta", "--via", "aktau"])
    assert result.exit_code == 0, result.output
    assert "KZ->AZ" in result.output
    assert "GE->RO" in result.output


def test_unknown_node_is_a_usage_error() -> None:
    result = runner.invoke(app, ["route", "dostyk", "atlantis"])
    assert result.exit_code == 2
    assert "Unknown node 'atlantis'" in result.output


def test_demo_walks_a_shipment_to_constanta(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CORRIDOR_DATABASE_URL", raising=False)
    result = runner.invoke(app, ["demo"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Arrived at Constanța" in result.output
    assert "Crossed the border KZ -> AZ" in result.output


def test_init_demo_prints_keys_kept_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CORRIDOR_DATABASE_URL", raising=False)
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
