"""Static checks on docker-compose.yml, the Dockerfile, .dockerignore and .env.example.

No Docker engine runs on our machines, so these read the files and hold them against the
repository: what each service runs exists, every variable is a real setting, the image
installs what ./run.sh installs. Each checker returns a list of problems and is also run
on a broken snippet, so it is known to catch what it is for. A compose validator
(`docker-compose config` or `docker compose config`, neither needs an engine) runs when
one is installed.
"""

from __future__ import annotations

import ast
import copy
import fnmatch
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from redis import Redis
from redis.exceptions import RedisError

from app.core.config import DEFAULT_SCHEDULES_FILE, Settings
from app.core.embedded_redis import HOST, find_redis_server, free_port
from app.launcher.flower import FLOWER_VERSION
from app.launcher.stack import SCRIPTS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, Any] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text())
SETTINGS = frozenset(name.upper() for name in Settings.model_fields)
# Read by compose itself, never by the app: HA_REDIS_URL picks the containers' Redis
# (docs/high-availability.md), COMPOSE_PROFILES is Docker's own (`--profile` from .env).
COMPOSE_ONLY = frozenset({"HA_REDIS_URL", "COMPOSE_PROFILES"})
# The services of the `ha` profile: stock Redis images, no app code.
HA_SERVICES = ("redis-replica", "sentinel-1", "sentinel-2", "sentinel-3")
SENTINEL_PORT = 26379

Instruction = tuple[str, str]  # (keyword, arguments) of one Dockerfile instruction


# ---- reading the files ----


def command_words(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(word) for word in value]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the `- KEY=value` form
        return dict(item.partition("=")[::2] for item in env)
    return {key: str(value) for key, value in env.items()}


