"""Redis credentials everywhere: every component as its own least-privilege ACL user,
and ./run.sh over TLS with a client certificate and a password.

The ACL stack runs the API, a worker, Beat and the CLI each as the user that
app/core/redis_acl.py describes (and nothing else: `-@all` first, the default user
closed) and shows a schedule created through the API fires and is recorded, the CLI
lists it, and Redis refused nothing (`ACL LOG` is empty). Then no password appears in
any log or output of it. The TLS tests need a redis-server built with TLS
(scripts/redis_tls_deps.sh installs Debian's); REDIS_TLS_TESTS=skip skips them, saying so.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from redis.exceptions import NoPermissionError

from app.core.embedded_redis import RedisServer, find_redis_server, free_port
from app.core.redis_acl import COMPONENTS, Component, acl_rules
from tests.integration.conftest import (
    ROOT,
    Stack,
    stack_env,
    start_launcher,
    wait_until,
    write_schedules,
)

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
BASE = "/api/scheduler/schedule"
CLI = str(ROOT / ".venv" / "bin" / "batchsched-cli")
CLI_TIMEOUT = 60.0


@dataclass
class AclServer:
    server: RedisServer
    admin: Redis
    passwords: dict[Component, str]

    def url(self, component: Component) -> str:
        return f"redis://{component}:{self.passwords[component]}@127.0.0.1:{self.server.port}/0"

    def denials(self) -> list[dict[str, Any]]:
        return list(self.admin.acl_log())


@pytest.fixture(scope="module")
def acl_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AclServer]:
    with RedisServer(tmp_path_factory.mktemp("redis-acl")) as server:
        admin_password = secrets.token_hex(16)
        open_admin = Redis(port=server.port, decode_responses=True)
        passwords: dict[Component, str] = {}
        for component in COMPONENTS:
            # A marker to grep for, and characters a URL must carry percent-free.
            passwords[component] = f"pw{component}{secrets.token_hex(12)}"
            rules = acl_rules(component)
            open_admin.execute_command(
                "ACL", "SETUSER", component, "on", f">{passwords[component]}", *rules
            )
        # The default user closed: a component that dropped its credentials is refused.
        open_admin.execute_command("ACL", "SETUSER", "default", "resetpass", f">{admin_password}")
        open_admin.close()
        admin = Redis(
            port=server.port, username="default", password=admin_password, decode_responses=True
        )
        admin.acl_log_reset()
        yield AclServer(server, admin, passwords)
        # Open again, so the server's SHUTDOWN NOSAVE is not refused.
        admin.execute_command("ACL", "SETUSER", "default", "nopass")
        admin.close()


def runs(api: httpx.Client, name: str) -> list[dict[str, Any]]:
    """The schedule's recorded runs, newest first."""
    found: list[dict[str, Any]] = api.get(f"{BASE}/{name}/runs").json()["runs"]
    return found


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT
    )


