"""app/core/redis.py: how a Redis URL is shown, the TLS options every client gets, and
which Sentinel client each library is given."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from celery.backends.redis import SentinelBackend
from pydantic import ValidationError
from redbeat.schedulers import get_redis
from redis import Redis
from redis.sentinel import (
    MasterNotFoundError,
    SentinelConnectionPool,
    SentinelManagedConnection,
    SentinelManagedSSLConnection,
)

from app.core.celery_app import celery_app, create_celery_app
from app.core.config import Settings
from app.core.embedded_redis import free_port
from app.core.redis import (
    make_redis,
    no_primary_text,
    redacted_url,
    tls_options,
)
from app.core.redis_acl import COMPONENTS, acl_rules


@pytest.fixture(autouse=True)
def _project_app_stays_current() -> Iterator[None]:
    # Every Celery() becomes the current app; the other tests expect the project's.
    yield
    celery_app.set_current()


SHOWN = [
    # No password: shown as it is, with no ":**@" that reads as if there were one.
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("rediss://cache:6380/1", "rediss://cache:6380/1"),
    ("redis://worker@cache:6379/0", "redis://worker@cache:6379/0"),
    ("redis://:@cache:6379/0", "redis://cache:6379/0"),
    ("redis+socket:///run/redis.sock", "redis+socket:///run/redis.sock"),
    ("unix://:s3cr3t@/run/redis.sock?db=1", "unix://:***@/run/redis.sock?db=1"),
    # A password: masked, the user kept (it says which ACL user is meant).
    ("redis://:s3cr3t@cache:6379/0", "redis://:***@cache:6379/0"),
    ("redis://worker:s3cr3t@cache:6379/0", "redis://worker:***@cache:6379/0"),
    ("rediss://api:p%40ss%3Aword@[::1]:6380/2", "rediss://api:***@[::1]:6380/2"),
    ("redis://u:p@ss@cache/0", "redis://u:***@cache/0"),  # an unescaped "@" in it
    ("redis://cache/0?password=s3cr3t&db=1", "redis://cache/0?password=***&db=1"),
    ("redis://[s3cr3t/0", "***"),  # urlsplit refuses it: nothing of it is shown
]


@pytest.mark.parametrize(("url", "shown"), SHOWN)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redacted_url(url) == shown
    assert "s3cr3t" not in redacted_url(url)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://worker:s3cr3t@127.0.0.1:6379/0", "redis://worker:***@127.0.0.1:6379/0"),
    ],
)
def test_celery_banners_show_the_broker_as_redacted_url_does(
    monkeypatch: pytest.MonkeyPatch, url: str, shown: str
) -> None:
    """The worker's and Beat's banners and "Connected to" print `connection().as_uri()`;
    kombu's own puts `:**@` there even with no password."""
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setattr("app.core.celery_app.get_settings", lambda: Settings())
    app = create_celery_app()

    assert app.connection().as_uri() == shown
    assert app.connection().as_uri(include_password=True) == url


def pem_files(tmp_path: Path) -> dict[str, str]:
    paths = {}
    for name in ("ca", "cert", "key"):
        path = tmp_path / f"{name}.pem"
        path.write_text("-----BEGIN-----\n")
        paths[name] = str(path)
    return paths


def test_tls_options_carry_the_files_and_the_verify_mode(tmp_path: Path) -> None:
    files = pem_files(tmp_path)
    settings = Settings(
        redis_url="rediss://cache:6380/0",
        redis_tls_ca_cert=files["ca"],
        redis_tls_cert=files["cert"],
        redis_tls_key=files["key"],
    )

    assert tls_options(settings) == {
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
        "ssl_check_hostname": True,
        "ssl_ca_certs": files["ca"],
        "ssl_certfile": files["cert"],
        "ssl_keyfile": files["key"],
    }
    unchecked = Settings(redis_url="rediss://cache:6380/0", redis_tls_verify="none")
    assert tls_options(unchecked) == {"ssl_cert_reqs": ssl.CERT_NONE, "ssl_check_hostname": False}
    assert tls_options(Settings(redis_url="redis://cache:6379/0")) == {}