def interpolated_names(text: str) -> set[str]:
    # `$$` is a literal dollar, passed on to the container's shell.
    return set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def env_example_names(text: str) -> set[str]:
    """Keys set in an .env file, commented-out examples (`# KEY=value`) included."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def parse_dockerfile(text: str) -> list[Instruction]:
    lines = re.sub(r"\\\n", " ", text).splitlines()
    parsed = [line.strip().partition(" ") for line in lines]
    return [(word.upper(), rest.strip()) for word, _, rest in parsed if word and word[0] != "#"]


def stage(instructions: list[Instruction], name: str) -> list[Instruction]:
    """The instructions of the stage `FROM ... AS name`, its FROM first."""
    pattern = re.compile(rf"\bAS {name}$", flags=re.IGNORECASE)
    start = next(i for i, (k, a) in enumerate(instructions) if k == "FROM" and pattern.search(a))
    end = next(
        (i for i in range(start + 1, len(instructions)) if instructions[i][0] == "FROM"), None
    )
    return instructions[start:end]


def workdir(instructions: list[Instruction]) -> str:
    return [args for keyword, args in instructions if keyword == "WORKDIR"][-1]


def module_exists(module: str) -> bool:
    base = ROOT / "backend" / Path(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


# ---- checkers: each returns the problems it finds ----


def target_problem(words: list[str], container_dir: str) -> str | None:
    """What a command runs must be a script in the repo or a module of the package."""
    if not words:
        return "has no command"
    if words[0].startswith(("./", "/")):
        in_container = Path(container_dir, words[0])
        if not in_container.is_relative_to(container_dir):
            return f"runs {words[0]}, outside {container_dir}"
        script = ROOT / in_container.relative_to(container_dir)
        return None if script.is_file() else f"runs {words[0]}, which is not in the repo"
    for flag in ("-A", "--app", "-m"):
        if flag in words[:-1]:
            module = words[words.index(flag) + 1].partition(":")[0]
            return None if module_exists(module) else f"names module {module}, which is missing"
    return f"runs {words[0]}, neither a repo script nor a module of the package"


def command_problems(services: dict[str, Any], container_dir: str) -> list[str]:
    problems = []
    for name, service in services.items():
        if "build" not in service:  # a stock image (redis) runs its own binary
            continue
        words = command_words(service.get("entrypoint")) + command_words(service.get("command"))
        problem = target_problem(words, container_dir)
        problems += [f"{name} {problem}"] if problem else []
    return problems


def unknown_variables(names: set[str]) -> list[str]:
    return sorted(names - SETTINGS - COMPOSE_ONLY)


def healthcheck_problems(services: dict[str, Any]) -> list[str]:
    problems = []
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        if check.get("disable") or command_words(check.get("test"))[:1] in ([], ["NONE"]):
            problems.append(f"{name} has no healthcheck")
    return problems


def depends_on_problems(services: dict[str, Any]) -> list[str]:
    problems = []
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):  # the short form only waits for a start
            problems += [f"{name} waits only for {dep} to start" for dep in depends]
            continue
        for dep, spec in depends.items():
            if (spec or {}).get("condition") != "service_healthy":
                problems.append(f"{name} does not wait for {dep} to be healthy")
    return problems


def bind_sources(service: dict[str, Any]) -> list[str]:
    sources = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            sources += [volume["source"]] if volume.get("type") == "bind" else []
        elif volume.startswith((".", "/")):  # short form: a path, not a volume name
            sources.append(volume.split(":")[0])
    return sources


def bind_mount_problems(services: dict[str, Any]) -> list[str]:
    return [
        f"{name} mounts {source}, which does not exist"
        for name, service in services.items()
        for source in bind_sources(service)
        if not (ROOT / source).exists()
    ]


def redis_problems(service: dict[str, Any], volumes: dict[str, Any]) -> list[str]:
    command = " ".join(command_words(service.get("command")))
    problems = []
    if "--appendonly yes" not in command:
        problems.append("redis runs without AOF (--appendonly yes)")
    if "--maxmemory-policy noeviction" not in command:
        problems.append("redis may evict keys, i.e. schedules (--maxmemory-policy noeviction)")
    if "--notify-keyspace-events Kz" not in command:
        problems.append("redis sends no keyspace events (--notify-keyspace-events Kz)")
    mounts = [v for v in service.get("volumes") or [] if isinstance(v, str)]
    if not any(v.endswith(":/data") and v.split(":")[0] in volumes for v in mounts):
        problems.append("redis keeps /data outside a named volume")
    return problems


def sentinel_conf(service: dict[str, Any]) -> list[str]:
    """The lines a sentinel service writes to its configuration, with the script's `$1`
    and `$2` (`sh -c script sh <its name> <the primary's name>`) put in, the latter's
    default taken for compose's `${VAR:-default}`."""
    words = command_words(service.get("command"))
    if words[:2] != ["sh", "-c"] or len(words) != 6:
        return []
    master = re.sub(r"^\$\{[A-Z_]+:-(.*)\}$", r"\1", words[5])
    script = words[2].replace("$$1", words[4]).replace("$$2", master)
    body = script.partition("<<EOF\n")[2].partition("\nEOF\n")[0]
    return [line.strip() for line in body.splitlines() if line.strip()]


def monitored(lines: list[str]) -> tuple[str, ...]:
    """(name, host, port, quorum) of `sentinel monitor`, or () when there is none."""
    found = [line.split()[2:] for line in lines if line.startswith("sentinel monitor ")]
    return tuple(found[0]) if len(found) == 1 else ()


def ha_problems(services: dict[str, Any], volumes: dict[str, Any]) -> list[str]:
    """The replica keeps what the primary keeps, and the three sentinels watch the redis
    service under the one name the app is given, by a majority, each from a volume."""
    missing = [name for name in HA_SERVICES if name not in services]
    if missing:
        return [f"{name} is missing" for name in missing]
    problems = [
        f"{name} runs without --profile ha"
        for name in HA_SERVICES
        if services[name].get("profiles") != ["ha"]
    ]
    replica = services["redis-replica"]
    problems += [f"redis-replica: {problem}" for problem in redis_problems(replica, volumes)]
    if "--replicaof redis 6379" not in " ".join(command_words(replica.get("command"))):
        problems.append("redis-replica does not replicate the redis service")
    return problems + sentinel_problems(services, volumes)


