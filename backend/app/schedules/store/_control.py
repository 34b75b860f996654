"""The global pause as stored: one key that Beat's commit script also reads."""

from __future__ import annotations

from app.core.constants import PAUSED_KEY
from app.schedules.control import PauseState
from app.schedules.store._base import StoreBase, wake_beat


class ControlOps(StoreBase):
    def pause_state(self) -> PauseState:
        raw = self.redis.get(PAUSED_KEY)
        return PauseState.decode(raw if isinstance(raw, str) else None)

    def pause(self, state: PauseState) -> PauseState:
        """Pause dispatching unless it already is; returns the state in force (an
        earlier pause keeps its time, reason and author)."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(PAUSED_KEY, state.encode(), nx=True)
            pipe.get(PAUSED_KEY)
            _, raw = pipe.execute()
        return PauseState.decode(raw)

    def resume(self) -> bool:
        """Resume dispatching; True if it was paused. Wakes a sleeping Beat, whose next
        due entry may be close."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(PAUSED_KEY)
            wake_beat(pipe)
            removed = pipe.execute()[0]
        return bool(removed)