def test_every_client_gets_the_same_tls_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = pem_files(tmp_path)
    monkeypatch.setenv("REDIS_URL", "rediss://cache:6380/0")
    monkeypatch.setenv("REDIS_TLS_CA_CERT", files["ca"])
    settings = Settings()
    monkeypatch.setattr("app.core.celery_app.get_settings", lambda: settings)
    app = create_celery_app()
    expected = tls_options(settings)

    assert expected["ssl_ca_certs"] == files["ca"]
    assert app.conf.broker_use_ssl == expected
    assert app.conf.redis_backend_use_ssl == expected
    assert app.conf.redbeat_redis_use_ssl == expected
    kwargs = make_redis(settings).connection_pool.connection_kwargs
    assert {key: kwargs[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"REDIS_TLS_CA_CERT": "{ca}"}, "REDIS_TLS_CA_CERT set, but REDIS_URL does not start"),
        (
            {"REDIS_URL": "rediss://h/0", "REDIS_TLS_KEY": "{key}"},
            "REDIS_TLS_KEY is set without REDIS_TLS_CERT",
        ),
        ({"REDIS_URL": "rediss://h/0", "REDIS_TLS_CA_CERT": "/no/such.pem"}, "no such file"),
    ],
)
def test_tls_settings_that_cannot_work_are_refused_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], words: str
) -> None:
    files = pem_files(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(**files))

    with pytest.raises(ValidationError, match=words):
        Settings()


def test_every_component_starts_from_nothing_and_is_never_given_danger() -> None:
    for component in COMPONENTS:
        rules = acl_rules(component)
        assert rules[:3] == ["resetkeys", "resetchannels", "-@all"]
        granted = {rule[1:] for rule in rules if rule.startswith("+")}
        assert granted.isdisjoint({"@all", "flushall", "flushdb", "keys", "config", "eval"})
        assert "~*" not in rules and "&*" not in rules
    assert "+blpop" in acl_rules("beat") and "+blpop" not in acl_rules("api")
    assert "+brpop" in acl_rules("worker") and "~unacked*" in acl_rules("worker")
    assert "&/3.celery.pidbox" in acl_rules("worker", db=3)
    assert "~reports\x06\x16?" in acl_rules("worker", queues=("celery", "reports"))


# ---- Sentinel: each library's own client, given the same sentinels and secrets ----

SENTINELS = "sentinel://app:s3cr3t@h1:26379/2;sentinel://h2:26380"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (SENTINELS, "sentinel://app:***@h1:26379/2;sentinel://h2:26380"),
        (
            "sentinel://:s3cr3t@h1;sentinel://:s3cr3t@h2/0",
            "sentinel://:***@h1;sentinel://:***@h2/0",
        ),
    ],
)
def test_every_sentinel_of_a_list_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redacted_url(url) == shown


