"""Sentinel settings (app/core/config.py): REDIS_URL listing sentinels, read as Celery
reads it, and each setting that cannot work refused at start in one line that names the
variable and never a password."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import SentinelUrl, Settings, parse_sentinel_url, settings_problems

ROOT = Path(__file__).resolve().parents[3]
SECRET = "s3cr3t"


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("sentinel://h1:26379", SentinelUrl((("h1", 26379),), 0, None, None)),
        # Sentinel's port when none is named, as kombu assumes.
        (
            "sentinel://h1/2;sentinel://h2:26380/2",
            SentinelUrl((("h1", 26379), ("h2", 26380)), 2, None, None),
        ),
        # The first part's credentials and database; later parts may repeat them.
        (
            "sentinel://app:p%40ss@h1/1;sentinel://app:p%40ss@h2/1;sentinel://[::1]:7000",
            SentinelUrl((("h1", 26379), ("h2", 26379), ("::1", 7000)), 1, "app", "p@ss"),
        ),
        ("sentinel://:pw@h1", SentinelUrl((("h1", 26379),), 0, None, "pw")),
    ],
)
def test_a_list_of_sentinels_is_read_as_celery_reads_it(url: str, parsed: SentinelUrl) -> None:
    assert parse_sentinel_url(url) == parsed
    settings = Settings(_env_file=None, redis_url=url, redis_sentinel_master="m")  # type: ignore[call-arg]
    assert settings.sentinel_url() == parsed


REFUSED = [
    ({"REDIS_URL": "sentinel://h1"}, "REDIS_SENTINEL_MASTER is not set"),
    (
        {"REDIS_URL": "sentinel://h1", "REDIS_SENTINEL_MASTER": "  "},
        "REDIS_SENTINEL_MASTER is not set",
    ),
    ({"REDIS_SENTINEL_MASTER": "m"}, "REDIS_SENTINEL_MASTER set, but REDIS_URL does not list"),
    ({"REDIS_SENTINEL_PASSWORD": SECRET}, "REDIS_SENTINEL_PASSWORD set, but REDIS_URL"),
    ({"REDIS_SENTINEL_TLS": "true"}, "REDIS_SENTINEL_TLS set, but REDIS_URL does not list"),
    ({"REDIS_URL": f"sentinel://:{SECRET}@h1;redis://h2"}, "sentinel 2 does not start with"),
    ({"REDIS_URL": f"sentinel://:{SECRET}@h1:99999"}, "sentinel 1 has no valid host:port"),
    ({"REDIS_URL": f"sentinel://:{SECRET}@:26379"}, "sentinel 1 names no host"),
    ({"REDIS_URL": "sentinel://h1/zero"}, "the path must be a database number"),
    ({"REDIS_URL": f"sentinel://h1?password={SECRET}"}, "options after '?' are not read"),
    ({"REDIS_URL": f"sentinel://:a@h1;sentinel://:{SECRET}@h2"}, "sentinel 2 names other cred"),
    ({"REDIS_URL": "sentinel://h1/1;sentinel://h2/2"}, "sentinel 2 names database 2, the first 1"),
    ({"REDIS_URL": "sentinel://h1;sentinel://h2/3"}, "sentinel 2 names database 3, the first 0"),
]


@pytest.mark.parametrize(("env", "words"), REFUSED)
def test_a_sentinel_setting_that_cannot_work_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], words: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]

    [line] = settings_problems(refused.value)
    assert words in line
    assert "REDIS_" in line and SECRET not in line


def test_tls_files_with_sentinels_need_redis_sentinel_tls(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN-----\n")
    url = "sentinel://h1"

    with pytest.raises(ValidationError, match="REDIS_TLS_CA_CERT set, but REDIS_SENTINEL_TLS"):
        Settings(_env_file=None, redis_url=url, redis_sentinel_master="m", redis_tls_ca_cert=ca)  # type: ignore[call-arg]
    on = Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_url=url,
        redis_sentinel_master="m",
        redis_sentinel_tls=True,
        redis_tls_ca_cert=ca,
    )
    assert on.redis_tls()
    assert not Settings(_env_file=None, redis_url=url, redis_sentinel_master="m").redis_tls()  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "script", ["run_worker.sh", "run_celery_beat.sh", "run_api.sh", "check_schedules.sh"]
)
def test_the_scripts_refuse_a_bad_sentinel_setting_in_one_line(script: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "REDIS_URL": f"sentinel://:{SECRET}@h1:26379"}
    done = subprocess.run([str(ROOT / script)], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode != 0
    assert "REDIS_SENTINEL_MASTER is not set" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and SECRET not in done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_empty_sentinel_settings_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """`REDIS_SENTINEL_MASTER=` in .env, as .env.example's commented lines become."""
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("REDIS_SENTINEL_MASTER", "")
    monkeypatch.setenv("REDIS_SENTINEL_PASSWORD", " ")

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.redis_sentinel_master is None and settings.redis_sentinel_password is None
    assert settings.sentinel_url() is None
