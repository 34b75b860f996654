"""What ./run.sh prints once the stack is up: where everything is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.core.redis import redacted_url
from app.core.zones import zones_line

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def browsable_host(api_host: str) -> str:
    """A host for a URL: wildcards become loopback, IPv6 addresses get brackets."""
    if api_host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if api_host in ("::", "[::]"):
        return "[::1]"
    if ":" in api_host and not api_host.startswith("["):
        return f"[{api_host}]"
    return api_host


def banner(
    *,
    api_host: str,
    api_port: int,
    redis_url: str,
    embedded: bool,
    redis_dir: Path,
    log_dir: Path,
    timezone: str = "Asia/Seoul",
    now: datetime | None = None,
) -> str:
    """`timezone`: the schedules' default (TIMEZONE), shown beside the host's."""
    base = f"http://{browsable_host(api_host)}:{api_port}"
    redis = (
        f"embedded, {redis_url}, data in {redis_dir}"
        if embedded
        else f"{redacted_url(redis_url)} (REDIS_URL, from the environment or .env)"
    )
    check = "./check_schedules.sh"
    if embedded and redis_url != DEFAULT_REDIS_URL:
        # Port 6379 was busy: tools started from another terminal need the URL.
        check = f"REDIS_URL={redis_url} {check}"
    return "\n".join(
        [
            "",
            f"  API    {base}",
            f"  Docs   {base}/docs",
            f"  Redis  {redis}",
            f"  Logs   {log_dir}/{{redis,worker,beat,api}}.log  (./scheduler_control.sh logs)",
            f"  Times  {zones_line(timezone, now)}",
            f"  Check  {check}",
            "  Flower ./run_flower.sh  (per-task inspection, http://127.0.0.1:5555)",
            "  Ctrl-C to stop.",
            "",
        ]
    )
