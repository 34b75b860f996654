"""POST an alert to its webhook: a bounded number of attempts with doubling waits.

The webhook's URL is read when the alert is sent (the schedule's policy, else
ALERT_WEBHOOK_URL), so it is never in a queue, a task message or a log line: logs
name the host at most, since a Slack URL's path is its secret.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from app.alerts.events import AlertEvent
from app.alerts.payload import Links, build_payload
from app.core.config import Settings
from app.core.redaction import redacted_webhook

log = logging.getLogger("app.alerts")

# Answers worth another try: the receiver may be better soon. Any other 4xx will not be.
RETRYABLE_STATUS = frozenset({408, 425, 429})
USER_AGENT = "batchsched-alerts/1"


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout_seconds: float = 5.0
    retries: int = 3
    backoff_seconds: float = 1.0

    @classmethod
    def from_settings(cls, s: Settings) -> DeliveryPolicy:
        return cls(
            s.alert_webhook_timeout_seconds,
            s.alert_delivery_retries,
            s.alert_retry_backoff_seconds,
        )

    def wait_before(self, retry: int) -> float:
        """Wait before retry number `retry` (1 for the first)."""
        return float(self.backoff_seconds * 2 ** (retry - 1))

    @property
    def longest_seconds(self) -> float:
        """The most one delivery can take, every attempt timing out."""
        waits = sum(self.wait_before(r) for r in range(1, self.retries + 1))
        return (self.retries + 1) * self.timeout_seconds + waits


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    attempts: int
    error: str | None = None


def where(url: str) -> str:
    """What a log may say about a webhook: its scheme and host, not its path."""
    return redacted_webhook(url)


def _describe(exc: BaseException) -> str:
    """An error without the URL (some messages quote it)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return f"{type(reason).__name__}: {reason.strerror}"
    return type(exc if isinstance(reason, str) else reason).__name__


def post_json(url: str, body: bytes, timeout: float) -> int:
    """POST `body`; the HTTP status. Raises OSError (urllib's URLError is one) or
    ValueError (a URL urllib cannot use)."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            answer.read(65536)
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


def attempt_delivery(
    url: str,
    body: bytes,
    policy: DeliveryPolicy,
    wait: Callable[[float], bool],
    post: Callable[[str, bytes, float], int] = post_json,
) -> Outcome:
    """Up to 1 + retries POSTs. `wait(seconds)` sleeps between them and returns True
    when the process is stopping (no more attempts then)."""
    error: str | None = None
    for attempt in range(1, policy.retries + 2):
        try:
            status = post(url, body, policy.timeout_seconds)
        except (OSError, ValueError) as exc:
            error = _describe(exc)
        else:
            if 200 <= status < 300:
                return Outcome(True, attempt)
            error = f"HTTP {status}"
            if status < 500 and status not in RETRYABLE_STATUS:
                return Outcome(False, attempt, error)
        if attempt > policy.retries or wait(policy.wait_before(attempt)):
            return Outcome(False, attempt, error)
    return Outcome(False, policy.retries + 1, error)  # pragma: no cover - loop returns


class Sender:
    """Turns a queued alert into a POST: the URL, the body, the attempts and their log."""

    def __init__(self, settings: Settings, stopping: threading.Event) -> None:
        self.policy = DeliveryPolicy.from_settings(settings)
        secret = settings.alert_webhook_url
        self.default_url = secret.get_secret_value() if secret is not None else None
        base = settings.alert_link_base_url or f"http://{settings.api_host}:{settings.api_port}"
        self.links = Links(base)
        self.stopping = stopping

    def send(self, event: AlertEvent, url: str) -> Outcome:
        body = json.dumps(build_payload(event, self.links), ensure_ascii=False).encode()
        outcome = attempt_delivery(url, body, self.policy, self.stopping.wait)
        if outcome.delivered:
            log.info(
                "alert %s for schedule %s delivered to %s (attempt %d)",
                event.kind,
                event.schedule,
                where(url),
                outcome.attempts,
            )
        else:
            log.warning(
                "alert %s for schedule %s not delivered to %s after %d attempt(s): %s. "
                "Check the webhook (ALERT_WEBHOOK_URL or the schedule's "
                "policy.alert_webhook_url) and that this host can reach it.",
                event.kind,
                event.schedule,
                where(url),
                outcome.attempts,
                outcome.error,
            )
        return outcome
