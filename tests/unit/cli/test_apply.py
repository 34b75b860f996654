"""`apply` (app/cli/files.py): a file no check foresaw is refused like any invalid one."""

from __future__ import annotations

from pathlib import Path

from tests.unit.cli.conftest import World


def test_apply_of_a_huge_number_is_an_invalid_file(world: World, tmp_path: Path) -> None:
    path = tmp_path / "schedules.json"
    path.write_text(
        '{"schedules": {"big": {"task": "crawl_all_complexes", "schedule_type": "INTERVAL", '
        f'"schedule_value": 1{"0" * 400}}}}}}}',
        encoding="utf-8",
    )
    keys = sorted(world.redis.keys("*"))

    result = world.cli("apply", str(path))

    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0] == f"{path} was not applied; nothing was changed:"
    assert lines[1].startswith("  schedules.big.schedule_value: INTERVAL takes seconds")
    assert sorted(world.redis.keys("*")) == keys
