"""Auditor: the timeline of any call, the export (JSONL or CSV), the access log.

Every timeline read and every export is written to the access log before data is returned.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc, Who
from callcenter.api.routes.calls import NOT_FOUND, _numbers, _utc, read_timeline
from callcenter.api.schemas import TimelineOut
from callcenter.api.user_schemas import AccessLogOut
from callcenter.audit.export import export_calls, to_jsonl
from callcenter.storage.store import TimelineStore

OUTCOMES = "^(answered|abandoned|overflowed|transferred|handed_off|lost)$"

router = APIRouter(prefix="/audit", tags=["auditor"], dependencies=GUARD, responses=UNAUTHORIZED)


@router.get("/calls/{call_id}/timeline", responses=NOT_FOUND)
async def audit_timeline(
    call_id: str,
    svc: Svc,
    who: Who,
    after_seq: Annotated[int, Query(ge=0, le=2_147_483_647)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> TimelineOut:
    """Any call's timeline, in order. The read itself is logged (see /audit/access-log)."""
    return await read_timeline(svc, who, call_id, after_seq, limit)


def _csv_line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


async def _export(
    store: TimelineStore,
    fmt: str,
    since: datetime | None,
    until: datetime | None,
    keep: Callable[[dict[str, Any]], bool] = lambda _obj: True,
) -> AsyncIterator[str]:
    header: list[str] | None = None
    async for obj in export_calls(store, since=since, until=until):
        if not keep(obj):
            continue
        if fmt == "jsonl":
            yield to_jsonl(obj) + "\n"
            continue
        if header is None:
            header = list(obj)
            yield _csv_line(header)
        yield _csv_line(
            [
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for v in (obj.get(k) for k in header)
            ]
        )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "JSONL: one call per line (README 'Export format'); CSV: one call "
            "per row with the same fields, qualification and timeline as JSON text.",
            "content": {"application/x-ndjson": {}, "text/csv": {}},
        }
    },
)
async def export(
    svc: Svc,
    who: Who,
    format: Annotated[Literal["jsonl", "csv"], Query()] = "jsonl",
    since: Annotated[datetime | None, Query(description="rang at or after")] = None,
    until: Annotated[datetime | None, Query(description="rang before")] = None,
    number: Annotated[str | None, Query(max_length=40)] = None,
    seat: Annotated[str | None, Query(max_length=80)] = None,
    outcome: Annotated[str | None, Query(pattern=OUTCOMES)] = None,
    incident_type: Annotated[str | None, Query(max_length=40)] = None,
) -> StreamingResponse:
    """The auditor's export of the calls that rang in ``[since, until)``; ``number``, ``seat``,
    ``outcome`` and ``incident_type`` narrow it as they narrow ``GET /calls``."""
    since, until = _utc(since), _utc(until)
    numbers = _numbers(number) if number else ()
    wanted = {"seat": seat, "outcome": outcome, "incident_type": incident_type}

    def keep(obj: dict[str, Any]) -> bool:
        if (
            numbers
            and obj.get("caller_e164") not in numbers
            and obj.get("caller_raw") not in numbers
        ):
            return False
        return all(v is None or obj.get(k) == v for k, v in wanted.items())

    await svc.users.log_access(
        username=who.username,
        role=who.role.value,
        action="export",
        call_id=None,
        detail=" ".join(
            [f"format={format} since={since} until={until}"]
            + [f"{k}={v}" for k, v in {"number": number, **wanted}.items() if v]
        ),
    )
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    return StreamingResponse(_export(svc.store, format, since, until, keep), media_type=media)


@router.get(
    "/access-log",
    responses={
        200: {
            "description": "Entries newest first. When the page is full, the X-Next-Before "
            "header holds the cursor of the next (older) page: pass it as ``before``.",
            "headers": {"X-Next-Before": {"schema": {"type": "integer"}}},
        }
    },
)
async def access_log(
    svc: Svc,
    response: Response,
    username: Annotated[str | None, Query(max_length=64, description="who read")] = None,
    call_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[
        Literal["timeline", "export"] | None, Query(description="what kind of read")
    ] = None,
    since: Annotated[datetime | None, Query(description="at or after (UTC if no offset)")] = None,
    until: Annotated[datetime | None, Query(description="before")] = None,
    before: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="cursor: entries older than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AccessLogOut]:
    """Who read which timeline (operators their own call included), and who exported what
    (over the API or ``callcenter export``), newest first."""
    rows = await svc.users.access_log(
        username=username,
        call_id=call_id,
        action=action,
        since=_utc(since),
        until=_utc(until),
        before=before,
        limit=limit,
    )
    if len(rows) == limit:
        response.headers["X-Next-Before"] = str(rows[-1]["id"])
    return [AccessLogOut(**row) for row in rows]