def test_each_component_as_its_least_privilege_user(acl_server: AclServer, tmp_path: Path) -> None:
    schedules_file = tmp_path / "schedules.json"
    write_schedules(schedules_file, {"파일": {"task": CRAWL, "interval": 3600}})
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(stack_env(acl_server.url("worker"), schedules_file), logs)
    outputs: list[str] = []
    try:
        stack.start("run_worker.sh", "worker").wait_for_log("ready.")
        stack.start("run_celery_beat.sh", "beat", REDIS_URL=acl_server.url("beat"))
        base = stack.api(REDIS_URL=acl_server.url("api"))
        with httpx.Client(base_url=base, timeout=20) as api:
            created = api.post(BASE, json={"name": "acl", "task": CRAWL, "interval": 1})
            assert created.status_code == 201, created.text
            wait_until(
                lambda: api.get(f"{BASE}/acl").json()["total_run_count"] >= 2,
                what="the schedule to fire twice",
            )
            done = wait_until(
                lambda: [run for run in runs(api, "acl") if run["outcome"] == "succeeded"],
                what="a run recorded as succeeded",
            )
            assert done[0]["worker"]
            # Run now, on an entry that is not firing by itself (an interval of 1 s would
            # often be running already, and a run now would rightly be refused).
            later = {"name": "acl-now", "task": CRAWL, "cron": "0 3 * * *"}
            assert api.post(BASE, json=later).status_code == 201
            assert api.post(f"{BASE}/acl-now/run").status_code == 202
            wait_until(
                lambda: [run["outcome"] for run in runs(api, "acl-now")] == ["succeeded"],
                what="the run now to be recorded as succeeded",
            )
            for path in (f"{BASE}", f"{BASE}/acl/audit", "/metrics", "/api/scheduler/export"):
                response = api.get(path)
                assert response.status_code == 200, (path, response.text)
                outputs.append(response.text)
            status = api.get("/api/scheduler/status", params={"ping": True})
            assert status.json()["workers"], status.text
            outputs.append(status.text)

        env = stack_env(acl_server.url("cli"), schedules_file)
        listed = cli(env, "list")
        assert listed.returncode == 0 and "acl" in listed.stdout, listed.stderr
        for args in (
            ("status", "--ping-timeout", "1"),
            ("status", "--json"),
            ("runs", "acl"),
            ("run", "acl-now"),
            ("pause", "acl"),
            ("export",),
            ("apply", str(schedules_file)),
        ):
            done = cli(env, *args)
            assert done.returncode == 0, (args, done.stdout, done.stderr)
            outputs += [done.stdout, done.stderr]
        outputs += [listed.stdout, listed.stderr]
    finally:
        stack.stop_all()
        # Shown when the test fails: what Redis refused, to whom.
        for denial in acl_server.denials():
            print(
                "ACL LOG:", {k: denial.get(k) for k in ("username", "reason", "object", "context")}
            )
    # Redis refused nothing to anyone, shutdown included: the rules are enough for it all.
    assert acl_server.denials() == []
    logs_text = [path.read_text(errors="replace") for path in logs.iterdir()]
    # The URLs are in the logs, with the password masked (so the search below means something).
    assert any(f"redis://worker:***@127.0.0.1:{acl_server.server.port}/0" in t for t in logs_text)
    for password in acl_server.passwords.values():
        for text in outputs + logs_text:
            assert password not in text


def test_a_component_user_is_refused_what_it_does_not_need(acl_server: AclServer) -> None:
    api = Redis.from_url(acl_server.url("api"), decode_responses=True)
    try:
        assert api.ping()
        for command in (("FLUSHALL",), ("KEYS", "*"), ("CONFIG", "GET", "*"), ("GET", "other")):
            with pytest.raises(NoPermissionError):
                api.execute_command(*command)
    finally:
        api.close()
        acl_server.admin.acl_log_reset()


# ---- TLS: rediss:// with a CA and a client certificate --------------------------------


@dataclass
class TlsServer:
    server: RedisServer
    tls_port: int
    certs: Path

    @property
    def url(self) -> str:
        return f"rediss://127.0.0.1:{self.tls_port}/0"

    def env(self, ca: str = "ca.pem") -> dict[str, str]:
        return {
            "REDIS_URL": self.url,
            "REDIS_TLS_CA_CERT": str(self.certs / ca),
            "REDIS_TLS_CERT": str(self.certs / "client.pem"),
            "REDIS_TLS_KEY": str(self.certs / "client.key"),
        }


def speaks_tls(binary: str) -> bool:
    """A build without TLS refuses the directive at once; one with TLS gets past it
    and fails on the missing certificate instead (as scripts/redis_tls_deps.sh tells)."""
    args = ["--port", "0", "--tls-port", "1", "--tls-cert-file", "/nonexistent"]
    done = subprocess.run([binary, *args], capture_output=True, text=True, timeout=30)
    return "Bad directive" not in done.stdout + done.stderr


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    binary = find_redis_server()
    if not speaks_tls(binary):
        why = f"{binary} is built without TLS; scripts/redis_tls_deps.sh installs one"
        if os.environ.get("REDIS_TLS_TESTS") == "skip":
            pytest.skip(f"{why} (REDIS_TLS_TESTS=skip)")
        pytest.fail(f"{why}, or set REDIS_TLS_TESTS=skip to skip these tests on purpose")
    trustme = pytest.importorskip("trustme")
    certs = tmp_path_factory.mktemp("certs")
    ca, other_ca = trustme.CA(), trustme.CA()
    ca.cert_pem.write_to_path(str(certs / "ca.pem"))
    other_ca.cert_pem.write_to_path(str(certs / "other-ca.pem"))
    for name, identities in (("server", ("127.0.0.1", "localhost")), ("client", ("client",))):
        issued = ca.issue_cert(*identities)
        issued.private_key_pem.write_to_path(str(certs / f"{name}.key"))
        issued.cert_chain_pems[0].write_to_path(str(certs / f"{name}.pem"))
    tls_port = free_port()
    tls_args = [
        *("--tls-port", str(tls_port)),
        *("--tls-cert-file", str(certs / "server.pem")),
        *("--tls-key-file", str(certs / "server.key")),
        *("--tls-ca-cert-file", str(certs / "ca.pem")),
        *("--tls-auth-clients", "yes"),
    ]
    with RedisServer(tmp_path_factory.mktemp("redis-tls"), extra_args=tls_args) as server:
        yield TlsServer(server, tls_port, certs)


