"""What the task list, the status, the export and the health check answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.models.common import Timestamp
from app.api.models.control import PausePublic
from app.api.models.runs import FailingPublic


class TaskParameter(BaseModel):
    name: str
    type: str = Field(description='The annotation, e.g. "int"; "any" when it has none.')
    required: bool
    default: Any


class TaskPublic(BaseModel):
    name: str
    description: str = Field(description="The first line of its docstring.")
    parameters: list[TaskParameter]


class TasksPublic(BaseModel):
    """The tasks a schedule may name."""

    tasks: list[TaskPublic]


class BeatInstance(BaseModel):
    instance: str
    host: str | None
    pid: int | None
    role: str | None
    leader_since: Timestamp | None
    last_tick: Timestamp | None


class WorkerPublic(BaseModel):
    """A worker as its heartbeat describes it."""

    hostname: str = Field(description="Celery's node name, e.g. celery@host.")
    pid: int | None = Field(description="The worker's main process.")
    concurrency: int | None = Field(description="Pool processes.")
    started: Timestamp | None
    last_seen: Timestamp | None = Field(description="Its last heartbeat.")


class BeatPublic(BaseModel):
    leader: BeatInstance | None
    lock_holder: str | None = Field(description="The token in RedBeat's lock.")
    instances: list[BeatInstance]
    running: bool


class PickupPublic(BaseModel):
    """How the leading Beat picks up entries saved with RedBeat's own API."""

    keyspace_notifications: bool = Field(
        description="true: such a save or delete is seen within milliseconds (Redis sends "
        "keyspace events); false: at Beat's next look, within `poll_seconds`."
    )
    reason: str | None = Field(description="Why they are off; null when on.")
    instance: str | None = Field(description="The leading Beat that recorded this.")
    since: Timestamp | None = Field(description="Since when it has been so.")
    poll_seconds: float | None = Field(description="BEAT_MAX_LOOP_INTERVAL of that Beat.")


class HealthProblem(BaseModel):
    """One reason the system is unhealthy; its other fields depend on the code
    (`failing`: `count`, `threshold` and `schedules` with each `name` and
    `consecutive_failures`; `overdue`: `count` and `entries`)."""

    model_config = ConfigDict(extra="allow")

    code: Literal["redis_down", "no_beat", "sync_error", "overdue", "failing"]


class StatusPublic(BaseModel):
    """Which Beat leads, workers online, the last schedules.json sync, overdue entries."""

    redis_url: str = Field(description="Password hidden.")
    redis_ok: bool
    redis_error: str | None
    beat: BeatPublic | None
    sync: dict[str, Any] | None = Field(description="The last schedules.json sync, or null.")
    workers: list[str] | None = Field(
        description="Hostnames of the running workers; null if not asked (`workers=false`)."
    )
    workers_error: str | None
    workers_source: Literal["presence", "ping"] | None = Field(
        description="`presence`: from the heartbeat each worker writes every "
        "WORKER_HEARTBEAT_SECONDS (instant); `ping`: they answered a live ping (`ping=true`)."
    )
    worker_details: list[WorkerPublic] | None = Field(
        description="Each worker's heartbeat (presence only)."
    )
    schedules: int | None
    paused: bool | None = Field(
        description="Dispatching is globally paused (POST /api/scheduler/pause); null when "
        "Redis is unreachable."
    )
    pause: PausePublic | None = Field(description="Since when, why and by whom.")
    pickup: PickupPublic | None = Field(
        description="Whether the leading Beat hears RedBeat's own saves at once; null "
        "while no Beat leads or Redis is unreachable."
    )
    failing: FailingPublic | None = Field(
        description="Enabled schedules failing ALERT_CONSECUTIVE_FAILURES or more times "
        "in a row (also a `failing` problem); null when Redis is unreachable."
    )
    checked_at: Timestamp
    healthy: bool
    problems: list[HealthProblem]


class ExportFile(BaseModel):
    """The live state as a schedules.json file, ready to commit."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(alias="$schema")
    schedules: dict[str, dict[str, Any]] = Field(
        description="Each definition as schedules.json writes it (see ScheduleCreate)."
    )


class HealthPublic(BaseModel):
    status: Literal["ok"]
    redis: Literal["ok"]
