"""Where Settings (app/core/config.py) reads its .env from."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import ENV_FILE, Settings

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