def test_run_sh_over_tls_with_a_client_certificate_and_a_password(
    tls_server: TlsServer, tmp_path: Path
) -> None:
    """./run.sh's launcher with REDIS_URL naming a TLS Redis and an ACL user: worker,
    Beat and API all connect over TLS with the client certificate, a schedule created
    through the API fires and is recorded, check_schedules.sh reads it, and the
    password is in no output or log."""
    password = f"pwrunner{secrets.token_hex(12)}"
    with Redis(port=tls_server.server.port) as admin:
        admin.execute_command("ACL", "SETUSER", "runner", "on", f">{password}", "~*", "&*", "+@all")
    url = f"rediss://runner:{password}@127.0.0.1:{tls_server.tls_port}/0"
    api_port = free_port()
    schedules_file = tmp_path / "schedules.json"
    write_schedules(schedules_file, {})
    env = stack_env(
        url,
        schedules_file,
        **{**tls_server.env(), "REDIS_URL": url},
        API_PORT=str(api_port),
        RUN_DATA_DIR=str(tmp_path / "data"),
        WORKER_CONCURRENCY="1",
    )
    output = tmp_path / "run.out"
    launcher = start_launcher(env, output)
    try:
        shown = f"rediss://runner:***@127.0.0.1:{tls_server.tls_port}/0"
        assert f"Redis  {shown} (REDIS_URL" in output.read_text()
        with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=20) as api:
            created = api.post(BASE, json={"name": "tls", "task": CRAWL, "interval": 1})
            assert created.status_code == 201, created.text
            wait_until(
                lambda: any(run["outcome"] == "succeeded" for run in runs(api, "tls")),
                what="a fire over TLS recorded as succeeded",
            )
            # Every component reached Redis through the TLS port, none through the plain one.
            assert plain_port_clients(tls_server) == []
        checked = subprocess.run(
            [str(ROOT / "check_schedules.sh"), "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
        )
        assert checked.returncode in (0, 1) and '"tls"' in checked.stdout, checked.stderr
        assert shown in checked.stdout
    finally:
        launcher.stop()
    texts = [launcher.text(), checked.stdout, checked.stderr]
    assert launcher.process.returncode == 0, texts[0][-4000:]
    texts += [p.read_text(errors="replace") for p in (tmp_path / "data" / "logs").glob("*.log")]
    assert len(texts) >= 6 and all(password not in text for text in texts)


def plain_port_clients(tls_server: TlsServer) -> list[dict[str, Any]]:
    """Clients connected to the plain port, other than the one asking."""
    with Redis(port=tls_server.server.port, decode_responses=True) as admin:
        me = admin.client_id()
        clients = admin.client_list()
    assert any(c["laddr"].endswith(f":{tls_server.tls_port}") for c in clients)
    return [
        c
        for c in clients
        if int(c["id"]) != me and c["laddr"].endswith(f":{tls_server.server.port}")
    ]


def test_a_wrong_ca_is_one_clear_error_not_a_crash(tls_server: TlsServer, tmp_path: Path) -> None:
    """Worker and Beat keep running and say why they cannot connect, without a traceback;
    the API answers 503 saying why; the CLI says it in one line and exits 2."""
    env = stack_env(tls_server.url, tmp_path / "none.json", **tls_server.env("other-ca.pem"))
    write_schedules(tmp_path / "none.json", {})
    done = cli(env, "list")
    assert done.returncode == 2
    assert "certificate verify failed" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(env, logs)
    try:
        worker = stack.start("run_worker.sh", "worker")
        beat = stack.start("run_celery_beat.sh", "beat")
        with httpx.Client(base_url=stack.api(), timeout=20) as api:
            refused = api.get(BASE)
        assert refused.status_code == 503 and "certificate verify failed" in refused.text
        worker.wait_for_log("certificate verify failed")
        beat.wait_for_log("certificate verify failed")
        assert worker.popen.poll() is None and beat.popen.poll() is None
        assert "Traceback" not in worker.log() + beat.log()
    finally:
        stack.stop_all()
