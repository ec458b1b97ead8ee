"""The layering holds: doors call services and nothing below them; raw crypto stays inside
documents/; domain code knows nothing of HTTP or the command line."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "corridor"
DOORS = ("api", "cli", "web")
# What a door may import: the services, the domain types it shows, errors and settings.
DOOR_MAY_IMPORT = (
    "corridor.services",
    "corridor.http_status",
    "corridor.demo",
    "corridor.model",
    "corridor.exceptions",
    "corridor.messages",
    "corridor.config",
)
DOMAIN = (
    "model",
    "network",
    "documents",
    "rules",
    "ledger",
    "exchange",
    "customs",
    "sim",
    "store",
    "tracking",
    "emissions",
)


def _imports(path: Path) -> list[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names]
    return found


def _files(*parts: str) -> list[Path]:
    return sorted(p for part in parts for p in (PACKAGE / part).rglob("*.py"))


def test_the_walk_finds_the_doors_and_their_imports() -> None:
    files = _files(*DOORS)
    assert len(files) >= 10
    assert any("corridor.services" in i for f in files for i in _imports(f))


@pytest.mark.parametrize("door", DOORS)
def test_doors_import_services_and_nothing_below_them(door: str) -> None:
    wrong = []
    for path in _files(door):
        for name in _imports(path):
            if not name.startswith("corridor") or name in ("corridor", "corridor.__version__"):
                continue
            own = name.startswith(f"corridor.{door}")
            # The CLI's 'serve' starts the node's app, built by the composition root; the
            # doors never import one another.
            serve = door == "cli" and name.startswith("corridor.asgi")
            allowed = name.startswith(DOOR_MAY_IMPORT) or own or serve
            if not allowed or "store" in name.split(".") or "_hazmat" in name:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert wrong == []


def test_raw_crypto_is_imported_only_inside_documents() -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)}"
        for path in PACKAGE.rglob("*.py")
        if "documents" not in path.relative_to(PACKAGE).parts
        and any("_hazmat" in name for name in _imports(path))
    ]
    assert wrong == []


def test_domain_code_never_imports_a_door_or_a_web_framework() -> None:
    wrong = []
    for path in _files(*DOMAIN):
        for name in _imports(path):
            if name.startswith(("fastapi", "starlette", "typer", "click")) or name.startswith(
                tuple(f"corridor.{d}" for d in (*DOORS, "services", "asgi", "http_status"))
            ):
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert wrong == []


def test_services_never_import_a_door() -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("services")
        for name in _imports(path)
        if name.startswith(("fastapi", "typer", *(f"corridor.{d}" for d in DOORS)))
    ]
    assert wrong == []


# Every package of corridor, by layer, lowest first. A package imports only from its own
# layer or below (the ground floor, exceptions, messages and config, from everywhere); a new package
# must be given its place here before it can land.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("model", "network", "store"),
    ("documents", "rules", "ledger", "exchange", "customs", "sim", "tracking", "emissions"),
    ("services",),
    ("demo",),
    ("api", "cli", "web"),
    # The composition root: the API and the web UI served side by side.
    ("asgi",),
)
GROUND = ("corridor.exceptions", "corridor.messages", "corridor.config", "corridor.__version__")


def _layer_of(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def test_every_package_has_a_place_in_the_layers() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    placed = {name for layer in LAYERS for name in layer}
    assert packages == placed


def test_no_package_imports_from_a_layer_above_its_own() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:
            continue
        mine = _layer_of(parts[0])
        for name in _imports(path):
            if not name.startswith("corridor.") or name.startswith(GROUND):
                continue
            target = name.split(".")[1]
            if target in {n for layer in LAYERS for n in layer} and _layer_of(target) >= mine:
                same = target == parts[0]
                # Peers of a layer may use each other, but for the doors: they are put
                # together only by the composition root, which the CLI's 'serve' starts.
                peers = _layer_of(target) == mine and parts[0] not in DOORS
                serve = parts[0] == "cli" and target == "asgi"
                if same or peers or serve:
                    continue
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert wrong == []


def test_the_demo_is_not_a_service() -> None:
    assert not list((PACKAGE / "services").glob("demo*.py"))
    users = [
        f"{path.relative_to(PACKAGE)}"
        for path in _files("services", *DOMAIN)
        if any(name.startswith("corridor.demo") for name in _imports(path))
    ]
    assert users == []


def test_no_module_grows_past_400_lines_unless_it_is_data() -> None:
    data = {"demo/story.py"}
    long = [
        f"{path.relative_to(PACKAGE)}: {n} lines"
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
        and str(path.relative_to(PACKAGE)) not in data
        and (n := len(path.read_text("utf-8").splitlines())) > 400
    ]
    assert long == []


@pytest.mark.parametrize(
    "package", sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
)
def test_each_package_shows_its_face_by_all(package: str) -> None:
    module = importlib.import_module(f"corridor.{package}")
    face = getattr(module, "__all__", None)
    assert face, f"corridor.{package} names its face in __all__"
    missing = []
    for name in face:
        if not hasattr(module, name):
            try:
                importlib.import_module(f"corridor.{package}.{name}")
            except ModuleNotFoundError:
                missing.append(name)
    assert missing == []
    # Everything public defined in the package's own __init__ is on its face.
    tree = ast.parse((PACKAGE / package / "__init__.py").read_text("utf-8"))
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
    }
    assert defined <= set(face)


def test_no_test_module_imports_another() -> None:
    """What tests share lives in conftest or helper modules, never in another test module:
    changing one test's file never changes another's input."""
    tests = Path(__file__).parent
    wrong = [
        f"{path.relative_to(tests)} imports {name}"
        for path in tests.rglob("test_*.py")
        for name in _imports(path)
        if name.startswith("tests.") and any(p.startswith("test_") for p in name.split(".")[1:])
    ]
    assert wrong == []


# The demo story's data, as `corridor.demo` shows it.
STORY_NAMES = {
    "DEMO",
    "ORGANISATIONS",
    "OPERATOR",
    "NATIONAL_NODES",
    "ISSUED_BY",
    "COMPLETING",
    "PLAIN_PAPERS",
    "GUARANTEE",
    "TERMS",
    "draft",
    "documents_for",
    "demo_grn",
}
# What pictures the demo itself for the README, not a test.
SHOWS_THE_DEMO = {"web/screenshots.py"}


def _story_readers(source: str) -> list[str]:
    """Where `source` reads the demo's story: imports of its data, or `demo.<its data>`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("corridor.demo"):
            taken = {a.name for a in node.names} & STORY_NAMES
            if node.module == "corridor.demo.story" or taken:
                found.append(f"{node.lineno} imports {sorted(taken) or node.module}")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "demo"
            and node.attr in STORY_NAMES
        ):
            found.append(f"{node.lineno} reads demo.{node.attr}")
    return found


def test_the_suite_reads_its_input_from_its_own_story_not_the_demos() -> None:
    """Tests take organisations, shipments and papers from `tests/factories.py`: a change
    to the demo's story (what `make run` shows) changes no test's input."""
    tests = Path(__file__).parent
    wrong = [
        f"{path.relative_to(tests)}:{where}"
        for path in tests.rglob("*.py")
        if str(path.relative_to(tests)) not in SHOWS_THE_DEMO
        for where in _story_readers(path.read_text("utf-8"))
    ]
    assert wrong == []


def test_the_guard_on_the_suites_input_finds_a_reader_of_the_demo_story() -> None:
    """The check above is not blind: each way of reading the demo's story is found."""
    sample = (
        "from corridor import demo\n"
        "from corridor.demo import draft\n"
        "from corridor.demo.story import Story\n"
        "x = demo.ORGANISATIONS\n"
        "from corridor.demo import customs\n"
    )
    assert len(_story_readers(sample)) == 3
