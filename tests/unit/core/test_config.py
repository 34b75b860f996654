"""Where Settings (app/core/config.py) reads its .env from."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import ENV_FILE, Settings, get_settings
from app.launcher import run as launcher

ROOT = Path(__file__).resolve().parents[3]
# Values nobody's real .env holds, so that seeing one proves which file was read.
MARKERS = {"LOG_LEVEL": "FROM-THE-CWD-DOTENV", "API_PORT": "54321"}


def test_the_env_file_is_the_repos_own() -> None:
    assert ENV_FILE == ROOT / ".env"
    assert Settings.model_config["env_file"] == ENV_FILE


def test_a_dotenv_in_the_working_directory_is_not_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The scripts run from any directory; the caller's .env must not configure them."""
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in MARKERS.items()))
    for name in MARKERS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    settings = Settings()

    assert settings.log_level != MARKERS["LOG_LEVEL"]
    assert settings.api_port != int(MARKERS["API_PORT"])


def test_the_environment_wins_over_the_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=DEBUG\nAPI_PORT=9000\n")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.delenv("API_PORT", raising=False)

    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]

    assert (settings.log_level, settings.api_port) == ("WARNING", 9000)


def test_a_refused_setting_is_named_but_its_value_is_not_repeated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """./run.sh prints the error and a traceback logs it: ALERT_WEBHOOK_URL's value is a
    secret even when it is wrong (a Slack URL missing its scheme)."""
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "hooks.slack.com/services/T0/B0/s3cr3t")

    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]

    text = str(refused.value)
    assert "alert_webhook_url" in text and "must be an http:// or https:// URL" in text
    assert "s3cr3t" not in text and "input_value" not in text


def test_the_launcher_says_which_setting_is_wrong(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "hooks.slack.com/services/T0/B0/s3cr3t")
    get_settings.cache_clear()
    try:
        assert launcher.main() == 1
    finally:
        get_settings.cache_clear()

    err = capsys.readouterr().err
    assert err.startswith("run.sh: a setting is invalid") and "alert_webhook_url" in err.lower()
    assert "s3cr3t" not in err