def sentinel_problems(services: dict[str, Any], volumes: dict[str, Any]) -> list[str]:
    sentinels = [name for name in HA_SERVICES if name.startswith("sentinel-")]
    problems, watched = [], set()
    for name in sentinels:
        lines = sentinel_conf(services[name])
        watched.add(monitored(lines))
        if f"sentinel announce-ip {name}" not in lines:
            problems.append(f"{name} does not announce itself by its name")
        mounts = [v for v in services[name].get("volumes") or [] if v.endswith(":/data")]
        if not any(mount.split(":")[0] in volumes for mount in mounts):
            problems.append(f"{name} keeps its configuration outside a named volume")
    if len(watched) != 1 or () in watched:
        return [*problems, "the sentinels do not all watch one primary"]
    master, host, port, quorum = watched.pop()
    if (host, port) != ("redis", "6379"):
        problems.append(f"the sentinels watch {host}:{port}, not the redis service")
    if int(quorum) <= len(sentinels) // 2:
        problems.append(f"a quorum of {quorum} of {len(sentinels)} sentinels is no majority")
    # One setting names the primary for the sentinels and the app: .env's
    # REDIS_SENTINEL_MASTER, which reaches the app through env_file unless overridden.
    shared = "${REDIS_SENTINEL_MASTER:-"
    if not all(command_words(services[n]["command"])[5].startswith(shared) for n in sentinels):
        problems.append("the sentinels' name for the primary is not REDIS_SENTINEL_MASTER")
    for name in ("api", "worker", "beat"):
        if "REDIS_SENTINEL_MASTER" in environment(services[name]):
            problems.append(f"{name} overrides REDIS_SENTINEL_MASTER, the sentinels' name")
    return problems


def scaling_problems(name: str, service: dict[str, Any]) -> list[str]:
    """`--scale` needs containers that differ: no fixed name, hostname or host port."""
    fixed = [key for key in ("container_name", "hostname", "ports") if key in service]
    return [f"{name} sets {key}, so it cannot be scaled" for key in fixed]


def schedules_problems(service: dict[str, Any], container_dir: str) -> list[str]:
    """SCHEDULES_FILE must be a read-only mount of the repo's schedules.json."""
    file = environment(service).get("SCHEDULES_FILE")
    if file is None:
        return ["SCHEDULES_FILE is not set"]
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict) and Path(file).is_relative_to(volume["target"]):
            host = ROOT / volume["source"] / Path(file).relative_to(volume["target"])
            repo_file = ROOT / Path(file).relative_to(container_dir)
            if volume.get("read_only") and host.resolve() == repo_file.resolve():
                return [] if host.is_file() else [f"{host} does not exist"]
    return [f"{file} is not a read-only mount of the repo's file"]


def dockerfile_problems(text: str) -> list[str]:
    instructions = parse_dockerfile(text)
    code = "\n".join(f"{keyword} {args}" for keyword, args in instructions)  # no comments
    problems = []
    base = re.search(r"^ARG PYTHON_IMAGE=python:3\.(\d+)-slim", code, flags=re.MULTILINE)
    if base is None or int(base.group(1)) < 11:
        problems.append("the base image is not a slim Python 3.11+")
    users = [args for keyword, args in stage(instructions, "app") if keyword == "USER"]
    if not users or users[-1] in ("root", "0"):
        problems.append("the image runs as root")
    if re.search(r"\[dev\]|--dev\b", code):
        problems.append("the image installs the dev extras")
    first_install = next(i for i, (_, args) in enumerate(instructions) if "pip install -r" in args)
    copied_first = [args for keyword, args in instructions[:first_install] if keyword == "COPY"]
    if copied_first != ["backend/pyproject.toml ./"]:
        problems.append("dependencies are not installed from pyproject.toml alone, first")
    if "pip install --no-deps --no-build-isolation -e backend" not in code:
        problems.append("the source is not installed editable, as scripts/bootstrap.sh does")
    return problems


