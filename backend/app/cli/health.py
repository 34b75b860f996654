"""What `status --check` (and the status summary) find wrong: the monitor's problems
(no Beat, schedules.json not applied, overdue entries, schedules whose last
ALERT_CONSECUTIVE_FAILURES runs all failed), as the status API reports them, narrowed
to the names asked for; and, for the failing schedules, their last error.

A failing schedule counts only while it exists and is enabled (app.monitor.find_failing):
pausing a schedule that keeps failing is how an operator silences it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.cli import render
from app.cli.context import Context
from app.cli.failures import RedisUnreachable
from app.cli.runs_view import epoch_text, run_detail
from app.monitor import (
    FailingReport,
    HealthProblem,
    OverdueReport,
    SystemStatus,
    find_failing,
    find_overdue,
    health_problems,
    read_status,
)
from app.presentation import outcome_in_words
from app.schedules import ERROR_OUTCOMES, RunRecord, name_matches

# Failing schedules described in a line of their own (one read each); the rest are
# counted and named in the first line.
DETAILED = 10
# Records read back to find a failing schedule's last error (skips come after it).
LAST_ERROR_SCAN = 20


@dataclass(frozen=True)
class Failing:
    name: str
    streak: int
    last_error: RunRecord | None


@dataclass(frozen=True)
class Verdict:
    status: SystemStatus
    problems: list[HealthProblem]
    # The first DETAILED failing schedules, with their last error.
    failing: list[Failing]
    failing_count: int

    @property
    def ok(self) -> bool:
        return not self.problems


def failing_matching(ctx: Context, pattern: str | None) -> FailingReport:
    """Enabled schedules matching `pattern` failing ALERT_CONSECUTIVE_FAILURES or more
    times in a row: the longest streak first, then by name."""
    report = find_failing(ctx.store, ctx.settings.alert_consecutive_failures)
    kept = [(n, s) for n, s in report.entries if name_matches(n, pattern)]
    return FailingReport(report.threshold, tuple(sorted(kept, key=lambda p: (-p[1], p[0]))))


def last_error(ctx: Context, name: str) -> RunRecord | None:
    return next(
        (r for r in ctx.store.runs(name, LAST_ERROR_SCAN) if r.outcome in ERROR_OUTCOMES), None
    )


def overdue_matching(ctx: Context, args: argparse.Namespace, now: datetime) -> OverdueReport:
    report = find_overdue(ctx.store, now, timedelta(seconds=args.grace))
    if not args.pattern:
        return report
    kept = tuple(o for o in report.entries if name_matches(o.name, args.pattern))
    return OverdueReport(kept)


def worker_timeout(args: argparse.Namespace) -> float | None:
    """--ping-timeout as read_status takes it: unset reads the workers' heartbeats (0),
    0 does not ask (None), more pings them live that long."""
    timeout: float | None = args.ping_timeout
    if timeout is None:
        return 0.0
    return timeout or None


def judge(ctx: Context, args: argparse.Namespace, now: datetime) -> Verdict:
    status = read_status(ctx.store, ctx.settings.redis_url, worker_timeout=worker_timeout(args))
    if not status.redis_ok:
        raise RedisUnreachable(status.redis_error or "no answer")
    failing = failing_matching(ctx, args.pattern)
    problems = health_problems(status, overdue_matching(ctx, args, now), failing)
    described = [Failing(n, s, last_error(ctx, n)) for n, s in failing.entries[:DETAILED]]
    return Verdict(status, problems, described, len(failing.entries))


def failing_lines(ctx: Context, verdict: Verdict) -> list[str]:
    """One line per failing schedule (the first DETAILED): its streak and last error."""
    tz, language = ctx.settings.timezone, ctx.settings.language
    lines = []
    for f in verdict.failing:
        last = f.last_error
        lines.append(
            ctx.message(
                "cli_failing_line",
                name=f.name,
                count=f.streak,
                outcome=outcome_in_words(last.outcome if last else None, language),
                when=epoch_text(last.finished_at if last else None, tz),
                error=(run_detail(last, tz, language) if last else "") or "-",
            )
        )
    if verdict.failing_count > len(verdict.failing):
        lines.append(ctx.message("cli_more", count=verdict.failing_count - len(verdict.failing)))
    return lines


def reasons(ctx: Context, args: argparse.Namespace, verdict: Verdict) -> list[str]:
    grace, language = render.short_duration(args.grace), ctx.settings.language
    return [render.problem_reason(p, grace, language) for p in verdict.problems]


def failing_problem(verdict: Verdict) -> HealthProblem | None:
    return next((p for p in verdict.problems if p.code == "failing"), None)


def _detail(problem: HealthProblem, verdict: Verdict) -> dict[str, Any]:
    """The monitor's detail; a failing schedule's entry also carries its last error."""
    if problem.code != "failing":
        return problem.detail
    errors = {f.name: f.last_error for f in verdict.failing}
    schedules = [
        {**s, "last_error": e.as_dict() if (e := errors.get(s["name"])) else None}
        for s in problem.detail["schedules"]
    ]
    return {**problem.detail, "schedules": schedules}


def check_document(ctx: Context, args: argparse.Namespace, verdict: Verdict) -> dict[str, Any]:
    grace, language = render.short_duration(args.grace), ctx.settings.language
    problems = [
        {
            "code": p.code,
            "message": render.problem_reason(p, grace, language),
            "detail": _detail(p, verdict),
        }
        for p in verdict.problems
    ]
    return {"ok": verdict.ok, "grace_seconds": args.grace, "problems": problems}
