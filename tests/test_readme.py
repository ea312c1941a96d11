"""The README's library example runs and prints what its comment promises."""

from __future__ import annotations

import contextlib
import io
import re

from conftest import ROOT


def test_readme_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert len(blocks) == 1, "expected one python example in README.md"
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(blocks[0], "README.md", "exec"), {})
    losses, same = output.getvalue().rsplit(" ", 1)
    values = [float(v) for v in losses.strip("[] ").split(",")]
    assert same.strip() == "True", "the README promises equal boundary weights"
    assert values[-1] < values[0], "the README promises the loss falls"


def test_readme_names_the_ci_test_command() -> None:
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()
    assert "python3 dev.py test" in readme and "python3 dev.py test" in ci
