"""A schedule's webhook URL in the CLI: `show` and every --json mask it (they print
presentation.entry_view), `export` gives it whole (schedules.json must get it back)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.unit.cli.conftest import World

SECRET = "s3cr3t"
URL = f"https://hooks.slack.com/services/T0/B0/{SECRET}"
SHOWN = "https://hooks.slack.com/…"


@pytest.fixture
def hooked(world: World) -> World:
    world.add("알림", policy={"alert_webhook_url": URL})
    return world


@pytest.mark.parametrize("argv", [("show", "알림"), ("list",)])
def test_the_tables_never_show_the_secret(hooked: World, argv: tuple[str, ...]) -> None:
    result = hooked.cli(*argv)

    assert result.code == 0, result.err
    assert SECRET not in result.out + result.err


def test_show_says_which_host_alerts_go_to(hooked: World) -> None:
    assert SHOWN in hooked.cli("show", "알림").out


@pytest.mark.parametrize(
    ("argv", "policy_of"),
    [
        (("show", "알림", "--json"), lambda doc: doc["policy"]),
        (("list", "--json"), lambda doc: doc["schedules"][0]["policy"]),
    ],
    ids=["show", "list"],
)
def test_json_masks_it(
    hooked: World, argv: tuple[str, ...], policy_of: Callable[[Any], dict[str, Any]]
) -> None:
    result = hooked.cli(*argv)

    assert result.code == 0, result.err
    assert SECRET not in result.out
    assert policy_of(json.loads(result.out))["alert_webhook_url"] == SHOWN


def test_export_gives_the_whole_url(hooked: World) -> None:
    exported = hooked.cli("export")

    assert exported.code == 0, exported.err
    assert json.loads(exported.out)["schedules"]["알림"]["policy"]["alert_webhook_url"] == URL
