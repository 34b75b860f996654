"""High availability with Redis Sentinel: a primary, a replica and three sentinels (the
same redis-server binary, run with `--sentinel`), ./run.sh's launcher on the sentinels'
URL, then SIGKILL of the primary.

After the sentinels promote the replica, Beat keeps dispatching (fires sent after the
promotion are run by the worker and recorded, all on the new primary), the API keeps
answering (a create, the list), ./check_schedules.sh reads the new primary, and no
schedule is lost. The primary and the sentinels ask for passwords, and neither appears
in any output or log. The failover's timings are printed (`pytest -s`) for
bench/RESULTS.md; nothing asserts on them.

Then the same stack with every node on TLS only, and the worker's survival of a lost
connection whose channel still holds a message.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from redis.exceptions import RedisError

from app.core.embedded_redis import HOST, RedisServer, find_redis_server, free_port
from tests.integration.conftest import (
    ROOT,
    START_DEADLINE,
    base_env,
    stack_env,
    start_launcher,
    wait_until,
    write_schedules,
)
from tests.integration.test_redis_auth import speaks_tls

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
BASE = "/api/scheduler/schedule"
MASTER = "ha-primary"
# Short, so a failover takes a few seconds: the primary is judged down after 2 s of
# silence (long enough that a loaded machine's slow answer is not taken for a crash),
# and a failed election is retried after 4 s.
DOWN_AFTER_MS = 2000
FAILOVER_TIMEOUT_MS = 4000
# The worker's reconnections back off while there is no primary.
RESUME_DEADLINE = 60.0


@dataclass
class Node:
    """One redis-server process (a data node or a sentinel) with its log file; `tls`:
    redis-py's TLS arguments when it listens on TLS only."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    password: str
    tls: dict[str, Any]

    def client(self, timeout: float = 2.0) -> Redis:
        return Redis(
            host=HOST,
            port=self.port,
            password=self.password,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            decode_responses=True,
            **self.tls,
        )

    def answers(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except RedisError:
            return False


def start_node(
    directory: Path, config: list[str], *, sentinel: bool, password: str, certs: Path | None
) -> Node:
    directory.mkdir(parents=True)
    port = free_port()
    listen = [f"port {port}"] if certs is None else ["port 0", f"tls-port {port}"]
    lines = [*listen, f"bind {HOST}", f"dir {directory}", 'save ""', *config]
    if certs is not None:
        # TLS for clients and for every link between the nodes (replication, the
        # sentinels' own), each side showing the CA's certificate.
        lines += [
            f"tls-cert-file {certs / 'server.pem'}",
            f"tls-key-file {certs / 'server.key'}",
            f"tls-ca-cert-file {certs / 'ca.pem'}",
            "tls-auth-clients yes",
            "tls-replication yes",
        ]
    # Sentinel rewrites its configuration file as it learns; a data node reads it once.
    conf = directory / "redis.conf"
    conf.write_text("\n".join(lines) + "\n")
    argv = [find_redis_server(), str(conf), *(["--sentinel"] if sentinel else [])]
    log = directory / "redis.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT)
    node = Node(port, process, log, password, client_tls(certs))
    wait_until(node.answers, START_DEADLINE, what=f"redis on port {port} ({log})")
    return node


def client_tls(certs: Path | None) -> dict[str, Any]:
    if certs is None:
        return {}
    return {
        "ssl": True,
        "ssl_ca_certs": str(certs / "ca.pem"),
        "ssl_certfile": str(certs / "client.pem"),
        "ssl_keyfile": str(certs / "client.key"),
    }


@dataclass
class Cluster:
    primary: Node
    replica: Node
    sentinels: list[Node]
    data_password: str
    sentinel_password: str
    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        parts = [f"sentinel://{HOST}:{node.port}" for node in self.sentinels]
        parts[0] = f"sentinel://:{self.data_password}@{HOST}:{self.sentinels[0].port}"
        return ";".join(parts) + "/0"

    def master_port(self) -> int | None:
        """The primary's port as the sentinels agree on it (None while they differ)."""
        seen = set()
        for node in self.sentinels:
            try:
                with node.client() as client:
                    seen.add(int(client.sentinel_get_master_addr_by_name(MASTER)[1]))
            except (RedisError, TypeError):
                return None
        return seen.pop() if len(seen) == 1 else None

    def ready_for_failover(self) -> bool:
        """Each sentinel knows the replica and the two others (they find each other
        through the primary every 2 s), so a majority can elect one to promote it."""
        try:
            for node in self.sentinels:
                with node.client() as client:
                    if len(client.sentinel_slaves(MASTER)) != 1:
                        return False
                    if len(client.sentinel_sentinels(MASTER)) != 2:
                        return False
        except RedisError:
            return False
        return True


@contextmanager
def sentinel_cluster(directory: Path, certs: Path | None = None) -> Iterator[Cluster]:
    """A primary, its replica and three sentinels, all asking for passwords; with
    `certs`, every one of them listens on TLS only."""
    data_pw, sentinel_pw = f"pwdata{secrets.token_hex(8)}", f"pwsent{secrets.token_hex(8)}"
    auth = [f"requirepass {data_pw}", f"masterauth {data_pw}"]
    nodes: list[Node] = []

    def start(name: str, config: list[str], sentinel: bool = False) -> Node:
        password = sentinel_pw if sentinel else data_pw
        nodes.append(
            start_node(directory / name, config, sentinel=sentinel, password=password, certs=certs)
        )
        return nodes[-1]

    try:
        primary = start("primary", auth)
        replica = start("replica", [f"replicaof {HOST} {primary.port}", *auth])
        sentinel_conf = [
            f"sentinel monitor {MASTER} {HOST} {primary.port} 2",
            f"sentinel auth-pass {MASTER} {data_pw}",
            f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}",
            f"sentinel failover-timeout {MASTER} {FAILOVER_TIMEOUT_MS}",
            f"requirepass {sentinel_pw}",
            f"sentinel sentinel-pass {sentinel_pw}",
        ]
        sentinels = [start(f"sentinel{number}", sentinel_conf, True) for number in range(3)]
        cluster = Cluster(primary, replica, sentinels, data_pw, sentinel_pw, nodes)
        wait_until(cluster.ready_for_failover, START_DEADLINE, what="the sentinels to meet")
        yield cluster
    finally:
        for node in nodes:
            if node.process.poll() is None:
                node.process.kill()
            node.process.wait()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with sentinel_cluster(tmp_path) as cluster:
        yield cluster


