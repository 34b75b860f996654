"""What a schedule is: one shape shared by schedules.json, the API and the CLI."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from celery.schedules import ParseException, crontab
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from app.schedules.cron_bounds import check_bounds
from app.schedules.errors import InvalidSchedule, Problem, invalid
from app.schedules.timing_forms import lift_seed_timing

NAME_MAX_LENGTH = 200
# Distinct crontab field sets whose check passed, kept so a file's repeated timings are
# parsed once (a few hundred bytes each).
CRONTABS_REMEMBERED = 65536
# Validation context key: the spec is read back from Redis, not new input.
STORED = "stored"
# Order of the fields in a 5-field cron expression.
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
TimingKind = Literal["crontab", "cron", "interval", "once"]
# Top-level spellings accepted for nested fields (seed 000 puts these at the top).
POLICY_KEYS = (
    "overlap",
    "timeout_seconds",
    "max_retries",
    "min_gap_seconds",
    "catchup_window_seconds",
    "lock_key",
    "retry_backoff_seconds",
    "lease_seconds",
    "alert_webhook_url",
    "alert_failed_items",
    "alert_long_run_seconds",
)
OPTION_KEYS = ("queue", "priority", "expires")
# Ten years: longer is a typo, and far larger values overflow date arithmetic.
MAX_INTERVAL_SECONDS = 10 * 366 * 86400
# Anchor and one-off times outside these years are typos, and years near 1 or 9999
# overflow date arithmetic once a timezone or an interval is applied.
MOMENT_YEARS = (1970, 2999)


def _sensible_year(value: datetime) -> datetime:
    low, high = MOMENT_YEARS
    if not low <= value.year <= high:
        raise ValueError(f"must be in the years {low} to {high}")
    return value


Moment = Annotated[datetime, AfterValidator(_sensible_year)]
# Numbers are accepted (seed 004 sends "hour": 14) and stored as text.
CronField = Annotated[
    str | None,
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}),
]


def lift_flat_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Move top-level policy and option keys (seed 000's spelling) into their objects."""
    data = dict(data)
    for nested, keys in (("policy", POLICY_KEYS), ("options", OPTION_KEYS)):
        flat = {k: data.pop(k) for k in keys if k in data}
        if flat:
            inner = data.get(nested)
            data[nested] = {**flat, **(inner if isinstance(inner, Mapping) else {})}
    return data


# Characters a name may not hold anywhere: controls (Cc: NUL, newline, ESC, ...), format
# characters (Cf: the bidi overrides and isolates U+202A-202E and U+2066-2069, the
# zero-width U+200B-200D, U+2060, U+FEFF, soft hyphen, tag characters, ...), lone
# surrogates (Cs), the line and paragraph separators U+2028 and U+2029, and every
# default-ignorable code point (DEFAULT_IGNORABLE). Each is invisible or moves text
# around it on screen, so a name holding one looks like another name (or spells a
# different one in the CLI's table, a log line or the page): two names that look the
# same must be the same name. Emoji ZWJ sequences, Persian ZWNJ and variation selectors
# are refused with them; the description keeps any text.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _spans(*spans: tuple[int, int]) -> frozenset[str]:
    return frozenset(chr(code) for low, high in spans for code in range(low, high + 1))


# Unicode's Default_Ignorable_Code_Point property, copied from DerivedCoreProperties.txt
# (Unicode 14.0, the version of Python 3.11's unicodedata, which cannot look it up):
# characters a renderer draws as nothing when it has no special use for them. Most are
# Cf and refused by category already; these are not: U+034F COMBINING GRAPHEME JOINER,
# the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0 (letters, Lo, drawn blank; this
# project's names are often Korean), the Khmer inherent vowels U+17B4-17B5, the
# Mongolian free variation selectors U+180B-180D and U+180F, the variation selectors
# U+FE00-FE0F and U+E0100-E01EF, and the unassigned U+2065, U+FFF0-FFF8 and
# U+E0000-E0FFF. Listed whole, so the table reads like its source. Plus U+2800 BRAILLE
# PATTERN BLANK: not default-ignorable, but drawn as an empty cell.
DEFAULT_IGNORABLE = _spans(
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
) | {"\u2800"}
# Unicode's White_Space property (PropList.txt): refused at either end of a name, where
# `backup ` and `backup` look the same. Inside a name the ones that are not controls
# or separators stay, NO-BREAK SPACE (U+00A0) and the other wide or narrow spaces
# included: each is drawn as a space, so `back up` is seen to hold one (which space it
# is does not show; a name that needs to be told apart by eye should not rely on it).
WHITE_SPACE = _spans((0x0009, 0x000D), (0x2000, 0x200A)) | frozenset(
    "\x20\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
)


