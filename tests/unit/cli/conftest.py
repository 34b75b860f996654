"""The CLI run in-process over fakeredis, with run history written through the store's
own methods, as Beat (commit_fires, sweep_lost), run-now (register_run) and the worker
(start_run, finish_run) write it: no key is written by hand."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.cli.main import main
from app.core.celery_app import celery_app
from app.core.config import get_settings
from app.schedules import RunRecord, ScheduleStore, encode_meta, encode_slot, parse_spec
from app.schedules.keys import entry_key
from app.schedules.store import FireArgs
from tests.unit.beat.fakes import Commit, lua_fakeredis

TASK = "app.tasks.scheduler.crawl_all_complexes"
SEOUL = ZoneInfo("Asia/Seoul")
# The CLI's clock. Records are written a little before it: the store trims history by
# age from a record's own time, so these must not lie ahead of the real clock.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=SEOUL)
LEASE = 3600.0


def at(hour: int, minute: int = 0, second: int = 0) -> float:
    """An epoch time on NOW's day, Seoul time."""
    return NOW.replace(hour=hour, minute=minute, second=second).timestamp()


class Tty(io.StringIO):
    """Output the CLI takes for a terminal: box drawing, colour, fitted to COLUMNS."""

    def isatty(self) -> bool:
        return True


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


class World:
    """Schedules and their history in a fakeredis, and the CLI pointed at it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.redis = lua_fakeredis()
        self.store = ScheduleStore(self.redis, celery_app, "Asia/Seoul")
        self.store.beats.claim("beat", "beat", "{}", 30)

    def cli(self, *argv: str, language: str = "en", tty: bool = False, **env: str) -> Result:
        self.monkeypatch.setenv("LANGUAGE", language)
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        out, err = Tty() if tty else io.StringIO(), io.StringIO()
        code = main(list(argv), out=out, err=err, clock=lambda: NOW, redis=self.redis)
        return Result(code, out.getvalue(), err.getvalue())

    def add(self, name: str, **fields: Any) -> None:
        timed = {"interval", "at", "cron", "hour", "minute"} & set(fields)
        spec = {"task": TASK, **({} if timed else {"cron": "0 * * * *"}), **fields}
        self.store.save(name, parse_spec(spec))

    # --- history, as the parts of the system write it --------------------------------

    def queue(self, name: str, scheduled: float, trigger: str = "run_now") -> RunRecord:
        """A fire sent by hand (run-now), waiting for a worker."""
        task_id = str(uuid.uuid4())
        rec = RunRecord(
            name, f"fire-{task_id}", TASK, scheduled, "sent", trigger, task_id, sent_at=scheduled
        )  # type: ignore[arg-type]
        assert self.store.register_run(rec, "allow", "", scheduled + LEASE, scheduled) is None
        return rec

    def start(self, name: str, scheduled: float, worker: str = "worker@a") -> RunRecord:
        """A fire that a worker has started, 1 s after its slot."""
        rec = self.queue(name, scheduled)
        started = scheduled + 1
        running = replace(rec, outcome="running", started_at=started, worker=worker)
        assert rec.task_id is not None
        self.store.start_run(rec.task_id, running, "", started + LEASE, started)
        return running

    def run(
        self,
        name: str,
        scheduled: float,
        outcome: str = "succeeded",
        took: float = 2.5,
        error: tuple[str, str] | None = None,
        result: str | None = None,
    ) -> RunRecord:
        """A fire that ran and ended with `outcome` after `took` seconds."""
        running = self.start(name, scheduled)
        assert running.task_id is not None and running.started_at is not None
        end = replace(
            running,
            outcome=outcome,  # type: ignore[arg-type]
            finished_at=running.started_at + took,
            error={"type": error[0], "message": error[1]} if error else None,
            result=result,
        )
        self.store.finish_run(running.task_id, end, "")
        return end

    def lose(self, name: str, scheduled: float) -> None:
        """A run whose worker died: Beat's sweep finds its lease expired."""
        running = self.start(name, scheduled)
        assert running.task_id is not None
        assert self.store.sweep_lost([running.task_id], scheduled + 2 * LEASE) == []

    def beat_fire(self, name: str, scheduled: float, mode: str = "skip") -> int:
        """Beat's commit of one slot of `name` (mode skip: skipped while one runs;
        missed: too late for its catch-up window, standing for two slots)."""
        entry = self.store.get(name)
        assert entry is not None
        task_id = str(uuid.uuid4())
        rec = RunRecord(
            name, f"fire-{task_id}", TASK, scheduled, "sent", task_id=task_id, sent_at=scheduled
        )
        if mode == "missed":
            rec = replace(
                rec,
                outcome="missed",
                task_id=None,
                sent_at=None,
                reason="catchup_window",
                missed_count=2,
            )
        fire = FireArgs(mode, name, task_id, scheduled + LEASE, 0.0, "", rec.to_json())
        sent = datetime.fromtimestamp(scheduled, UTC)
        step = Commit(
            entry_key(name),
            entry.revision,
            scheduled + 3600,
            encode_meta(sent, entry.total_run_count + 1),
            encode_slot(sent, sent),
            fire,
        )
        codes = self.store.commit_fires("beat", [step], scheduled)
        assert codes is not None
        return codes[0]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    # Everything the output depends on, so a developer's environment cannot change it.
    for name in ("COLUMNS", "NO_COLOR", "HISTORY_ENABLED", "ALERT_CONSECUTIVE_FAILURES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TIMEZONE", "Asia/Seoul")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # never dialled: fakeredis
    get_settings.cache_clear()
    yield World(monkeypatch)
    get_settings.cache_clear()
