"""OpenAPI links: which call can follow a response, and with which of its values.

A create answers with the entry: its `name` is what every route on one entry takes,
and its `ETag` what a change of it may send as `If-Match`. The links say so in
/openapi.json (`responses.<status>.links`); the routes add them with `openapi_extra`,
so no request or response shape changes. Generated clients and /docs show them; the
stateful fuzz run (tests/unit/api/test_schemathesis_stateful.py) follows them from a
create to reading, changing, pausing, running and deleting that entry.
"""

from __future__ import annotations

from typing import Any

# Operations on one schedule (by operation id), all taking the path parameter `name`.
ON_SCHEDULE = (
    "schedules-get",
    "schedules-update",
    "schedules-patch",
    "schedules-pause",
    "schedules-resume",
    "schedules-run",
    "schedules-delete",
    "schedules-runs",
    "schedules-audit",
)
# Of those, the changes that take `If-Match` (412 once the entry changed since).
WITH_IF_MATCH = {
    "schedules-update",
    "schedules-patch",
    "schedules-pause",
    "schedules-resume",
    "schedules-delete",
}
# Seed 000's routes on one job, all taking the path parameter `job` (an id or a name).
ON_JOB = ("jobs-get", "jobs-update", "jobs-delete")


def links(status: int, targets: dict[str, dict[str, str]]) -> dict[str, Any]:
    """`openapi_extra` for a route whose `status` answer gives each target operation
    the parameters mapped to runtime expressions (`$response.body#/schedule/name`)."""
    found = {
        target: {"operationId": target, "parameters": parameters}
        for target, parameters in targets.items()
    }
    return {"responses": {str(status): {"links": found}}}


def _on_schedule() -> dict[str, dict[str, str]]:
    name = {"name": "$response.body#/schedule/name"}
    etag = {"header.If-Match": "$response.header.ETag"}
    return {op: name | etag if op in WITH_IF_MATCH else name for op in ON_SCHEDULE}


# After a create (201), or a change that answers the entry (200).
CREATED_SCHEDULE = links(201, _on_schedule())
CHANGED_SCHEDULE = links(200, _on_schedule())
# After run-now (202): the run it sent.
RUN_SENT = links(202, {"runs-get": {"task_id": "$response.body#/task_id"}})
_JOB = {op: {"job": "$response.body#/job/id"} for op in ON_JOB}
CREATED_JOB = links(201, _JOB)
CHANGED_JOB = links(200, _JOB)
