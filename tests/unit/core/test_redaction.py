"""app/core/redaction.py: the one form a webhook URL is shown in, never its secret."""

from __future__ import annotations

import pytest

from app.core.redaction import redacted_webhook

# (url, shown): the path, query, fragment, user part and port never survive.
CASES = [
    ("https://hooks.slack.com/services/T000/B000/s3cr3t", "https://hooks.slack.com/…"),
    ("https://hooks.slack.com", "https://hooks.slack.com/…"),
    ("http://127.0.0.1:9000/hook?token=s3cr3t#s3cr3t", "http://127.0.0.1/…"),
    ("https://user:s3cr3t@Example.COM/x", "https://example.com/…"),
    ("https://[::1]:8443/s3cr3t", "https://[::1]/…"),
    # Bad values (they reach error messages): nothing that is not a scheme and a host.
    ("https://hooks.slack.com/services/s3 cr3t", "https://hooks.slack.com/…"),
    ("hooks.slack.com/services/s3cr3t", "…"),
    ("s3cr3t", "…"),
    ("//hooks.slack.com/s3cr3t", "…"),
    ("https:///s3cr3t", "…"),
    ("http://[s3cr3t/x", "…"),  # urlsplit refuses it
    ("", "…"),
    # Shown twice is shown once: a masked value wrapped again stays as it is.
    ("https://hooks.slack.com/…", "https://hooks.slack.com/…"),
    ("…", "…"),
]


@pytest.mark.parametrize(("url", "shown"), CASES)
def test_a_webhook_is_shown_as_its_scheme_and_host(url: str, shown: str) -> None:
    assert redacted_webhook(url) == shown