def invisible_in_names(ch: str) -> bool:
    """Whether a name may not hold `ch` anywhere (INVISIBLE_CATEGORIES, DEFAULT_IGNORABLE)."""
    return ch in DEFAULT_IGNORABLE or unicodedata.category(ch) in INVISIBLE_CATEGORIES


def _first_invisible(value: str) -> str | None:
    return next((ch for ch in value if invisible_in_names(ch)), None)


def _described(ch: str) -> str:
    label = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}{f' ({label})' if label else ''}"


def _invisible_problem(value: str) -> str | None:
    """Why `value` is refused for an invisible character in it, or None."""
    ch = _first_invisible(value)
    if ch is None:
        return None
    return (
        f"must not contain {_described(ch)}: control, format, separator and other "
        "invisible (default-ignorable) characters are not seen or reorder text, so the "
        "name would look like another"
    )


def _edge_space_problem(value: str) -> str | None:
    """Why `value` is refused for whitespace at its start or end, or None."""
    ends = [ch for ch in (value[:1], value[-1:]) if ch in WHITE_SPACE]
    if not ends:
        return None
    return (
        f"must not start or end with whitespace ({_described(ends[0])}): "
        f"{value.strip()!r} and {value!r} would look the same"
    )


# A name travels in URL paths (`/api/scheduler/schedule/{name}`), where these endings
# are the routes below a schedule: `x/runs` would read the runs of `x`, not entry `x/runs`.
RESERVED_NAME_ENDINGS = ("/runs", "/audit", "/run", "/pause", "/resume")


def validate_name(name: Any, field: str = "name") -> str:
    """Any Unicode text up to 200 characters without invisible characters (see
    INVISIBLE_CATEGORIES) or whitespace at either end, not ending in one of the API's
    sub-route names."""
    if not isinstance(name, str) or not name:
        raise invalid(field, name, "must be a non-empty string")
    if not name.strip():
        raise invalid(field, name, "must not be blank")
    if len(name) > NAME_MAX_LENGTH:
        raise invalid(field, name, f"must be at most {NAME_MAX_LENGTH} characters")
    refused = _invisible_problem(name) or _edge_space_problem(name)
    if refused:
        raise invalid(field, name, refused)
    if name.endswith(RESERVED_NAME_ENDINGS):
        raise invalid(
            field,
            name,
            f"must not end in {', '.join(RESERVED_NAME_ENDINGS)}: in a URL that would name "
            "another route (e.g. `x/runs` is the run history of `x`)",
        )
    return name


class Options(BaseModel):
    """Celery options passed on every send."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    queue: str | None = Field(default=None, min_length=1, max_length=200)
    priority: int | None = Field(default=None, ge=0, le=9)
    expires: float | None = Field(default=None, gt=0, description="Seconds after sending.")


# Policy fields whose value may be a secret: shown masked wherever a definition is logged.
SECRET_POLICY_FIELDS = ("alert_webhook_url",)


class Policy(BaseModel):
    """Execution policy, enforced by Beat when it fires and by the worker as it runs
    (docs/history.md)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    overlap: Literal["skip", "allow", "buffer_one"] = Field(
        default="skip",
        description="A fire while the previous one is queued or running: skip it, allow "
        "it, or hold one back until the running one ends.",
    )
    timeout_seconds: float | None = Field(
        default=None, gt=0, le=MAX_INTERVAL_SECONDS, description="Stop a run after this long."
    )
    max_retries: int = Field(default=0, ge=0, le=100, description="Retries after a failure.")
    retry_backoff_seconds: float | None = Field(
        default=None,
        ge=0,
        le=3000,
        description="First retry delay, doubled per attempt; null: RETRY_BACKOFF_SECONDS.",
    )
    min_gap_seconds: float = Field(
        default=0,
        ge=0,
        le=MAX_INTERVAL_SECONDS,
        description="Least time from one run's end to the next fire.",
    )
    catchup_window_seconds: float | None = Field(
        default=None,
        ge=0,
        le=MAX_INTERVAL_SECONDS,
        description="A fire later than this (Beat was down) is recorded as missed instead "
        "of run; null: always run once on recovery.",
    )
    lock_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=NAME_MAX_LENGTH,
        description="Schedules sharing a lock_key never run at the same time.",
    )
    lease_seconds: float | None = Field(
        default=None,
        ge=3,
        le=86400,
        description="How soon a run whose worker died is recorded as lost; null: "
        "RUN_LEASE_SECONDS.",
    )
    # Alerts (docs/alerts.md); read by the worker's alert loops, never sent with a task.
    alert_webhook_url: str | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^https?://\S+$",
        repr=False,
        description="Where this schedule's alerts are POSTed; null: ALERT_WEBHOOK_URL. It "
        "may hold a secret (a Slack URL does): it is never logged nor put in a task message.",
    )
    alert_failed_items: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000_000,
        description="Alert when a run's result reports this many failed items or more, or "
        "all of them failed; null: ALERT_FAILED_ITEMS (10).",
    )
    alert_long_run_seconds: float | None = Field(
        default=None,
        gt=0,
        le=MAX_INTERVAL_SECONDS,
        description="Alert when a run lasts longer than this; null: when it lasts far longer "
        "than its recent runs (ALERT_LONG_RUN_FACTOR).",
    )


