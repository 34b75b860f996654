"""The operations the API and the CLI offer, over the store: one copy of every rule.

Each operation validates fully before it writes, and each write is one transaction
(see app/schedules/store/), so a refused request changes nothing and a concurrent one never
interleaves with it.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from celery import Celery

from app.core.config import get_settings
from app.core.redaction import redacted_webhook
from app.schedules.audit import change_of
from app.schedules.control import REASON_MAX_LENGTH, PauseState
from app.schedules.entry import Entry
from app.schedules.errors import RunRefused, ScheduleNotFound, VersionMismatch, invalid
from app.schedules.fire import new_task_id, policy_headers, send_recorded
from app.schedules.patch import merge_patch, timing_groups
from app.schedules.registry import TaskRegistry
from app.schedules.runs import RunRecord, error_of
from app.schedules.spec import (
    OPTION_KEYS,
    SECRET_POLICY_FIELDS,
    ScheduleSpec,
    parse_spec,
    validate_name,
)
from app.schedules.store import CREATE, SaveMode, ScheduleStore
from app.schedules.timing import TIMING_FIELDS, build_schedule, upcoming_fires
from app.schedules.timing_forms import SEED_TIMING_KEYS
from app.schedules.validation import validate_spec
from app.schedules.walk import ListFilter

log = logging.getLogger(__name__)

MAX_PAGE = 1000
# A preview checks a timing alone; the spec it builds needs some task name.
PREVIEW_TASK = "preview"
# A partial update without If-Match retries its read-merge-write this often when a
# concurrent writer gets in between; with If-Match the caller decides instead. Each lost
# race means another write went through, so retrying makes progress; 5 was used up by
# 50 clients editing three schedules (a 412 naming a version the caller never sent).
MERGE_ATTEMPTS = 50
# Entries read per round trip while a filtered listing looks for matches (the chunk
# starts at the page's size and doubles up to this).
SCAN_CHUNK = 500
# Most entries a filtered page reads (see ScheduleService.list): a filter matching
# nothing among 100,000 entries answers in a bounded time, with a cursor to go on.
SCAN_LIMIT = 5000


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_cursor: str | None
    total: int


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise invalid("cursor", cursor, "is not a cursor this API returned") from None


class ScheduleService:
    def __init__(
        self,
        store: ScheduleStore,
        registry: TaskRegistry,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock

    @property
    def app(self) -> Celery:
        return self.store.app

    def get(self, name: str) -> Entry:
        entry = self.store.get(name)
        if entry is None:
            raise ScheduleNotFound(name)
        return entry

    def check(self, raw: Any) -> ScheduleSpec:
        """Validate a whole definition (without its name) as a new one would be."""
        raw = _mapping(raw)
        spec = validate_spec(raw, self.registry)
        self._refuse_past_one_off(spec, raw)
        return spec

    def preview(
        self, timing: Mapping[str, Any], count: int = 5
    ) -> tuple[ScheduleSpec, list[datetime]]:
        """A timing checked as a new schedule's would be, and the first `count` times a
        schedule saved with it now would fire. Writes nothing.

        Raises InvalidSchedule naming the field: one outside the timing, a second
        timing, a bad crontab field, a one-off in the past, ...
        """
        for key, value in timing.items():
            if key not in TIMING_FIELDS:
                raise invalid(key, value, f"not a timing field (one of {', '.join(TIMING_FIELDS)})")
        spec = parse_spec({**timing, "task": PREVIEW_TASK})
        self._refuse_past_one_off(spec, timing)
        sched = build_schedule(spec, self.store.default_tz, self.app)
        return spec, upcoming_fires(sched, self.clock(), count)

    def create(self, raw: Any, actor: str | None = None) -> Entry:
        """`actor` (on every write): who asks, for the audit trail ("client:10.0.0.5")."""
        body = dict(_mapping(raw))
        name = validate_name(body.pop("name", None))
        entry = self.store.save(name, self.check(body), origin="api", mode=CREATE)
        _audit(self, name, None, entry, actor)
        return entry

    def update(
        self, name: str, patch: Any, if_match: str | None = None, actor: str | None = None
    ) -> Entry:
        """Apply a partial update; fields not given keep their stored values."""
        patch = dict(_mapping(patch))
        given_name = patch.pop("name", name)
        if given_name != name:
            raise invalid("name", given_name, f"renaming is not supported (path names {name!r})")
        for attempt in range(MERGE_ATTEMPTS):
            current = self.get(name)
            _check_version(name, current, if_match)
            spec = self._merged(current, patch)
            try:
                saved = self.store.save(name, spec, mode=SaveMode(if_match=current.etag))
            except VersionMismatch:
                if if_match is not None or attempt == MERGE_ATTEMPTS - 1:
                    raise
                continue
            # `current` is what the save replaced: it was fenced on its version.
            _audit(self, name, current, saved, actor)
            return saved
        raise AssertionError("unreachable")  # pragma: no cover

    def set_enabled(
        self, name: str, enabled: bool, if_match: str | None = None, actor: str | None = None
    ) -> Entry:
        """Pause, or resume from the next slot after now (see timing.first_due).

        Slots that passed while paused are skipped, never sent on resume: the operator
        paused to stop runs, and `run_now` sends one at once when that is wanted. A plain
        interval resumes on the rhythm of its last run, at most one interval away; a
        one-off whose time passed while paused is sent at once, having no later slot.
        The definition and run state are kept.
        """
        return self.update(name, {"enabled": enabled}, if_match, actor)

    def delete(
        self, name: str, if_match: str | None = None, actor: str | None = None
    ) -> Entry | None:
        deleted = self.store.delete(name, if_match=if_match)
        _audit(self, name, deleted, None, actor)
        return deleted

    def pause_state(self) -> PauseState:
        return self.store.pause_state()

    def pause(self, reason: str | None = None, actor: str | None = None) -> PauseState:
        """Stop all dispatching (see app/schedules/control.py); pausing again keeps the
        first pause's time, reason and author."""
        if reason is not None and len(reason) > REASON_MAX_LENGTH:
            raise invalid(
                "reason", reason[:40] + "…", f"is longer than {REASON_MAX_LENGTH} characters"
            )
        state = self.store.pause(PauseState(True, self.clock(), reason or None, actor))
        log.info(
            "dispatching paused by %s (reason: %s); in force since %s",
            actor or "unknown",
            reason or "-",
            state.since.isoformat() if state.since else "?",
        )
        return state

    def resume(self, actor: str | None = None) -> PauseState:
        """Dispatch again from the next slot of each schedule; slots that passed while
        paused stay skipped. A no-op when not paused."""
        if self.store.resume():
            log.info("dispatching resumed by %s", actor or "unknown")
        return PauseState(False)

    def run_now(self, name: str, force: bool = False) -> str:
        """Send the entry's task at once; its regular timing and run state are untouched.

        The fire is recorded like Beat's and honours the overlap policy and lock_key
        (raises RunRefused) unless `force`; min_gap does not apply to a run asked for
        by hand. Returns the Celery task id.
        """
        entry = self.get(name)
        task = self.registry.resolve(entry.task)
        self.registry.check_call(task, entry.args, entry.kwargs)
        settings = get_settings()
        task_id = new_task_id()
        now = self.clock().timestamp()
        rec = RunRecord(
            schedule=entry.name,
            fire_id=str(uuid.uuid4()),
            task=task.name,
            scheduled_at=now,
            outcome="sent",
            trigger="run_now",
            task_id=task_id,
            sent_at=now,
        )
        policy = entry.spec.policy if entry.spec is not None else None
        lock = (policy.lock_key or "") if policy is not None and not force else ""
        if settings.history_enabled:
            allow = force or (policy is not None and policy.overlap == "allow")
            until = now + settings.run_stale_seconds
            reason = self.store.register_run(rec, "allow" if allow else "skip", lock, until, now)
            if reason is not None:
                raise RunRefused(name, reason)
        extra = policy_headers(entry, settings.retry_backoff_seconds, settings.run_lease_seconds)
        try:
            send_recorded(self.app, entry, rec, extra)
        except Exception as exc:
            # Not sent: the fire must not hold its schedule (and lock group) in progress.
            if settings.history_enabled:
                failed = replace(rec, outcome="failed", finished_at=self.clock().timestamp())
                failed.reason, failed.error = "not published", error_of(exc, None)
                self.store.finish_run(task_id, failed, lock)
            raise
        return task_id

    def list(self, flt: ListFilter, limit: int = 100, cursor: str | None = None) -> Page:
        """One page in key order; `next_cursor` continues after the last entry read.

        The keys come from the name index a chunk at a time, so a page costs the same
        however many entries are stored. A filtered page reads at most SCAN_LIMIT
        entries: when fewer than `limit` of them match, the page is short and
        `next_cursor` continues the search (follow it until it is null, as for any
        page).
        """
        if not 1 <= limit <= MAX_PAGE:
            raise invalid("limit", limit, f"must be between 1 and {MAX_PAGE}")
        after = decode_cursor(cursor) if cursor else None
        found: list[Entry] = []
        read = 0
        while True:
            want = limit - len(found)
            size = min(max(want, read, 1), SCAN_CHUNK) if flt.active else want
            page = self.store.entry_page(after, size, check=read == 0)
            more = page.more
            for i, (key, entry) in enumerate(page.rows):
                after, read = key, read + 1
                if entry is not None and flt.matches(entry):
                    found.append(entry)
                    if len(found) == limit:
                        more = more or i < len(page.rows) - 1
                        break
            else:
                after = page.last
            if not more or len(found) == limit or read >= SCAN_LIMIT:
                break
        return Page(found, encode_cursor(after) if more and after else None, page.total)

    def _merged(self, current: Entry, patch: Mapping[str, Any]) -> ScheduleSpec:
        if current.spec is None and not timing_groups(patch):
            raise invalid(
                "timing",
                repr(current.schedule),
                "this entry's timing was written by RedBeat directly and has no editable "
                "form; give a new timing (crontab fields, cron, interval or at) with the change",
            )
        base = current.spec.to_document() if current.spec else _foreign_document(current)
        patch = _without_masked_secrets(patch, base)
        spec = validate_spec(parse_spec(merge_patch(base, patch)), self.registry, current)
        # Only a patch that gives the time: a stored one-off that already ran (or whose
        # time passed while paused) can still be paused, resumed or described.
        if "at" in patch or any(key in patch for key in SEED_TIMING_KEYS):
            self._refuse_past_one_off(spec, patch)
        return spec

    def _refuse_past_one_off(self, spec: ScheduleSpec, given: Mapping[str, Any]) -> None:
        """`given`: the definition or patch as sent, so the refusal names the field and
        value the caller wrote (seed 002's `schedule_value`, or `at`)."""
        if spec.timing_kind != "once" or spec.at is None:
            return
        at = build_schedule(spec, self.store.default_tz, self.app).at
        now = self.clock()
        if at > now:
            return
        past = f"is in the past (now is {now.isoformat()})"
        if "schedule_value" in given:
            raise invalid("schedule_value", given["schedule_value"], f"{past}; use run-now")
        raise invalid("at", spec.at.isoformat(), past)


