"""Random bodies never get a 5xx: bad input is a 4xx naming a field, whatever it is."""

from __future__ import annotations

import json
import random
from typing import Any

from fastapi.testclient import TestClient

from tests.unit.api.conftest import BASE

FIELDS = [
    "name", "task", "minute", "hour", "day_of_week", "day_of_month", "month_of_year", "cron",
    "interval", "anchor", "at", "timezone", "args", "kwargs", "parameters", "options",
    "enabled", "description", "policy", "queue", "priority", "expires", "overlap",
    "timeout_seconds", "max_retries", "min_gap_seconds", "catchup_window_seconds",
    "lock_key", "unknown",
]  # fmt: skip
ATOMS: list[Any] = [
    None, True, False, 0, -1, 10**20, 2**63, 1.5, 1e308, float("inf"), float("nan"), "",
    "x", "*/0", "-1", "1-100", "L", "0 3 * * *", "2030-01-01T00:00:00",
    "0001-01-01T00:00:00", "9999-12-31T23:59:59", "2999-12-31T23:59:59-12:00", "Mars/X",
]  # fmt: skip
TIMINGS: list[tuple[str, Any]] = [("interval", 60), ("cron", "0 3 * * *"), ("hour", 3)]


def value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.15 and depth < 2:
        return [value(rng, depth + 1) for _ in range(2)]
    if roll < 0.3 and depth < 2:
        return {rng.choice(FIELDS): value(rng, depth + 1) for _ in range(2)}
    return rng.choice(ATOMS)


def body(rng: random.Random, name: str) -> dict[str, Any]:
    data = {key: value(rng) for key in rng.sample(FIELDS, rng.randint(0, 5))}
    if rng.random() < 0.7:
        data["task"] = rng.choice(["crawl_all_complexes", "app.tasks.media.process_images"])
        key, timing = rng.choice(TIMINGS)
        data[key] = timing
    data["name"] = name
    return data


def test_random_bodies_get_4xx_never_5xx(client: TestClient) -> None:
    rng = random.Random(20261122)
    headers = {"Content-Type": "application/json"}
    for i in range(400):
        calls = [
            ("POST", BASE, body(rng, f"n{i}")),
            ("PUT", f"{BASE}/n{i - 1}", body(rng, f"n{i - 1}")),
            ("PATCH", f"{BASE}/n{i - 2}", {k: value(rng) for k in rng.sample(FIELDS, 2)}),
        ]
        for method, url, data in calls:
            raw = json.dumps(data, allow_nan=True)
            response = client.request(method, url, content=raw, headers=headers)
            assert response.status_code < 500, (method, raw, response.text)
            if response.status_code == 422:
                assert response.json()["detail"][0]["field"]
    listing = client.get(BASE, params={"limit": 1000})
    assert listing.status_code == 200
    for name in listing.json()["schedule"]:
        assert client.get(f"{BASE}/{name}").status_code == 200
