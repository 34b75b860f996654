"""API_TOKEN, API_TOKENS, API_READ_TOKENS and CORS_ORIGINS as read at start
(app/core/access.py, Settings): a malformed one is one clear error naming the variable,
never the token."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.access import match, parse_origins, parse_tokens
from app.core.config import Settings

SECRET = "Zm9vYmFyLXNlY3JldA"


def settings(**values: object) -> Settings:
    return Settings(redis_url="redis://unused:6379/0", **values)  # type: ignore[arg-type]


def test_tokens_from_all_three_settings_with_their_names_and_kinds() -> None:
    tokens = parse_tokens("t0", " ops:abc , ci:with:colons,", "grafana:zz")

    assert [(t.name, t.can_write, t.unnamed) for t in tokens] == [
        ("default", True, True),
        ("ops", True, False),
        ("ci", True, False),
        ("grafana", False, False),
    ]
    assert match(tokens, "with:colons") is tokens[2]
    assert match(tokens, "zz") is tokens[3]
    assert match(tokens, "abc ") is None and match(tokens, "") is None
    assert SECRET not in repr(parse_tokens(SECRET, None, None))


@pytest.mark.parametrize(
    ("api_token", "api_tokens", "read", "said"),
    [
        (None, f":{SECRET}", None, "API_TOKENS: entry 1 has an empty name"),
        (None, "ops:", None, "API_TOKENS: the token of 'ops' is empty"),
        (None, f"ops:{SECRET},ops:{SECRET}x", None, "API_TOKENS: the name 'ops' is used twice"),
        (f"{SECRET}x", f"default:{SECRET}", None, "API_TOKENS: the name 'default' is used twice"),
        (None, f"ops:{SECRET},ci:{SECRET}", None, "API_TOKENS: 'ci' has the same token as 'ops'"),
        (None, f"ops:{SECRET}", f"view:{SECRET}", "API_READ_TOKENS: 'view' has the same token"),
        (SECRET, None, f"view:{SECRET}", "API_READ_TOKENS: 'view' has the same token as 'default'"),
        (None, SECRET, None, "API_TOKENS: entry 1 is not name:token"),
        (None, f"a b:{SECRET}", None, "API_TOKENS: entry 1 has a name that is not"),
        (None, None, f"ok:x,:{SECRET}", "API_READ_TOKENS: entry 2 has an empty name"),
    ],
)
def test_a_malformed_token_setting_names_the_variable_never_the_token(
    api_token: str | None, api_tokens: str | None, read: str | None, said: str
) -> None:
    with pytest.raises(ValueError, match="^" + said) as raised:
        parse_tokens(api_token, api_tokens, read)
    assert SECRET not in str(raised.value)

    # As the processes meet it: a settings error at start, with no value in it.
    values = {"api_token": api_token, "api_tokens": api_tokens, "api_read_tokens": read}
    with pytest.raises(ValidationError) as refused:
        settings(**values)
    assert said in str(refused.value)
    assert SECRET not in str(refused.value)


def test_protected_reads_need_some_token() -> None:
    with pytest.raises(ValidationError, match="API_PROTECT_READS=true needs a token"):
        settings(api_protect_reads=True)
    assert settings(api_protect_reads=True, api_read_tokens="grafana:x").api_protect_reads


def test_origins_are_normalised_as_browsers_send_them() -> None:
    text = "https://Ops.Example.com:443/, http://localhost:3000,,http://[::1]:8080"

    assert parse_origins(text) == (
        "https://ops.example.com",
        "http://localhost:3000",
        "http://[::1]:8080",
    )
    assert parse_origins("") == ()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("*", "'\\*' is not allowed"),
        ("ftp://x.example", "is not an origin"),
        ("https://x.example/app", "is not an origin"),
        ("ops.example.com", "is not an origin"),
        (f"https://u:{SECRET}@x.example", "user:password@"),
    ],
)
def test_a_bad_origin_is_refused_at_start(text: str, said: str) -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS: .*" + said) as refused:
        settings(cors_origins=text)
    assert SECRET not in str(refused.value)