def _foreign_document(entry: Entry) -> dict[str, Any]:
    return {
        "task": entry.task,
        "args": entry.args,
        "kwargs": entry.kwargs,
        "enabled": entry.enabled,
        "options": {k: v for k, v in entry.options.items() if k in OPTION_KEYS},
    }


def _audit(
    service: ScheduleService, name: str, old: Entry | None, new: Entry | None, actor: str | None
) -> None:
    """Record a write that succeeded (never raises; see store.record_changes)."""
    change = change_of(name, old, new, actor, service.clock().timestamp())
    if change is not None:
        service.store.record_changes([change])


def _without_masked_secrets(patch: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """A secret sent back as reads show it (`https://hooks.slack.com/…`) means "keep the
    stored one": a client that saves what it read must not overwrite the real URL."""
    out = dict(patch)
    stored_policy = base.get("policy")
    if not isinstance(stored_policy, Mapping):
        return out
    for name in SECRET_POLICY_FIELDS:
        stored = stored_policy.get(name)
        if not isinstance(stored, str):
            continue
        masked = redacted_webhook(stored)
        if out.get(name) == masked:
            del out[name]
        policy = out.get("policy")
        if isinstance(policy, Mapping) and policy.get(name) == masked:
            out["policy"] = {k: v for k, v in policy.items() if k != name}
    return out


def _mapping(raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise invalid("body", raw, "must be a JSON object")
    return raw


def _check_version(name: str, current: Entry, if_match: str | None) -> None:
    if if_match is not None and if_match not in ("*", current.etag):
        raise VersionMismatch(name, if_match, current.etag)
