"""`batchsched-worker` and `batchsched-beat` (app/launcher/commands.py) refuse a bad
setting in one line each and exit 2, before Celery starts: no traceback, no value."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.core.config import get_settings
from app.launcher import commands

SECRET = "s3cret-token-value"


@pytest.fixture
def clean_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("clean_settings")
@pytest.mark.parametrize("command", [commands.worker, commands.beat], ids=["worker", "beat"])
def test_a_malformed_setting_is_one_line_and_exit_2(
    command: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(commands, "_celery", lambda *a: pytest.fail("Celery started"))
    monkeypatch.setenv("API_TOKENS", f"ops:{SECRET},ops:{SECRET}2")

    with pytest.raises(SystemExit) as exited:
        command()

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err == "a setting is invalid: API_TOKENS: the name 'ops' is used twice\n"
