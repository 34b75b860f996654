"""Pickup of entries written around the store (RedBeat's own `entry.save()`/`delete()`).

Placeholder until keyspace notifications are wired: start/stop do nothing, so such an
entry is seen at Beat's next look, as before.
"""

from __future__ import annotations


class ForeignSaves:
    def start(self) -> None:
        """Called when this Beat takes the lock."""

    def stop(self) -> None:
        """Called when it loses or releases the lock, and on close."""
