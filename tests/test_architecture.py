"""The layout is the architecture: core at the top level, lessons/, views/; arrows point down only.

`lint-imports` (run by `python dev.py test`, configured in pyproject.toml) checks the import contracts;
these tests check what it cannot: the package's own ``__init__``, what ``import epochlab`` loads, the
size of every module, and that the contract really fails on an upward import.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "epochlab"
MAX_MODULE_LINES = 200


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against the epochlab package."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1] if path.name != "__init__.py"
                       else path.relative_to(ROOT).parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            found.add(".".join([*base, node.module] if node.module else base))
    return found


def test_every_module_is_small() -> None:
    long = {str(p.relative_to(ROOT)): n for p in modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by topic): {long}"


def test_the_three_layers_are_folders() -> None:
    assert (PACKAGE / "lessons" / "__init__.py").exists() and (PACKAGE / "views" / "__init__.py").exists()
    assert (PACKAGE / "views" / "dashboard" / "__init__.py").exists(), "the dashboard is a package of the views"
    prefixed = [p.name for p in PACKAGE.rglob("*.py") if p.stem.startswith("dashboard_")]
    assert not prefixed, f"a file-name prefix doing a package's job: {prefixed}"


def test_the_core_init_imports_only_the_core() -> None:
    upward = {m for m in imported_modules(PACKAGE / "__init__.py") if m.startswith(("epochlab.lessons", "epochlab.views"))}
    assert not upward, f"epochlab/__init__.py imports from a higher layer: {upward}"


def test_import_epochlab_loads_no_plotting_or_widgets() -> None:
    code = "import sys, epochlab; print(sorted(m for m in ('matplotlib', 'ipywidgets', 'PIL') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", f"import epochlab loaded {result.stdout.strip()}"


@pytest.mark.skipif(shutil.which("lint-imports", path=str(Path(sys.executable).parent)) is None,
                    reason="import-linter is not installed in this environment")
def test_the_contract_fails_on_a_deliberate_upward_import(tmp_path: Path) -> None:
    # A copy of the package with one core module importing a view: lint-imports must say BROKEN.
    shutil.copytree(PACKAGE, tmp_path / "epochlab", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "epochlab" / "train.py", "a") as file:
        file.write("\nfrom .views import plots  # deliberately upward\n")
    lint = str(Path(sys.executable).parent / "lint-imports")
    broken = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=tmp_path,
                            env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert broken.returncode != 0 and "epochlab.train is not allowed to import epochlab.views" in broken.stdout, broken.stdout
    kept = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert kept.returncode == 0, kept.stdout
