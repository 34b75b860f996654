"""Why the launcher could not start or keep the stack running; messages are for operators."""

from __future__ import annotations


class LaunchError(RuntimeError):
    """The stack could not start or keep running; the message says why and where to look."""


class AlreadyRunning(LaunchError):
    """Another launcher holds the same data directory."""


class StartupFailed(LaunchError):
    """A child exited while starting, or was not ready by its deadline."""


class StopRequested(Exception):
    """A stop was asked for (a signal) while waiting for a child to become ready."""
