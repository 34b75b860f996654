"""Human-facing text in one small catalog: English by default, Korean with LANGUAGE=ko.

Seed 004's operators read Korean ("스케줄 '테스트_크롤링'이 생성되었습니다."), so every
sentence the API, the CLI or the page shows a person comes from here. Field-level
validation details stay in English: they quote field names and values, which read the
same in both. The CLI's sentences (keys `cli_*`) live in cli.py beside this file and join the
same CATALOG, as do the page's words (keys `page_*`, page.py); a Korean sentence that puts
이/가 after a schedule's name writes `'{name}'{subject}`, and message() fills in the particle.
"""

from __future__ import annotations

from app.core.config import Language
from app.presentation.messages.cli import CLI_CATALOG
from app.presentation.messages.control import CONTROL_CATALOG
from app.presentation.messages.jobs import JOBS_CATALOG
from app.presentation.messages.page import PAGE_CATALOG

API_CATALOG: dict[str, dict[Language, str]] = {
    "created": {
        "en": "Schedule '{name}' was created.",
        "ko": "스케줄 '{name}'{subject} 생성되었습니다.",
    },
    "updated": {
        "en": "Schedule '{name}' was updated.",
        "ko": "스케줄 '{name}'{subject} 수정되었습니다.",
    },
    "deleted": {
        "en": "Schedule '{name}' was deleted.",
        "ko": "스케줄 '{name}'{subject} 삭제되었습니다.",
    },
    "paused": {
        "en": "Schedule '{name}' was paused.",
        "ko": "스케줄 '{name}'{subject} 일시 중지되었습니다.",
    },
    "resumed": {
        "en": "Schedule '{name}' was resumed.",
        "ko": "스케줄 '{name}'{subject} 재개되었습니다.",
    },
    "run_refused": {
        "en": "Schedule '{name}' was not run: {why}. Add ?force=true to run it anyway.",
        "ko": "스케줄 '{name}'{subject} 실행되지 않았습니다: {why}. "
        "그래도 실행하려면 ?force=true를 붙이세요.",
    },
    "run_refused_overlap": {
        "en": "a run of it is still queued or running (overlap policy)",
        "ko": "이전 실행이 아직 대기 중이거나 실행 중입니다 (overlap 정책)",
    },
    "run_refused_lock_key": {
        "en": "another schedule with the same lock_key is running",
        "ko": "같은 lock_key를 쓰는 다른 스케줄이 실행 중입니다",
    },
    "run_sent": {
        "en": "Schedule '{name}' was sent to the workers now (task id {task_id}).",
        "ko": "스케줄 '{name}'{subject} 지금 실행되도록 전송되었습니다 (작업 ID {task_id}).",
    },
    "dispatch_paused": {
        "en": "Dispatching is paused: no schedule is sent until it is resumed "
        "(each schedule's own on/off switch is unchanged).",
        "ko": "스케줄러가 중지되었습니다: 다시 시작할 때까지 어떤 스케줄도 실행되지 않습니다 "
        "(스케줄별 활성화 설정은 그대로입니다).",
    },
    "dispatch_resumed": {
        "en": "Dispatching resumed: each schedule runs again from its next time.",
        "ko": "스케줄러가 시작되었습니다: 각 스케줄은 다음 실행 시간부터 다시 실행됩니다.",
    },
    "note_live": {
        "en": "The running Beat applies this within 1 second; no restart is needed.",
        "ko": "실행 중인 Beat가 1초 이내에 적용합니다. 재시작은 필요 없습니다.",
    },
    "note_file_managed": {
        "en": "This schedule comes from schedules.json: this change stays until the "
        "entry is edited in the file again.",
        "ko": "이 스케줄은 schedules.json에서 관리됩니다. 파일에서 이 항목을 다시 수정할 "
        "때까지 이 변경이 유지됩니다.",
    },
    "invalid": {
        "en": "The schedule was not saved: {detail}",
        "ko": "스케줄이 저장되지 않았습니다: {detail}",
    },
    "invalid_request": {
        "en": "The request was refused: {detail}",
        "ko": "요청이 거부되었습니다: {detail}",
    },
    "not_found": {
        "en": "No schedule named '{name}'.",
        "ko": "'{name}' 스케줄이 없습니다.",
    },
    "history_not_found": {
        "en": "No schedule named '{name}', and no run history is kept for that name.",
        "ko": "'{name}' 스케줄이 없고, 그 이름으로 보관된 실행 기록도 없습니다.",
    },
    "run_not_found": {
        "en": "No run with task id '{task_id}' is in progress or kept in the history.",
        "ko": "작업 ID '{task_id}'인 실행은 진행 중이지도 않고 기록에도 남아 있지 않습니다.",
    },
    "route_not_found": {
        "en": "There is no {path} here; /docs lists every route.",
        "ko": "{path} 경로가 없습니다. 모든 경로는 /docs에 있습니다.",
    },
    "method_not_allowed": {
        "en": "{method} is not allowed on {path} (allowed: {allowed}).",
        "ko": "{path}에서는 {method} 요청을 쓸 수 없습니다 (가능: {allowed}).",
    },
    "exists": {
        "en": "A schedule named '{name}' already exists.",
        "ko": "'{name}' 스케줄이 이미 있습니다.",
    },
    "version_mismatch": {
        "en": "Schedule '{name}' changed since you read it (now at version {actual}); "
        "read it again and retry.",
        "ko": "스케줄 '{name}'{subject} 읽은 뒤 변경되었습니다 (현재 버전 {actual}). "
        "다시 읽고 재시도하세요.",
    },
    "redis_down": {
        "en": "Redis is unreachable at {url}: {error}",
        "ko": "Redis({url})에 연결할 수 없습니다: {error}",
    },
    "body_too_large": {
        "en": "The request body is larger than {limit} bytes (MAX_BODY_BYTES) and was not "
        "read; nothing was written.",
        "ko": "요청 본문이 {limit}바이트(MAX_BODY_BYTES)보다 커서 읽지 않았습니다. 아무것도 "
        "저장되지 않았습니다.",
    },
    "foreign_host": {
        "en": "Refused: without an API token this API answers browsers only at a loopback "
        "address (http://127.0.0.1:PORT or http://localhost:PORT), not at '{host}'. Open it "
        "there, or list the address in CORS_ORIGINS.",
        "ko": "거부됨: API 토큰이 없으면 이 API는 루프백 주소(http://127.0.0.1:PORT 또는 "
        "http://localhost:PORT)로 접속한 브라우저에만 응답합니다 ('{host}' 아님). 그 주소로 "
        "열거나 CORS_ORIGINS에 추가하세요.",
    },
    "redis_unavailable": {
        "en": "Redis is unavailable.",
        "ko": "Redis를 사용할 수 없습니다.",
    },
    "cross_site": {
        "en": "Refused: a browser sent this change on behalf of another site. Make changes "
        "from the scheduler's own page, the CLI or a script.",
        "ko": "거부됨: 다른 사이트가 브라우저를 통해 보낸 변경 요청입니다. 스케줄러 페이지, "
        "CLI 또는 스크립트에서 변경하세요.",
    },
    "unauthorized": {
        "en": "This call changes schedules and needs an API token that may write "
        "(Authorization: Bearer <token>).",
        "ko": "스케줄을 변경하는 요청에는 쓰기 권한이 있는 API 토큰이 필요합니다 "
        "(Authorization: Bearer <token>).",
    },
    "unauthorized_read": {
        "en": "This server needs an API token to read too (API_PROTECT_READS) "
        "(Authorization: Bearer <token>).",
        "ko": "이 서버는 조회에도 API 토큰이 필요합니다 (API_PROTECT_READS) "
        "(Authorization: Bearer <token>).",
    },
    "read_only_token": {
        "en": "This call changes schedules and needs a token that may write; the token sent "
        "may only read.",
        "ko": "스케줄을 변경하는 요청에는 쓰기 권한이 있는 토큰이 필요합니다. 보낸 토큰은 "
        "조회만 할 수 있습니다.",
    },
}

CATALOG: dict[str, dict[Language, str]] = {
    **API_CATALOG,
    **CLI_CATALOG,
    **CONTROL_CATALOG,
    **JOBS_CATALOG,
    **PAGE_CATALOG,
}


def subject_particle(word: str) -> str:
    """Korean 이/가 after `word`: 이 after a final consonant (받침), 가 after a vowel."""
    last = word.rstrip()[-1:] or " "
    if "가" <= last <= "힣":
        return "이" if (ord(last) - ord("가")) % 28 else "가"
    return "이(가)"


def page_words(language: Language = "en") -> dict[str, str]:
    """Every `page_*` text in `language` (English where one lacks it): what the page shows."""
    return {key: texts.get(language) or texts["en"] for key, texts in PAGE_CATALOG.items()}


def message(key: str, language: Language = "en", **values: object) -> str:
    text = CATALOG[key].get(language) or CATALOG[key]["en"]
    name = str(values.get("name", ""))
    return text.format(subject=subject_particle(name), **values)
