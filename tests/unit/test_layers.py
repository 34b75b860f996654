"""The shape of app/: layers that never import upwards, packages used through their surface.

The layer order lives in the root pyproject.toml ([tool.importlinter]); import-linter
checks it here so that CI fails on the first upward import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "backend" / "app"
# Packages whose __init__ declares the public surface other packages import from.
SURFACED = ("schedules", "schedules_file", "monitor", "presentation")


def test_no_module_imports_from_a_layer_above_it() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=APP.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _reaching_imports(path: Path) -> list[str]:
    """`from app.<pkg>.<module> import ...` where <pkg> is another surfaced package."""
    own = path.relative_to(APP).parts[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if len(parts) > 2 and parts[0] == "app" and parts[1] in SURFACED:
                if parts[1] != own:
                    found.append(f"{path.relative_to(APP)}:{node.lineno} {node.module}")
    return found


@pytest.mark.parametrize("package", SURFACED)
def test_surfaced_packages_declare_all(package: str) -> None:
    init = ast.parse((APP / package / "__init__.py").read_text(encoding="utf-8"))
    names = [
        t.id
        for n in init.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    ]
    assert "__all__" in names


def test_other_packages_import_only_the_public_surface() -> None:
    reaching = [hit for path in sorted(APP.rglob("*.py")) for hit in _reaching_imports(path)]
    assert reaching == [], "import these from the package itself:\n" + "\n".join(reaching)
