"""The page at /scheduler in Debian's Chromium, driven by Playwright, against a real
stack: redis-server, a worker, Beat and the API, each started by the project's own
scripts (tests/integration's Stack). One stack per module keeps the suite near a minute.

Chromium comes from apt (scripts/browser_deps.sh, which ./test.sh runs first; without
it the tests fail, or skip when BROWSER_TESTS=skip); Playwright only drives it, its own
browser downloads are never used. Each test gets a fresh browser context (no
cookies, no sessionStorage) and fails on any error in the page's console.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect, sync_playwright
from redis import Redis

from app.core.embedded_redis import RedisServer
from tests.integration.conftest import ROOT, Proc, Stack, stack_env, write_schedules

CHROMIUM = Path("/usr/bin/chromium")
# Quiet, offline and reproducible: nothing of Chromium's own reaches the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / ".data" / "test-artifacts" / "browser"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# Generous for a loaded 2-core machine: a fire, its run and a 3 s refresh of the page.
DEADLINE_MS = 30_000
TOKEN = "browser-test-token"
# Chrome reports a fetch answered 4xx as a console error; a test that provokes one on
# purpose says so (Console.allow, naming the status and the API path), any other is a
# failure.
HTTP_ERROR = re.compile(r"status of (\d{3})")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """/usr/bin/chromium, as scripts/browser_deps.sh installs it.

    Never installed from here (apt under a test's timeout): a missing browser fails the
    tests, or skips them, saying so, when BROWSER_TESTS=skip asks for that."""
    if not CHROMIUM.exists():
        why = f"{CHROMIUM} missing: run scripts/browser_deps.sh (as root)"
        if os.environ.get("BROWSER_TESTS") == "skip":
            pytest.skip(f"{why}; skipped because BROWSER_TESTS=skip")
        pytest.fail(f"{why}, or set BROWSER_TESTS=skip to skip the browser tests", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    expect.set_options(timeout=DEADLINE_MS)
    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh, temporary user-data-dir of its own.
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Site:
    """One API process of the stack, and a client for checking what the page did."""

    base_url: str
    api: httpx.Client
    redis: Redis

    @property
    def page_url(self) -> str:
        return f"{self.base_url}/scheduler"


@dataclass
class Running:
    stack: Stack
    env: dict[str, str]
    redis: Redis
    beat: Proc | None = None
    sites: list[Site] = field(default_factory=list)

    def site(self, token: str | None = None, **env: str) -> Site:
        if token:
            env["API_TOKEN"] = token
        base_url = self.stack.api(**env)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=base_url, headers=headers, timeout=10)
        site = Site(base_url, client, self.redis)
        self.sites.append(site)
        return site


@pytest.fixture(scope="package")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A redis-server of its own, a worker and Beat, shared by the modules of
    tests/browser and stopped after them."""
    workdir = tmp_path_factory.mktemp("browser-stack")
    with RedisServer(data_dir=workdir / "redis") as redis_server:
        yield from _run_stack(redis_server, workdir)


def _run_stack(redis_server: RedisServer, workdir: Path) -> Iterator[Running]:
    redis = Redis.from_url(redis_server.url, decode_responses=True)
    schedules_file = workdir / "schedules.json"
    write_schedules(schedules_file, {})
    env = stack_env(
        redis_server.url,
        schedules_file,
        # One failed run marks a schedule failing, so the page's mark shows at once.
        ALERT_CONSECUTIVE_FAILURES="1",
        ALERTS_ENABLED="false",
    )
    logs = workdir / "logs"
    logs.mkdir()
    stack = Stack(env, logs)
    running = Running(stack, env, redis)
    try:
        stack.worker()
        running.beat = stack.beat()
        yield running
    finally:
        for site in running.sites:
            site.api.close()
        stack.stop_all()
        redis.close()


@pytest.fixture(scope="package")
def site(running: Running) -> Site:
    """The API as ./run.sh starts it: English, no token."""
    return running.site()


@pytest.fixture(scope="package")
def korean_with_token(running: Running) -> Site:
    """An API with LANGUAGE=ko and API_TOKEN set (its client sends the token)."""
    return running.site(token=TOKEN, LANGUAGE="ko")


class Console:
    """Errors the page logged (console.error, uncaught exceptions, failed loads)."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.allowed: set[tuple[int, str]] = set()

    def allow(self, status: int, path: str) -> None:
        """This test provokes answers with this status from this API path (its end: a
        409 from `/run`, a 422 from `/api/scheduler/schedule`) on purpose."""
        self.allowed.add((status, path))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append((message.text, message.location.get("url") or ""))

    def on_page_error(self, error: Error) -> None:
        self.errors.append((f"uncaught: {error.message}", ""))

    def _allowed(self, text: str, url: str) -> bool:
        status = HTTP_ERROR.search(text)
        path = urlsplit(url).path
        return bool(status) and any(
            int(status.group(1)) == code and path.endswith(end) for code, end in self.allowed
        )

    def unexpected(self) -> list[str]:
        return [f"{text} (at {url})" for text, url in self.errors if not self._allowed(text, url)]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, console: Console, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A desktop-sized page in a fresh context; its console must stay free of errors."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(DEADLINE_MS)
    opened = context.new_page()
    opened.on("console", console.on_console)
    opened.on("pageerror", console.on_page_error)
    yield opened
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        shot(opened, f"failed-{request.node.name}")
    context.close()
    assert not console.unexpected(), f"console errors: {console.unexpected()}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keep each phase's report on the test item, for the page fixture's screenshot."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def shot(page: Page, name: str, full_page: bool = False) -> Path:
    """A screenshot under .data/test-artifacts/browser (kept out of git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def cleanup(site: Site) -> Iterator[list[str]]:
    """Names to delete after the test, so no schedule keeps firing into the next one."""
    names: list[str] = []
    yield names
    from tests.browser.pages import remove  # pages imports Site from here

    for name in names:
        remove(site, name)