def requirements_of(dockerfile: str, pyproject: Path, tmp_path: Path) -> list[str]:
    """Runs the Dockerfile's own requirements step on `pyproject`."""
    run = next(args for keyword, args in parse_dockerfile(dockerfile) if "tomllib" in args)
    words = shlex.split(run)
    code, argument = words[words.index("-c") + 1], words[words.index("-c") + 2]
    (tmp_path / argument).write_bytes(pyproject.read_bytes())
    result = subprocess.run(
        [sys.executable, "-c", code, argument], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, for the names used here: the last matching pattern wins."""
    verdict = False
    parts = Path(path).parts
    candidates = {str(Path(*parts[:i])) for i in range(1, len(parts) + 1)}
    for pattern in patterns:
        keep = pattern.startswith("!")
        glob = pattern.lstrip("!").removeprefix("**/")
        if any(fnmatch.fnmatch(c, glob) or c.endswith("/" + glob) for c in candidates):
            verdict = not keep
    return verdict


def dockerignore_problems(text: str, copied: list[str]) -> list[str]:
    patterns = [line.strip() for line in text.splitlines() if line.strip()[:1] not in ("", "#")]
    must_skip = [".venv", ".data", ".git", "tests", ".env", "backend/.env"]
    must_skip += ["backend/app/__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"]
    problems = [f"{p} reaches the image" for p in must_skip if not ignored(p, patterns)]
    return problems + [f"{p} is copied but ignored" for p in copied if ignored(p, patterns)]


# ---- the real files ----

APP_STAGE = stage(parse_dockerfile(DOCKERFILE), "app")
APP_DIR = workdir(APP_STAGE)
COPIED = [w for k, a in APP_STAGE if k == "COPY" and "--from" not in a for w in a.split()[:-1]]


def test_every_service_runs_a_script_or_module_of_the_repo() -> None:
    assert command_problems(SERVICES, APP_DIR) == []


def test_the_services_run_the_scripts_that_run_sh_runs() -> None:
    scripts = {command_words(s["command"])[0] for s in SERVICES.values() if "build" in s}
    # Flower: run by hand, not by ./run.sh, through the same script as here.
    scripts.remove("./run_flower.sh")
    assert "run_flower.sh" in COPIED
    # ./run.sh execs the launcher, which starts these scripts (app/launcher/stack.py).
    launched = {f"./{script}" for _, script in SCRIPTS}

    assert scripts == {"./run_api.sh", "./run_worker.sh", "./run_celery_beat.sh"}
    assert scripts == launched
    assert all(script[2:] in COPIED for script in scripts), "the image lacks a script"


def test_every_variable_compose_sets_or_reads_is_a_setting() -> None:
    names = {key for service in SERVICES.values() for key in environment(service)}

    assert unknown_variables(names | interpolated_names(COMPOSE_TEXT)) == []


def test_every_key_of_env_example_is_a_setting() -> None:
    names = env_example_names((ROOT / ".env.example").read_text())

    assert "API_TOKEN" in names
    assert unknown_variables(names) == []


def test_every_build_arg_is_declared_in_the_dockerfile() -> None:
    args = {arg for s in SERVICES.values() for arg in (s.get("build") or {}).get("args", {})}
    declared = {a.partition("=")[0] for k, a in parse_dockerfile(DOCKERFILE) if k == "ARG"}

    assert args <= declared


def test_every_service_has_a_healthcheck_and_waits_for_healthy_dependencies() -> None:
    assert healthcheck_problems(SERVICES) == []
    assert depends_on_problems(SERVICES) == []


def missing_imports(code: str) -> list[str]:
    """Names a `python -c` healthcheck imports from the package that do not exist."""
    missing = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app."):
            module = importlib.import_module(node.module or "")
            missing += [
                f"{node.module}.{a.name}" for a in node.names if not hasattr(module, a.name)
            ]
    return missing


def test_healthchecks_use_what_exists() -> None:
    for name, service in SERVICES.items():
        words = command_words(service["healthcheck"]["test"])
        if words[0] == "CMD-SHELL":
            words = shlex.split(words[1])
        if "-c" in words:
            assert missing_imports(words[words.index("-c") + 1]) == [], name
        elif "-A" in words:
            assert target_problem(words, APP_DIR) is None, name
    assert missing_imports("from app.core.constants import NO_SUCH_KEY") != []


def test_bind_mounts_exist_and_schedules_json_reaches_beat_and_api() -> None:
    assert bind_mount_problems(SERVICES) == []
    for name in ("beat", "api"):
        assert schedules_problems(SERVICES[name], APP_DIR) == [], name
    in_container = Path(environment(SERVICES["beat"])["SCHEDULES_FILE"])
    assert ROOT / in_container.relative_to(APP_DIR) == DEFAULT_SCHEDULES_FILE


def test_redis_keeps_every_key_on_a_named_volume() -> None:
    assert redis_problems(SERVICES["redis"], COMPOSE["volumes"]) == []


def test_the_ha_profile_adds_a_replica_and_three_sentinels_and_no_other_code() -> None:
    assert ha_problems(SERVICES, COMPOSE["volumes"]) == []
    # The app's services are the same with or without it: the same scripts, the same
    # settings but REDIS_URL (and REDIS_SENTINEL_MASTER, from .env).
    assert all("build" not in SERVICES[name] for name in HA_SERVICES)
    assert all(SERVICES[name]["image"] == SERVICES["redis"]["image"] for name in HA_SERVICES)
    assert environment(SERVICES["api"])["REDIS_URL"] == "${HA_REDIS_URL:-redis://redis:6379/0}"


def test_the_example_ha_url_lists_the_compose_sentinels() -> None:
    """.env.example's HA_REDIS_URL is a URL Settings accepts, naming each sentinel service."""
    found = re.search(r"^#\s*HA_REDIS_URL=(\S+)$", ENV_EXAMPLE, flags=re.MULTILINE)
    assert found is not None
    master = monitored(sentinel_conf(SERVICES["sentinel-1"]))[0]
    settings = Settings(redis_url=found.group(1), redis_sentinel_master=master)
    sentinel = settings.sentinel_url()

    assert sentinel is not None
    assert set(sentinel.nodes) == {
        (n, SENTINEL_PORT) for n in HA_SERVICES if n.startswith("sentinel-")
    }


def test_a_sentinel_starts_from_the_compose_configuration(tmp_path: Path) -> None:
    """The lines each sentinel service writes, given to the redis-server the tests run as a
    sentinel (with loopback for the service names and a free port): it starts and
    watches the primary as configured."""
    lines = sentinel_conf(SERVICES["sentinel-1"])
    port = free_port()
    local = [
        line.replace(" redis ", f" {HOST} ").replace(f"port {SENTINEL_PORT}", f"port {port}")
        for line in lines
        if not line.startswith("sentinel announce-ip")
    ]
    conf = tmp_path / "sentinel.conf"
    conf.write_text("\n".join([*local, f"bind {HOST}", f"dir {tmp_path}"]) + "\n")
    log = (tmp_path / "log").open("wb")
    process = subprocess.Popen(
        [find_redis_server(), str(conf), "--sentinel"], stdout=log, stderr=log
    )
    try:
        master = monitored(lines)[0]
        state = wait_for_sentinel(port, master, process)
    finally:
        process.kill()
        process.wait()
        log.close()
    assert state["quorum"] == "2" and state["down-after-milliseconds"] == "5000", state


def wait_for_sentinel(port: int, master: str, process: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with Redis(host=HOST, port=port, socket_timeout=2, decode_responses=True) as client:
                found: dict[str, str] = client.execute_command("SENTINEL", "MASTER", master)
                return {str(k): str(v) for k, v in found.items()}
        except RedisError:
            time.sleep(0.05)
    raise AssertionError(f"the sentinel did not start (exit status {process.poll()})")


def test_worker_and_beat_can_be_scaled() -> None:
    assert scaling_problems("worker", SERVICES["worker"]) == []
    assert scaling_problems("beat", SERVICES["beat"]) == []


def test_api_listens_beyond_loopback_only_with_a_token() -> None:
    env = environment(SERVICES["api"])

    assert env["API_HOST"] == "0.0.0.0"
    assert env["API_TOKEN"].startswith("${API_TOKEN:?")
    assert f":{env['API_PORT']}/health" in " ".join(SERVICES["api"]["healthcheck"]["test"])
    assert [port.rpartition(":")[2] for port in SERVICES["api"]["ports"]] == [env["API_PORT"]]


def test_flower_is_optional_and_pinned() -> None:
    flower = SERVICES["flower"]

    assert flower["profiles"] == ["flower"]
    assert flower["build"]["args"]["FLOWER_VERSION"] == FLOWER_VERSION
    assert "ARG FLOWER_VERSION=\n" in DOCKERFILE, "the default image must not carry Flower"


def test_the_dockerfile_is_slim_non_root_and_layered() -> None:
    assert dockerfile_problems(DOCKERFILE) == []


def test_the_image_installs_the_dependencies_run_sh_installs(tmp_path: Path) -> None:
    installed = requirements_of(DOCKERFILE, ROOT / "backend" / "pyproject.toml", tmp_path)
    project = PYPROJECT["project"]

    assert installed == PYPROJECT["build-system"]["requires"] + project["dependencies"]
    assert not set(installed) & set(project["optional-dependencies"]["dev"])


def test_dockerignore_keeps_local_state_out_and_the_source_in() -> None:
    text = (ROOT / ".dockerignore").read_text()

    assert dockerignore_problems(text, [*COPIED, "backend/pyproject.toml"]) == []


# ---- each checker catches what it is for ----

BAD_SERVICES: dict[str, Any] = {
    "typo": {"build": ".", "command": "./run_wroker.sh", "depends_on": ["redis"]},
    "gone": {"build": ".", "command": ["celery", "-A", "app.nowhere:app", "worker"]},
    "shell": {"build": ".", "command": "bash -c 'celery worker'", "healthcheck": {"test": "NONE"}},
    "loose": {"depends_on": {"redis": {"condition": "service_started"}}, "volumes": ["./nope:/x"]},
}


def test_the_checkers_catch_broken_services() -> None:
    assert command_problems(BAD_SERVICES, "/app") == [
        "typo runs ./run_wroker.sh, which is not in the repo",
        "gone names module app.nowhere, which is missing",
        "shell runs bash, neither a repo script nor a module of the package",
    ]
    assert len(healthcheck_problems(BAD_SERVICES)) == 4
    assert depends_on_problems(BAD_SERVICES) == [
        "typo waits only for redis to start",
        "loose does not wait for redis to be healthy",
    ]
    assert bind_mount_problems(BAD_SERVICES) == ["loose mounts ./nope, which does not exist"]
    assert unknown_variables({"REDIS_URL", "REDIS_URI"}) == ["REDIS_URI"]
    assert env_example_names("# TIMEZON=UTC\nAPI_TOKEN=\n# a comment\n") == {"TIMEZON", "API_TOKEN"}
    assert interpolated_names("a: ${API_TOKEN:?x} $$HOSTNAME $LANG") == {"API_TOKEN", "LANG"}


def test_the_ha_checker_catches_a_broken_profile() -> None:
    broken = copy.deepcopy(SERVICES)
    broken["sentinel-2"]["command"][2] = broken["sentinel-2"]["command"][2].replace(
        "$$2 redis 6379 2", "$$2 redis 6379 1"
    )
    broken["sentinel-3"]["volumes"] = ["./conf:/data"]
    broken["redis-replica"]["profiles"] = []
    broken["worker"]["environment"] = {
        **broken["worker"]["environment"],
        "REDIS_SENTINEL_MASTER": "m",
    }

    assert ha_problems(broken, COMPOSE["volumes"]) == [
        "redis-replica runs without --profile ha",
        "sentinel-3 keeps its configuration outside a named volume",
        "the sentinels do not all watch one primary",
    ]
    broken["sentinel-2"] = SERVICES["sentinel-2"]
    assert ha_problems(broken, COMPOSE["volumes"])[-1] == (
        "worker overrides REDIS_SENTINEL_MASTER, the sentinels' name"
    )
    broken["sentinel-1"]["command"] = [*broken["sentinel-1"]["command"][:5], "primary"]
    assert "the sentinels' name for the primary is not REDIS_SENTINEL_MASTER" in ha_problems(
        broken, COMPOSE["volumes"]
    )
    assert ha_problems({}, {})[0] == "redis-replica is missing"


def test_the_checkers_catch_a_bad_redis_and_unscalable_services() -> None:
    redis = {"command": "redis-server --appendonly no", "volumes": ["./data:/data"]}

    assert len(redis_problems(redis, {"redis-data": None})) == 4
    beat = {"container_name": "beat", "ports": ["5555:5555"]}
    assert scaling_problems("beat", beat) == [
        "beat sets container_name, so it cannot be scaled",
        "beat sets ports, so it cannot be scaled",
    ]


def test_the_checkers_catch_a_schedules_file_that_does_not_reach_beat() -> None:
    file = {"SCHEDULES_FILE": "/app/backend/app/config/schedules.json"}
    writable = {
        "type": "bind",
        "source": "./backend/app/config",
        "target": "/app/backend/app/config",
    }
    elsewhere = {**writable, "read_only": True, "source": "./backend/app/tasks"}

    assert schedules_problems({}, "/app") == ["SCHEDULES_FILE is not set"]
    for volume in (writable, elsewhere):
        assert len(schedules_problems({"environment": file, "volumes": [volume]}, "/app")) == 1


def test_the_checkers_catch_a_fat_root_image(tmp_path: Path) -> None:
    bad = DOCKERFILE.replace("python:3.11-slim", "python:3.10").replace("USER app", "USER root")
    bad = bad.replace("COPY backend/pyproject.toml ./", "COPY backend ./")
    bad = bad.replace("-e backend", "-e 'backend[dev]'")

    assert len(dockerfile_problems(bad)) == 5
    # The requirements step follows pyproject.toml: a test tool listed there would come too.
    pyproject = tmp_path / "other.toml"
    pyproject.write_text('[build-system]\nrequires = []\n[project]\ndependencies = ["pytest"]\n')
    assert requirements_of(DOCKERFILE, pyproject, tmp_path) == ["pytest"]


def test_the_checkers_catch_a_leaky_dockerignore() -> None:
    problems = dockerignore_problems(".git\n**/__pycache__\nrun_*.sh\n", ["run_api.sh", "backend"])

    assert "tests reaches the image" in problems
    assert "backend/app/__pycache__ reaches the image" not in problems
    assert "run_api.sh is copied but ignored" in problems
    assert not ignored("backend", ["backend", "!backend"])


# ---- a real compose validator, where one is installed ----


def compose_validator() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    return None


def validate(compose_text: str, env_text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`config -q` in a project folder of its own, so a developer's .env plays no part."""
    (tmp_path / "docker-compose.yml").write_text(compose_text)
    (tmp_path / ".env").write_text(env_text)
    (tmp_path / "backend").symlink_to(ROOT / "backend")
    (tmp_path / "Dockerfile").symlink_to(ROOT / "Dockerfile")
    validator = compose_validator()
    assert validator is not None
    # The shell's settings and COMPOSE_* variables would override the files under test.
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env = {k: v for k, v in env.items() if not k.startswith("COMPOSE_")}
    return subprocess.run(
        [*validator, "config", "-q"], cwd=tmp_path, env=env, capture_output=True, text=True
    )


needs_validator = pytest.mark.skipif(
    compose_validator() is None, reason="no docker-compose (v1) or docker compose (v2) here"
)
ENV_EXAMPLE = (ROOT / ".env.example").read_text()


@needs_validator
def test_the_compose_file_validates(tmp_path: Path) -> None:
    result = validate(COMPOSE_TEXT, ENV_EXAMPLE.replace("API_TOKEN=\n", "API_TOKEN=x\n"), tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


@needs_validator
def test_the_validator_refuses_a_missing_token(tmp_path: Path) -> None:
    result = validate(COMPOSE_TEXT, ENV_EXAMPLE, tmp_path)

    assert result.returncode != 0
    assert "set API_TOKEN in .env" in result.stdout + result.stderr


@needs_validator
def test_the_validator_refuses_a_bad_file(tmp_path: Path) -> None:
    bad = COMPOSE_TEXT.replace("condition: service_healthy", "condition: when_ready")
    result = validate(bad, "API_TOKEN=x\n", tmp_path)

    assert result.returncode != 0
    assert "when_ready" in result.stdout + result.stderr
