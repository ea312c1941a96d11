"""environment.yml (conda-forge, Binder) and pyproject.toml (pip) must describe the same environment."""

from __future__ import annotations

import re
import sys

import yaml
from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# conda-forge package name -> PyPI name, where they differ
CONDA_TO_PIP = {"pytorch-cpu": "torch", "pytorch": "torch", "matplotlib-base": "matplotlib"}
NOT_PIP_PACKAGES = {"python", "pip"}


def split_requirement(text: str) -> tuple[str, str]:
    """``"torch>=2.2"`` -> ``("torch", ">=2.2")``, names normalised as PEP 503 does."""
    text = text.split(";")[0].strip()
    match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", text)
    assert match, f"unparsable requirement: {text!r}"
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(2).replace(" ", "")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def conda_requirements() -> dict[str, str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"], "environment.yml must use conda-forge only"
    requirements = {}
    for entry in environment["dependencies"]:
        assert isinstance(entry, str), f"unexpected entry in environment.yml: {entry!r}"
        name, spec = split_requirement(entry)
        if name not in NOT_PIP_PACKAGES:
            requirements[CONDA_TO_PIP.get(name, name)] = spec
    return requirements


def test_environment_matches_pyproject() -> None:
    project = pyproject()["project"]
    pip = dict(split_requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["notebooks"])
    assert conda_requirements() == pip, "environment.yml and pyproject.toml (dependencies + notebooks extra) drifted apart"


def test_python_version_agrees() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(split_requirement(d)[1] for d in environment["dependencies"] if d.startswith("python"))
    assert python == pyproject()["project"]["requires-python"]


def test_ci_pins_torch_and_the_pin_satisfies_the_requirement() -> None:
    pins = dict(split_requirement(line) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#"))
    assert pins.get("torch", "").startswith("=="), "CI must pin torch exactly (a range pulls CUDA builds)"
    pinned = tuple(int(p) for p in pins["torch"][2:].split(".")[:2])
    minimum = next(split_requirement(r)[1] for r in pyproject()["project"]["dependencies"] if r.startswith("torch"))
    assert minimum.startswith(">="), "the user-facing torch requirement should be a lower bound"
    assert pinned >= tuple(int(p) for p in minimum[2:].split(".")[:2]), "the CI pin must satisfy the requirement"


def test_installed_torch_is_the_pinned_cpu_build() -> None:
    import torch

    pins = (ROOT / "constraints.txt").read_text()
    assert f"torch=={torch.__version__.split('+')[0]}" in pins, f"installed torch {torch.__version__} is not the pin"
