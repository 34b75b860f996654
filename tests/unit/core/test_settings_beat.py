"""app/core/config.py: Beat timings that would make leadership flap are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.core.constants import INSTANCE_TTL_SECONDS


@pytest.mark.parametrize(
    ("loop", "lock"),
    [(1.0, 8.0), (4.0, 8.0), (0.2, 1.5), (INSTANCE_TTL_SECONDS - 1, 2 * INSTANCE_TTL_SECONDS)],
)
def test_a_lock_that_outlives_two_loops_is_accepted(loop: float, lock: float) -> None:
    settings = Settings(beat_max_loop_interval=loop, beat_lock_timeout=lock)
    assert (settings.beat_max_loop_interval, settings.beat_lock_timeout) == (loop, lock)


@pytest.mark.parametrize(("loop", "lock"), [(5.0, 8.0), (10.0, 8.0), (1.0, 1.9)])
def test_a_lock_shorter_than_two_loops_is_refused_naming_both(loop: float, lock: float) -> None:
    with pytest.raises(ValidationError, match="BEAT_LOCK_TIMEOUT .* BEAT_MAX_LOOP_INTERVAL"):
        Settings(beat_max_loop_interval=loop, beat_lock_timeout=lock)


def test_a_loop_as_long_as_an_instance_key_lives_is_refused() -> None:
    with pytest.raises(ValidationError, match="beat_max_loop_interval"):
        Settings(beat_max_loop_interval=INSTANCE_TTL_SECONDS, beat_lock_timeout=100)
