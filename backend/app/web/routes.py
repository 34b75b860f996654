"""GET /scheduler (the page), GET / (leads there) and /scheduler/static/* (its assets).

Kept out of the OpenAPI document: these answer HTML and files, not the API's JSON, and
a client generated from the schema has no use for them. Seed 000's API routes live under
/scheduler too (/scheduler/start, /scheduler/jobs, ...); none of them is `static`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.core.config import Settings, get_settings
from app.presentation import page_words

PAGE_PATH = "/scheduler"
STATIC_PATH = "/scheduler/static"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# The page polls the list and the status this often (brief: every 3 s).
REFRESH_MS = 3000
# Markers in static/index.html that the served page replaces, each once.
TEXT_MARKER = "<!--PAGE_TEXT-->"
CONFIG_MARKER = "<!--PAGE_CONFIG-->"
# Assets change with the code and are small: the browser asks again each time (a 304
# when unchanged), so a page never mixes an old script with a new one.
NO_CACHE = {"Cache-Control": "no-cache"}
# The page loads only its own scripts and styles, and no other site may frame it (a
# framed page could be clicked through); the embedded JSON is data, never run.
PAGE_SECURITY = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _script_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: no `</script>` or `<!--` can form."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def page_config(settings: Settings) -> dict[str, Any]:
    """What the page's script needs from the server; the token itself never goes in."""
    return {
        "language": settings.language,
        "timezone": settings.timezone,
        "api_base": "",
        "static_base": STATIC_PATH,
        # Any token at all: a change needs a write one (only read ones: none may change).
        "token_required": bool(settings.api_token_list()),
        # API_PROTECT_READS: the page asks for the token before its first read too.
        "reads_protected": settings.api_protect_reads,
        "refresh_ms": REFRESH_MS,
    }


def render_page(settings: Settings, template: str) -> str:
    """index.html with the page's words (in LANGUAGE) and its settings filled in."""
    html = template.replace(TEXT_MARKER, _script_json(page_words(settings.language)), 1)
    html = html.replace(CONFIG_MARKER, _script_json(page_config(settings)), 1)
    return html.replace('<html lang="en">', f'<html lang="{settings.language}">', 1)


@router.get("/", name="page-root")
def root() -> RedirectResponse:
    """A person who opens the server's address lands on the page."""
    return RedirectResponse(PAGE_PATH, status_code=307)


@router.get(PAGE_PATH, name="page-get", response_class=HTMLResponse)
def page(settings: SettingsDep) -> HTMLResponse:
    # Read on each request: a few kilobytes, and an edited page shows on reload.
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(render_page(settings, template), headers={**NO_CACHE, **PAGE_SECURITY})


class PageAssets(StaticFiles):
    """StaticFiles that tell the browser to revalidate every asset (NO_CACHE)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(NO_CACHE)
        return response


def install(app: FastAPI) -> None:
    """The page's routes and its assets (a mount, which a router cannot carry)."""
    app.include_router(router)
    app.mount(STATIC_PATH, PageAssets(directory=STATIC_DIR), name="page-static")