def sent_after(api: httpx.Client, name: str, moment: float) -> list[dict[str, Any]]:
    """The schedule's fires sent after `moment` (epoch seconds) that the worker ran."""
    runs: list[dict[str, Any]] = api.get(f"{BASE}/{name}/runs").json()["runs"]
    return [
        run
        for run in runs
        if run["outcome"] == "succeeded" and run["sent_at"] and epoch(run["sent_at"]) > moment
    ]


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def names(api: httpx.Client) -> set[str]:
    listed = api.get(BASE, params={"limit": 500})
    assert listed.status_code == 200, listed.text
    return set(listed.json()["schedule"])


def test_beat_worker_api_and_cli_carry_on_after_the_primary_is_killed(
    cluster: Cluster, tmp_path: Path
) -> None:
    schedules_file = tmp_path / "schedules.json"
    write_schedules(schedules_file, {"from-file": {"task": CRAWL, "cron": "0 3 * * *"}})
    api_port = free_port()
    env = stack_env(
        cluster.url,
        schedules_file,
        REDIS_SENTINEL_MASTER=MASTER,
        REDIS_SENTINEL_PASSWORD=cluster.sentinel_password,
        API_PORT=str(api_port),
        RUN_DATA_DIR=str(tmp_path / "data"),
        WORKER_CONCURRENCY="1",
    )
    launcher = start_launcher(env, tmp_path / "run.out")
    outputs: list[str] = []
    try:
        # Passed through as it is, shown without its password; no Redis embedded.
        assert f"Redis  sentinel://:***@{HOST}:{cluster.sentinels[0].port}" in launcher.text()
        assert not (tmp_path / "data" / "redis").exists()
        with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=20) as api:
            for number in range(5):
                body = {"name": f"ha-{number}", "task": CRAWL, "interval": 1}
                created = api.post(BASE, json=body)
                assert created.status_code == 201, created.text
            wait_until(lambda: sent_after(api, "ha-0", 0), what="a first fire run")
            before = names(api)
            assert {"from-file", "ha-0", "ha-4"} <= before
            with cluster.primary.client() as primary:
                # Replication is asynchronous: wait until the replica holds every write.
                assert primary.execute_command("WAIT", 1, 10_000) == 1

            assert cluster.master_port() == cluster.primary.port
            killed = time.time()
            cluster.primary.process.send_signal(signal.SIGKILL)
            promoted_port = wait_until(
                lambda: cluster.master_port() == cluster.replica.port,
                what="the sentinels to promote the replica",
            )
            promoted = time.time()
            assert promoted_port
            wait_until(
                lambda: sent_after(api, "ha-1", promoted),
                RESUME_DEADLINE,
                what="a fire sent after the promotion, run by the worker",
            )
            # The first fire on the new primary (none can reach the dead one).
            resumed = min(epoch(run["sent_at"]) for run in sent_after(api, "ha-1", killed))
            created = api.post(BASE, json={"name": "after", "task": CRAWL, "interval": 60})
            assert created.status_code == 201, created.text
            after = names(api)
            outputs += [created.text]
        assert after == before | {"after"}
        with cluster.replica.client() as new_primary:
            assert new_primary.info("replication")["role"] == "master"
        checked = subprocess.run(
            [str(ROOT / "check_schedules.sh"), "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checked.returncode in (0, 1) and '"after"' in checked.stdout, checked.stderr
        outputs += [checked.stdout, checked.stderr]
        print(
            f"\nsentinel failover: promoted {promoted - killed:.1f} s after SIGKILL of the "
            f"primary; first fire sent {resumed - killed:.1f} s after it"
        )
    finally:
        launcher.stop()
    logs = [path.read_text(errors="replace") for path in (tmp_path / "data" / "logs").glob("*")]
    texts = [launcher.text(), *outputs, *logs]
    assert launcher.process.returncode == 0, texts[0][-4000:]
    assert len(logs) >= 3
    for secret in (cluster.data_password, cluster.sentinel_password):
        assert all(secret not in text for text in texts)


# Run in a process of its own: what stock kombu does here depends on transport state
# that tests run before it in the same process can leave behind.
LOST_CONNECTION_SCRIPT = """
import json, logging, sys
from kombu import Connection, Exchange, Queue
from app.core.celery_app import celery_app
logging.basicConfig(level=logging.WARNING)
outcomes = {}
for kind in (Connection, celery_app.amqp.Connection):
    connection = kind(sys.argv[1])
    queue = Queue("held", Exchange("held"), "held")(connection.default_channel)
    queue.declare()
    connection.Producer(serializer="json").publish(
        {"n": 1}, exchange=queue.exchange, routing_key="held"
    )
    assert queue.get(no_ack=False) is not None  # taken, not acknowledged
    connection._do_close_transport()  # as collect() leaves it
    try:
        connection.close()
        outcomes[kind.__name__] = "closed"
    except AttributeError:
        outcomes[kind.__name__] = "AttributeError"
print(json.dumps(outcomes))
"""


def test_a_lost_connection_whose_channel_holds_messages_closes_without_ending_the_worker() -> None:
    """What ended the worker in about one failover in ten: Celery collects a lost broker
    connection, which can leave its channel open with the transport gone, then closes
    it; the channel's close puts its unacknowledged messages back through a connection
    made from that transport, and stock kombu raises AttributeError, fatal to Celery.
    The app's connection class closes it all the same (app/core/celery_app.py)."""
    with RedisServer() as server:
        done = subprocess.run(
            [sys.executable, "-c", LOST_CONNECTION_SCRIPT, server.url],
            capture_output=True,
            text=True,
            timeout=60,
            env=base_env(),
        )
    assert done.returncode == 0, done.stderr
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcomes == {"Connection": "AttributeError", "RedactingConnection": "closed"}
    assert "closed half-way" in done.stderr


@pytest.fixture
def certs(tmp_path: Path) -> Path:
    """A CA, a server certificate for loopback and a client one; skips as the other Redis
    TLS tests do when the redis-server here is built without TLS."""
    binary = find_redis_server()
    if not speaks_tls(binary):
        why = f"{binary} is built without TLS; scripts/redis_tls_deps.sh installs one"
        if os.environ.get("REDIS_TLS_TESTS") == "skip":
            pytest.skip(f"{why} (REDIS_TLS_TESTS=skip)")
        pytest.fail(f"{why}, or set REDIS_TLS_TESTS=skip to skip these tests on purpose")
    trustme = pytest.importorskip("trustme")
    folder = tmp_path / "certs"
    folder.mkdir()
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    for name, identities in (("server", ("127.0.0.1", "localhost")), ("client", ("client",))):
        issued = ca.issue_cert(*identities)
        issued.private_key_pem.write_to_path(str(folder / f"{name}.key"))
        issued.cert_chain_pems[0].write_to_path(str(folder / f"{name}.pem"))
    return folder


def test_every_component_reaches_the_sentinels_and_the_primary_over_tls(
    certs: Path, tmp_path: Path
) -> None:
    """Sentinels and data nodes on TLS only (no plain port at all), with client
    certificates and passwords: a schedule created through the API fires, the worker
    runs it, ./check_schedules.sh reads it, and no password is in any output or log."""
    with sentinel_cluster(tmp_path / "nodes", certs) as cluster:
        schedules_file = tmp_path / "schedules.json"
        write_schedules(schedules_file, {})
        api_port = free_port()
        env = stack_env(
            cluster.url,
            schedules_file,
            REDIS_SENTINEL_MASTER=MASTER,
            REDIS_SENTINEL_PASSWORD=cluster.sentinel_password,
            REDIS_SENTINEL_TLS="true",
            REDIS_TLS_CA_CERT=str(certs / "ca.pem"),
            REDIS_TLS_CERT=str(certs / "client.pem"),
            REDIS_TLS_KEY=str(certs / "client.key"),
            API_PORT=str(api_port),
            RUN_DATA_DIR=str(tmp_path / "data"),
            WORKER_CONCURRENCY="1",
        )
        launcher = start_launcher(env, tmp_path / "run.out")
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=20) as api:
                body = {"name": "tls", "task": CRAWL, "interval": 1}
                created = api.post(BASE, json=body)
                assert created.status_code == 201, created.text
                wait_until(lambda: sent_after(api, "tls", 0), what="a fire run over TLS")
            checked = subprocess.run(
                [str(ROOT / "check_schedules.sh"), "--json"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert checked.returncode in (0, 1) and '"tls"' in checked.stdout, checked.stderr
        finally:
            launcher.stop()
        logs = [p.read_text(errors="replace") for p in (tmp_path / "data" / "logs").glob("*")]
        texts = [launcher.text(), checked.stdout, checked.stderr, *logs]
        assert launcher.process.returncode == 0, texts[0][-4000:]
        for secret in (cluster.data_password, cluster.sentinel_password):
            assert all(secret not in text for text in texts)
