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
from redis import Redis

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
    """`from app.<pkg>.<module> import ...` or `import app.<pkg>.<module>` where <pkg>
    is another surfaced package."""
    own = path.relative_to(APP).parts[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if len(parts) > 2 and parts[0] == "app" and parts[1] in SURFACED and parts[1] != own:
                found.append(f"{path.relative_to(APP)}:{node.lineno} {module}")
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


# One store boundary: schedule state is read and written by app/schedules/store only.
# Elsewhere no pipeline, transaction or script, and no command on a Redis client; the
# modules that build clients and the health check's ping (Redis itself, not schedule
# state) are the exceptions.
STORE = APP / "schedules" / "store"
MAY_CALL_REDIS = {
    APP / "core" / "redis.py",
    APP / "core" / "embedded_redis.py",
    APP / "api" / "routes" / "health.py",
}
STORE_ONLY_CALLS = ("pipeline", "register_script", "transaction", "script_load", "eval")
# Every command method of redis-py's client. Those that are also everyday Python method
# names count only on a receiver that looks like a client; the rest count on any
# receiver but the store itself.
REDIS_COMMANDS = frozenset(
    name for name in dir(Redis) if not name.startswith("_") and callable(getattr(Redis, name))
)
EVERYDAY_NAMES = frozenset(
    {"append", "close", "copy", "delete", "digest", "exists", "get", "info", "keys"}
    | {"ping", "save", "set", "shutdown", "sort", "time", "type", "unlink", "wait", "watch"}
    | {"from_url", "lock", "move", "dump", "echo", "execute_command", "count"}
)
CLIENT_NAMES = frozenset({"redis", "client", "r", "conn", "connection"})


def _receiver(func: ast.Attribute) -> str:
    value = func.value
    if isinstance(value, ast.Name):
        return value.id
    return value.attr if isinstance(value, ast.Attribute) else ""


def _is_redis_command(func: ast.Attribute) -> bool:
    receiver = _receiver(func)
    if func.attr not in REDIS_COMMANDS or receiver == "store":
        return False
    return func.attr not in EVERYDAY_NAMES or receiver in CLIENT_NAMES


def _store_only_uses(source: str, may_call_redis: bool = False) -> list[int]:
    """Lines that reach past the store: pipelines, scripts, commands on a client."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "redis.client":
            if any(alias.name == "Pipeline" for alias in node.names):
                found.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "Pipeline":
            found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr.startswith(STORE_ONLY_CALLS):
                found.append(node.lineno)
            elif _is_redis_command(node.func) and not may_call_redis:
                found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("with self.redis.pipeline() as pipe:\n    pipe.get('k')", [1]),
        ("script = client.register_script(LUA)", [1]),
        ("store.redis.evalsha(sha, 0)", [1]),
        ("client.eval(LUA, 0)", [1]),
        ("from redis.client import Pipeline", [1]),
        ("import redis.client\np: redis.client.Pipeline", [2]),
        ("value = store.redis.get(KEY)", [1]),
        ("redis.ping()", [1]),
        ("entry = store.get(name)\nstore.commit_fires(token, steps)", []),
        ("client = make_redis(settings)", []),
        ('r = make_redis(s)\nr.hgetall("x")', [2]),
        ("client.zadd(K, {})\nself.client.delete(k)", [1, 2]),
        ("keys = make_redis(s).scan_iter(match=p)", [1]),
        ("self.store.save(name, spec)\nlines.append(x)\nlog.info('x')", []),
    ],
)
def test_the_store_boundary_check_sees_what_it_forbids(source: str, lines: list[int]) -> None:
    assert _store_only_uses(source) == lines


def test_only_the_store_talks_to_redis() -> None:
    reaching = [
        f"{path.relative_to(APP)}:{line}"
        for path in sorted(APP.rglob("*.py"))
        if STORE not in path.parents
        for line in _store_only_uses(path.read_text(encoding="utf-8"), path in MAY_CALL_REDIS)
    ]
    assert reaching == [], "go through app.schedules.store instead:\n" + "\n".join(reaching)