CategoryName = Literal["COLLECTION", "IMAGE_PROCESSING", "CLEANUP", "REPORT", "ANALYSIS", "CUSTOM"]
# Seed 000's job types. A closed set, so that a typo ("COLECTION") is refused rather than
# becoming a group of its own; lower case is accepted and stored in upper case.
CATEGORIES: tuple[str, ...] = get_args(CategoryName)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


Category = Annotated[CategoryName, BeforeValidator(_upper)]
# Seed 002's schedule types (app/schedules/timing_forms.py); lower case is accepted.
SeedScheduleType = Annotated[Literal["INTERVAL", "DAILY", "ONCE", "CRON"], BeforeValidator(_upper)]


class ScheduleSpec(BaseModel):
    """A schedule's definition, minus its name. Exactly one timing must be set."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    task: str = Field(min_length=1, max_length=300)
    minute: CronField = None
    hour: CronField = None
    day_of_week: CronField = None
    day_of_month: CronField = None
    month_of_year: CronField = None
    cron: str | None = Field(default=None, description='5-field cron, e.g. "0 3 * * *".')
    interval: float | None = Field(
        default=None, ge=1, le=MAX_INTERVAL_SECONDS, description="Seconds between runs."
    )
    anchor: Moment | None = Field(default=None, description="With interval: first run time.")
    at: Moment | None = Field(default=None, description="One-off run time.")
    # Seed 002's spelling of a timing: read as the fields above, never stored.
    schedule_type: SeedScheduleType | None = Field(
        default=None,
        exclude=True,
        description="Seed 002's timing, with schedule_value: INTERVAL, DAILY, ONCE or CRON. "
        "Read as the timing it stands for (interval; hour and minute; at; cron), which is "
        "what is stored and shown.",
    )
    schedule_value: int | float | str | None = Field(
        default=None,
        exclude=True,
        description='With schedule_type: seconds (INTERVAL 30), "HH:MM" (DAILY "14:30"), '
        'an ISO-8601 time (ONCE) or a 5-field cron expression (CRON "0 0 * * *").',
    )
    timezone: str | None = None
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(
        default_factory=dict, validation_alias=AliasChoices("kwargs", "parameters")
    )
    options: Options = Field(default_factory=Options)
    enabled: bool = True
    description: str = Field(default="", max_length=1000)
    category: Category | None = Field(
        default=None,
        description="What kind of work it is (seed 000's job_type); when absent, seed "
        "000's API derives one from the task.",
    )
    policy: Policy = Field(default_factory=Policy)

    @field_validator("args", "kwargs")
    @classmethod
    def _finite_json(cls, value: Any) -> Any:
        # NaN and Infinity are not JSON: other readers of the entry would choke on them.
        try:
            json.dumps(value, allow_nan=False)
        except ValueError:
            raise ValueError("must not contain NaN or Infinity") from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _lift_flat_fields(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = lift_seed_timing(lift_flat_fields(data))
        for field in CRON_FIELDS:
            if isinstance(data.get(field), str) and not data[field].strip():
                # An empty field must not silently mean "*" (every minute).
                raise FieldValueError(field, data[field], f"{field} must not be empty")
            # Seed 004 sends hour and minute as numbers.
            if isinstance(data.get(field), int) and not isinstance(data.get(field), bool):
                data[field] = str(data[field])
        return data

    @model_validator(mode="after")
    def _check_timing(self, info: ValidationInfo) -> ScheduleSpec:
        kinds = self.timing_kinds()
        if len(kinds) != 1:
            given = ", ".join(kinds) or "none"
            raise FieldValueError(
                "timing",
                given,
                "give exactly one timing: crontab fields (minute, hour, ...), cron, "
                f"interval or at; got {given}",
            )
        if self.anchor is not None and self.interval is None:
            raise FieldValueError("anchor", self.anchor, "anchor is only meaningful with interval")
        if self.timezone is not None:
            check_timezone(self.timezone)
        # A stored spec passed these checks when it was written; parsing its crontab
        # fields again on every read would be most of the cost of reading an entry.
        stored = bool(info.context and info.context.get(STORED))
        if kinds[0] == "crontab" and not stored:
            check_crontab({f: getattr(self, f) or "*" for f in CRON_FIELDS})
        elif kinds[0] == "cron" and not stored:
            check_crontab(parse_cron_expression(self.cron or ""), source="cron")
        refused = _invisible_problem(self.policy.lock_key or "")
        if refused:
            raise FieldValueError("policy.lock_key", self.policy.lock_key, refused)
        return self

    def timing_kinds(self) -> list[TimingKind]:
        kinds: list[TimingKind] = []
        if any(getattr(self, f) is not None for f in CRON_FIELDS):
            kinds.append("crontab")
        if self.cron is not None:
            kinds.append("cron")
        if self.interval is not None:
            kinds.append("interval")
        if self.at is not None:
            kinds.append("once")
        return kinds

    @property
    def timing_kind(self) -> TimingKind:
        return self.timing_kinds()[0]

    def cron_fields(self) -> dict[str, str]:
        """The five crontab fields, for either crontab kind."""
        if self.cron is not None:
            return parse_cron_expression(self.cron)
        return {f: getattr(self, f) or "*" for f in CRON_FIELDS}

    def to_document(self) -> dict[str, Any]:
        """The canonical JSON form, as schedules.json and export write it."""
        return self.model_dump(mode="json", exclude_defaults=True)

    def digest(self) -> str:
        """Stable hash of the definition: tells a real edit from a re-save."""
        raw = json.dumps(self.to_document(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


class FieldValueError(ValueError):
    """A whole-model check that knows which field and value it is about."""

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.field = field
        self.value = value
        super().__init__(message)


def check_timezone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    # OSError: a name too long to be a file name (ZoneInfo looks for a file by it).
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise FieldValueError("timezone", value, f"unknown timezone {value!r}") from exc


def parse_cron_expression(expr: str) -> dict[str, str]:
    parts = expr.split()
    if len(parts) != 5:
        raise FieldValueError(
            "cron",
            expr,
            f"cron must have 5 fields (minute hour day_of_month month_of_year day_of_week), "
            f"got {len(parts)} in {expr!r}",
        )
    return dict(zip(CRON_FIELDS, parts, strict=True))


def check_crontab(fields: Mapping[str, str], source: str | None = None) -> None:
    """Check each field alone first, so the error names the field that is wrong.

    Fields that passed are remembered: parsing them is most of the cost of validating
    an entry, and a schedules.json of 100,000 entries holds a few hundred timings.
    A refusal is not cached, so its error is built afresh each time."""
    _check_crontab_once(tuple(fields.items()), source)


@lru_cache(maxsize=CRONTABS_REMEMBERED)
def _check_crontab_once(items: tuple[tuple[str, str], ...], source: str | None) -> None:
    fields = dict(items)
    for name, value in fields.items():
        try:
            check_bounds(name, value)
            crontab(**{name: value})
        except (ValueError, TypeError, IndexError, ParseException) as exc:
            where = f"field {name}: " if source else ""
            raise FieldValueError(
                source or name, value, f"{where}{value!r} is not valid ({exc})"
            ) from exc
    try:
        crontab(**fields)
    except (ValueError, TypeError, ParseException) as exc:
        raise FieldValueError(source or "day_of_month", dict(fields), str(exc)) from exc


def parse_spec(data: Any, stored: bool = False) -> ScheduleSpec:
    """Validate a raw definition; every problem names its field and value.

    `stored=True` reads back a spec this project wrote after validating it: the field
    checks run, the crontab parse does not (building the schedule parses it anyway).
    """
    if not isinstance(data, Mapping):
        raise invalid("schedule", data, "must be a JSON object")
    try:
        return ScheduleSpec.model_validate(data, context={STORED: True} if stored else None)
    except ValidationError as exc:
        raise InvalidSchedule(_problems(exc, data)) from None


def _problems(exc: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        cause = (err.get("ctx") or {}).get("error")
        message = err["msg"].removeprefix("Value error, ")
        if isinstance(cause, FieldValueError):
            problems.append(Problem(cause.field, cause.value, message))
            continue
        loc = ".".join(str(p) for p in err["loc"]) or "schedule"
        problems.append(Problem(loc, err.get("input"), message))
    return problems
