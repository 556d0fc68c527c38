"""The layers import one way only: tonlage (CLI) -> eval -> training -> model.

Every Python file under the four folders is parsed (not imported), so an upward import anywhere,
including one inside a function, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FOLDERS = {"model": "model", "training": "training", "eval": "eval", "tonlage": "cli"}
RANK = {"model": 0, "training": 1, "eval": 2, "cli": 3}
OLD_TOP_LEVEL = {"model", "training", "eval"}


def layer_of_module(name: str) -> str | None:
    """``tonlage.training.corpus`` -> ``training``; ``tonlage.cli`` -> ``cli``; other packages -> None."""
    parts = name.split(".")
    if parts[0] != "tonlage":
        return None
    if len(parts) > 1 and parts[1] in RANK and parts[1] != "cli":
        return parts[1]
    return "cli"


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Absolute module names imported anywhere in ``source``, with line numbers (relative imports stay in their layer)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(folder: str, source: str) -> list[str]:
    """Upward imports and imports of the old bare top-level names in one file of ``folder``."""
    layer = FOLDERS[folder]
    problems = []
    for line, module in imported_modules(source):
        if module.split(".")[0] in OLD_TOP_LEVEL:
            problems.append(f"line {line}: bare `{module}`; use tonlage.{module}")
            continue
        target = layer_of_module(module)
        if target is not None and RANK[target] > RANK[layer]:
            problems.append(f"line {line}: {layer} imports {module} ({target} is above {layer})")
    return problems


def test_the_checker_catches_upward_and_bare_imports():
    assert violations("training", "def f():\n    from tonlage.eval.metrics import x\n") == [
        "line 2: training imports tonlage.eval.metrics (eval is above training)"
    ]
    assert violations("model", "import tonlage.cli") == ["line 1: model imports tonlage.cli (cli is above model)"]
    assert violations("eval", "from eval.report import evaluate") == ["line 1: bare `eval.report`; use tonlage.eval.report"]
    assert violations("eval", "from tonlage.training.corpus import read_jsonl\nimport numpy") == []
    assert violations("tonlage", "from tonlage.eval.report import evaluate") == []


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_no_upward_imports(folder):
    files = sorted((REPO / folder).rglob("*.py"))
    assert files, f"no Python files under {folder}/"
    problems = [f"{path.relative_to(REPO)} {p}" for path in files for p in violations(folder, path.read_text(encoding="utf-8"))]
    assert problems == []


def test_the_namespace_imports_from_outside_the_repo(tmp_path):
    """From another folder only ``tonlage.*`` resolves: no generic ``model``/``training``/``eval`` is installed."""
    import subprocess
    import sys

    code = (
        "import importlib.util, tonlage.model.classifier, tonlage.training.trainer, tonlage.eval.report\n"
        "print([name for name in ('model', 'training', 'eval') if importlib.util.find_spec(name)])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_subpackage_is_listed_for_setuptools():
    """package-dir mapping needs an explicit package list; a folder left out would be missing from a wheel."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {"tonlage"}
    for folder in ("model", "training", "eval"):
        for init in (REPO / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(REPO).parts
            found.add(".".join(("tonlage", *parts)))
    found |= {".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "tonlage").rglob("__init__.py")}
    assert found == listed