def sentinel_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in {
        "REDIS_URL": SENTINELS,
        "REDIS_SENTINEL_MASTER": "main",
        "REDIS_SENTINEL_PASSWORD": "sentinelpw",
        **env,
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setattr("app.core.celery_app.get_settings", lambda: settings)
    return settings


def test_redis_py_gets_its_sentinel_client(monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_redis(sentinel_settings(monkeypatch))
    pool = client.connection_pool

    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "main"
    manager = pool.sentinel_manager
    assert [s.connection_pool.connection_kwargs["port"] for s in manager.sentinels] == [
        26379,
        26380,
    ]
    assert manager.sentinel_kwargs["password"] == "sentinelpw"
    kwargs = pool.connection_kwargs
    assert (kwargs["username"], kwargs["password"], kwargs["db"]) == ("app", "s3cr3t", 2)
    assert kwargs["decode_responses"] is True
    assert pool.connection_class is SentinelManagedConnection


def test_celery_kombu_and_redbeat_get_their_own_sentinel_support(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sentinel_settings(monkeypatch)
    app = create_celery_app()

    # kombu's sentinel transport and Celery's sentinel result backend, on REDIS_URL with
    # the credentials and database on every sentinel, for kombu's move to the next one.
    both = "sentinel://app:s3cr3t@h1:26379/2;sentinel://app:s3cr3t@h2:26380/2"
    assert app.conf.broker_url == app.conf.result_backend == both
    assert app.connection().transport_cls == "sentinel"
    assert app.conf.broker_transport_options["master_name"] == "main"
    assert app.conf.broker_transport_options["sentinel_kwargs"]["password"] == "sentinelpw"
    assert isinstance(app.backend, SentinelBackend)
    assert app.backend.connparams["db"] == 2 and app.backend.connparams["password"] == "s3cr3t"
    assert app.conf.result_backend_transport_options["master_name"] == "main"
    # RedBeat's own client, for programs that save entries with RedBeat's API.
    client = redbeat_client(app)
    assert isinstance(client.connection_pool, SentinelConnectionPool)
    assert client.connection_pool.service_name == "main"
    manager = client.connection_pool.sentinel_manager
    assert manager.sentinel_kwargs["password"] == "sentinelpw"
    assert client.connection_pool.connection_kwargs["password"] == "s3cr3t"
    assert "s3cr3t" not in app.conf.redbeat_redis_url


def test_tls_reaches_the_sentinels_and_the_primary_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = pem_files(tmp_path)
    settings = sentinel_settings(
        monkeypatch, REDIS_SENTINEL_TLS="true", REDIS_TLS_CA_CERT=files["ca"]
    )
    tls = tls_options(settings)
    app = create_celery_app()

    assert tls["ssl_ca_certs"] == files["ca"]
    assert app.conf.broker_use_ssl == app.conf.redis_backend_use_ssl == tls
    assert app.conf.redbeat_redis_use_ssl == tls
    for options in (
        app.conf.broker_transport_options["sentinel_kwargs"],
        app.conf.result_backend_transport_options["sentinel_kwargs"],
        app.conf.redbeat_redis_options["sentinel_kwargs"],
    ):
        assert options["ssl"] is True and options["ssl_ca_certs"] == files["ca"]
    pool = make_redis(settings).connection_pool
    assert pool.connection_class is SentinelManagedSSLConnection
    assert pool.connection_kwargs["ssl_ca_certs"] == files["ca"]
    assert pool.sentinel_manager.sentinel_kwargs["ssl_ca_certs"] == files["ca"]
    redbeat = redbeat_client(app).connection_pool
    assert redbeat.connection_class is SentinelManagedSSLConnection


def redbeat_client(app: Celery) -> Redis:
    # RedBeat keeps its client on the app; a fresh app has none yet.
    client = get_redis(app)
    assert isinstance(client, Redis)
    return client


def test_no_primary_is_said_in_a_few_words_naming_each_sentinel() -> None:
    """redis-py's own error holds a thousand-character repr per sentinel; the CLI, the
    API and Beat show ours."""
    ports = [free_port(), free_port()]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_url=";".join(f"sentinel://127.0.0.1:{port}" for port in ports),
        redis_sentinel_master="main",
    )
    manager = make_redis(settings).connection_pool.sentinel_manager

    with pytest.raises(MasterNotFoundError) as refused:
        manager.discover_master("main")

    assert str(refused.value) == (
        f"no sentinel named a primary for 'main' (127.0.0.1:{ports[0]} did not answer; "
        f"127.0.0.1:{ports[1]} did not answer)"
    )
    assert no_primary_text("No master found for 'main'", "main") == (
        "no sentinel named a live primary for 'main'"
    )
