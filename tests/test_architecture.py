"""The shape of the code: layers without cycles, no private names across modules, one
error base, and commands that start without the heavy libraries they do not need."""

from __future__ import annotations

import ast
import inspect
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import summarizer
from summarizer.types import SummarizerError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "summarizer"
EXAMPLES = ROOT / "examples"
HEAVY = ("torch", "transformers", "ctranslate2", "sentence_transformers")


def modules() -> list[Path]:
    return sorted(PACKAGE.glob("*.py"))


def test_the_layers_contract_holds() -> None:
    """import-linter's contracts in pyproject.toml: layers from the shells down to the leaf
    of types, every module placed, and no import cycles."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a dev dependency: pip install -e '.[dev]'"
    done = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_module_imports_another_modules_private_names() -> None:
    offenders = []
    for path in [*modules(), ROOT / "app.py", *sorted((ROOT / "bench").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (
                node.level or "summarizer" in (node.module or "")
            ):
                offenders += [f"{path.name}: {a.name}" for a in node.names
                              if a.name.startswith("_") and a.name != "__version__"]  # fmt: skip
                if any(part.startswith("_") for part in (node.module or "").split(".")):
                    offenders.append(f"{path.name}: module {node.module}")
    assert not offenders


def test_every_name_imported_from_the_package_exists() -> None:
    """The benchmark and the tests import only what the package has (its lazy imports in
    functions too, which an import of the file alone would not reach)."""
    import importlib

    missing = []
    for path in [ROOT / "app.py", *sorted((ROOT / "bench").glob("*.py")),
                 *sorted((ROOT / "tests").glob("*.py"))]:  # fmt: skip
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("summarizer"):
                try:
                    module = importlib.import_module(node.module or "")
                except ImportError:
                    missing.append(f"{path.name}: {node.module}")
                    continue
                missing += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                            if not hasattr(module, a.name)]  # fmt: skip
    assert not missing


def test_the_leaf_imports_only_the_standard_library() -> None:
    tree = ast.parse((PACKAGE / "types.py").read_text(encoding="utf-8"))
    imported = {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in (n.names if isinstance(n, ast.Import) else [n])
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_every_refusal_derives_from_the_one_error_base() -> None:
    """So a shell catches SummarizerError once instead of listing eight classes."""
    import importlib

    found = []
    for path in modules():
        module = importlib.import_module(f"summarizer.{path.stem}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, Exception):
                continue
            if name.startswith("_") or name == "SummarizerError":
                continue  # a module's private signal never leaves it
            found.append(name)
            assert issubclass(cls, SummarizerError), f"{path.name}: {name}"
    assert {"ConfigError", "IngestError", "FetchError", "HubError", "StoreError",
            "ModelLoadError", "BackendError", "OutputError"} <= set(found)  # fmt: skip
    assert summarizer.SummarizerError is SummarizerError


def _imported(tmp_path: Path, argv: list[str]) -> dict:
    """Run the CLI in a fresh interpreter; which heavy libraries it imported, its status."""
    code = (
        "import json, sys\nfrom summarizer.cli import main\n"
        "try:\n    rc = main(json.loads(sys.argv[1]))\nexcept SystemExit as e:\n    rc = e.code\n"
        f"print(json.dumps({{'rc': rc, 'heavy': [m for m in {HEAVY!r} if m in sys.modules]}}))"
    )
    done = subprocess.run([sys.executable, "-c", code, json.dumps(argv)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["models", "list"],
        ["does-not-exist.txt"],
        ["--engine", "extractive", str(EXAMPLES / "en_solar_negev.txt"), "-o", "out.md"],
    ],
    ids=["help", "models-list", "missing-file", "extractive-english"],
)
def test_commands_that_load_no_model_import_no_model_library(tmp_path: Path, argv) -> None:
    """Start-up: help, a refusal and `models list` answer at once; an extractive run on an
    English article needs neither torch nor transformers, so it never imports them."""
    got = _imported(tmp_path, argv)
    assert got["heavy"] == [], got
    assert got["rc"] == (1 if argv == ["does-not-exist.txt"] else 0)
    if argv[0] == "--engine":
        assert (tmp_path / "out.md").read_text(encoding="utf-8").strip()
