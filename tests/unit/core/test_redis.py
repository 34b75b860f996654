"""app/core/redis.py: how a Redis URL is shown, and the TLS options every client gets."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.celery_app import celery_app, create_celery_app
from app.core.config import Settings
from app.core.redis import make_redis, redacted_url, tls_options
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
