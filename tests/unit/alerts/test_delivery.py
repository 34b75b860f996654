"""app/alerts/delivery.py against a real local HTTP receiver: attempts, waits, and
what is logged (never the URL's path)."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from app.alerts.delivery import DeliveryPolicy, Sender, attempt_delivery, where
from app.alerts.events import AlertEvent
from app.core.config import Settings
from tests.unit.alerts.receiver import dead_url, receiver

BODY = b'{"text": "hello"}'
SECRET_PATH = "/services/T000/B000/s3cr3t"


def never_stopping(waits: list[float]) -> object:
    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return False

    return wait


def test_delivered_at_once() -> None:
    with receiver() as hook:
        waits: list[float] = []
        outcome = attempt_delivery(hook.url, BODY, DeliveryPolicy(2, 3, 0.5), never_stopping(waits))  # type: ignore[arg-type]
    assert (outcome.delivered, outcome.attempts, waits) == (True, 1, [])
    assert hook.bodies == [{"text": "hello"}]


def test_retried_with_doubling_waits_until_the_receiver_answers() -> None:
    with receiver() as hook:
        hook.statuses = [500, 503, 429]
        waits: list[float] = []
        outcome = attempt_delivery(hook.url, BODY, DeliveryPolicy(2, 3, 0.5), never_stopping(waits))  # type: ignore[arg-type]
    assert (outcome.delivered, outcome.attempts) == (True, 4)
    assert waits == [0.5, 1.0, 2.0]
    assert len(hook.bodies) == 4


def test_a_bounded_number_of_attempts_then_given_up() -> None:
    with receiver() as hook:
        hook.statuses = [500] * 10
        waits: list[float] = []
        outcome = attempt_delivery(hook.url, BODY, DeliveryPolicy(2, 2, 0), never_stopping(waits))  # type: ignore[arg-type]
    assert (outcome.delivered, outcome.attempts, outcome.error) == (False, 3, "HTTP 500")
    assert len(hook.bodies) == 3


def test_a_request_the_receiver_refuses_is_not_retried() -> None:
    with receiver() as hook:
        hook.statuses = [404]
        outcome = attempt_delivery(hook.url, BODY, DeliveryPolicy(2, 3, 0), never_stopping([]))  # type: ignore[arg-type]
    assert (outcome.delivered, outcome.attempts, outcome.error) == (False, 1, "HTTP 404")


def test_nothing_listening_fails_fast() -> None:
    started = time.monotonic()
    outcome = attempt_delivery(dead_url(), BODY, DeliveryPolicy(5, 1, 0), never_stopping([]))  # type: ignore[arg-type]
    assert (outcome.delivered, outcome.attempts) == (False, 2)
    assert outcome.error and "ConnectionRefusedError" in outcome.error
    assert time.monotonic() - started < 5  # refused, not timed out


def test_a_receiver_that_hangs_costs_the_timeout_per_attempt() -> None:
    with receiver() as hook:
        hook.hang.set()
        started = time.monotonic()
        outcome = attempt_delivery(hook.url, BODY, DeliveryPolicy(0.3, 1, 0), never_stopping([]))  # type: ignore[arg-type]
        took = time.monotonic() - started
    assert (outcome.delivered, outcome.attempts, outcome.error) == (False, 2, "timed out")
    assert 0.6 <= took < 5


def test_stopping_ends_the_retries() -> None:
    outcome = attempt_delivery(dead_url(), BODY, DeliveryPolicy(1, 5, 10), lambda _: True)
    assert (outcome.delivered, outcome.attempts) == (False, 1)


def test_longest_delivery() -> None:
    assert DeliveryPolicy(5, 3, 1).longest_seconds == 4 * 5 + 1 + 2 + 4
    assert DeliveryPolicy(5, 0, 1).longest_seconds == 5


def test_logs_name_the_host_never_the_path(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="app.alerts")
    event = AlertEvent("run_failed:t1", "run_failed", "수집", time.time(), outcome="failed")
    settings = Settings(alert_delivery_retries=0, alert_webhook_timeout_seconds=1)
    sender = Sender(settings, threading.Event())
    with receiver(SECRET_PATH) as hook:
        assert sender.send(event, hook.url).delivered
        hook.statuses = [403]
        assert not sender.send(event, hook.url).delivered
    assert not sender.send(event, dead_url() + SECRET_PATH).delivered
    text = caplog.text
    assert "delivered to http://127.0.0.1" in text
    assert "not delivered to http://127.0.0.1/… after 1 attempt(s): HTTP 403" in text
    assert "s3cr3t" not in text and "/services" not in text
    assert where("https://hooks.slack.com/services/T/B/x") == "https://hooks.slack.com/…"


def test_the_default_webhook_is_a_secret_of_the_settings() -> None:
    settings = Settings(alert_webhook_url="https://hooks.slack.com/services/T/B/x")  # type: ignore[arg-type]
    assert "services" not in repr(settings) and "services" not in str(settings.model_dump())
    assert (
        Sender(settings, threading.Event()).default_url == "https://hooks.slack.com/services/T/B/x"
    )
    assert Settings(alert_webhook_url="").alert_webhook_url is None  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="http:// or https://"):
        Settings(alert_webhook_url="hooks.slack.com/x")  # type: ignore[arg-type]
