"""Request and response models of the API, with the examples shown in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from callcenter.api.text import FreeText, OneLine
from callcenter.domain.seats import SeatState

CALL_EXAMPLE: dict[str, Any] = {
    "id": "1732240000.101",
    "state": "answered",
    "outcome": "answered",
    "caller_raw": "0612345678",
    "caller_e164": "+212612345678",
    "queue": "line19",
    "seat": "Seat 03",
    "line_ended": False,
    "rang_at": "2026-11-22T04:00:00+00:00",
    "queued_at": "2026-11-22T04:00:01+00:00",
    "offered_at": "2026-11-22T04:00:02+00:00",
    "answered_at": "2026-11-22T04:00:05+00:00",
    "qualified_at": None,
    "handed_off_at": None,
    "ended_at": None,
    "hold_seconds": 4,
    "talk_seconds": None,
    "abandon_position": None,
    "abandon_original_position": None,
    "incident_type": None,
    "priority": None,
    "qualification": None,
    "dispatch_ticket": None,
    "dispatch_unit": None,
}

STEP_EXAMPLE: dict[str, Any] = {
    "seq": 4,
    "kind": "answered",
    "at": "2026-11-22T04:00:05+00:00",
    "pbx_at": "2026-11-22T04:00:05+00:00",
    "received_at": "2026-11-22T04:00:05.012000+00:00",
    "clock": "pbx",
    "inferred": False,
    "source_id": "ami:5f1c...",
    "payload": {"queue": "line19", "seat": "Seat 03", "hold_seconds": 4, "ring_seconds": 3},
}


class CallOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CALL_EXAMPLE]})

    id: str
    state: str
    outcome: str | None
    caller_raw: str
    caller_e164: str | None
    queue: str | None
    seat: str | None
    line_ended: bool
    rang_at: datetime | None
    queued_at: datetime | None
    offered_at: datetime | None
    answered_at: datetime | None
    qualified_at: datetime | None
    handed_off_at: datetime | None
    ended_at: datetime | None
    hold_seconds: int | None
    talk_seconds: int | None
    abandon_position: int | None
    abandon_original_position: int | None
    incident_type: str | None
    priority: str | None
    qualification: dict[str, Any] | None
    dispatch_ticket: str | None
    dispatch_unit: str | None
    incident_id: str | None = Field(
        default=None, description="the incident the call reports (its own, or one it joined)"
    )


class StepOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [STEP_EXAMPLE]})

    seq: int
    kind: str
    at: datetime
    pbx_at: datetime | None
    received_at: datetime
    clock: str
    inferred: bool
    source_id: str
    payload: dict[str, Any]
    hash: str | None = None  # its link in the call's hash chain (callcenter.storage.chain)


class VerificationOut(BaseModel):
    """Whether the call's stored timeline still matches its hash chain (the whole timeline,
    whatever page was asked for)."""

    status: Literal["intact", "broken"]
    algorithm: str
    steps: int
    first_bad_seq: int | None
    reason: str


class TimelineOut(BaseModel):
    """A page of a call's timeline; ask again with ``after_seq=next_after_seq`` for more."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"call_id": "1732240000.101", "steps": [STEP_EXAMPLE], "next_after_seq": 4}
            ]
        }
    )

    call_id: str
    steps: list[StepOut]
    next_after_seq: int
    verification: VerificationOut | None = None


class CallWithTimeline(BaseModel):
    call: CallOut
    steps: list[StepOut]


class ReasonCodeOut(BaseModel):
    """One part of why the call was routed so (``callcenter/domain/entry_reasons.py`` lists
    the codes and their params)."""

    code: str
    params: dict[str, str | int] = Field(default_factory=dict)


class EntryDecisionOut(BaseModel):
    """What the FastAGI decided when the call came in (its ``entry_decision`` step)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "priority": 10,
                    "reason": "calling back after an abandoned call (2 in 30 min); "
                    "room 12/60: queued; priority 10",
                    "reason_codes": [
                        {"code": "callback_after_abandon", "params": {"count": 2, "minutes": 30}},
                        {"code": "room_queued", "params": {"occupancy": 12, "capacity": 60}},
                        {"code": "priority", "params": {"priority": 10}},
                    ],
                    "route": "queue",
                    "line_type": "mobile",
                    "repeat_count": 2,
                    "callback_after_abandon": True,
                }
            ]
        }
    )

    priority: int = Field(description="QUEUE_PRIO given: higher is served first")
    reason: str = Field(description="why, in English (rendered from reason_codes)")
    reason_codes: list[ReasonCodeOut] = Field(
        default_factory=list,
        description="why, as codes a screen translates; empty for calls recorded before them",
    )
    route: str = Field(description="queue, or overflow when the room was full")
    line_type: str = Field(description="mobile, fixed_line, voip, withheld, invalid, ...")
    repeat_count: int = Field(description="the same caller's calls in the repeat window")
    callback_after_abandon: bool


class RecentCallOut(BaseModel):
    """An earlier call from the same number (last 30 minutes), with how it ended."""

    id: str
    rang_at: datetime | None
    state: str
    outcome: str | None
    seat: str | None
    incident_type: str | None


class CurrentCallOut(CallOut):
    entry_decision: EntryDecisionOut | None = Field(
        description="null when the FastAGI did not decide (or not yet)"
    )
    recent_calls: list[RecentCallOut] = Field(
        description="the same number's other calls in the last 30 minutes, newest first "
        "(empty when the number is withheld)"
    )


class MyCallOut(BaseModel):
    """The operator's current call, with what the panel shows when it rings."""

    call: CurrentCallOut
    steps: list[StepOut]


class SeatOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Seat 03",
                    "interface": "PJSIP/seat03",
                    "queue": "line19",
                    "state": "paused",
                    "paused_reason": "break",
                    "call_id": None,
                }
            ]
        }
    )

    name: str
    interface: str
    queue: str
    state: SeatState
    paused_reason: str | None
    call_id: str | None


class PauseIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "break"}]})

    # Sent to Asterisk as QueuePause's Reason header: one line, no control characters.
    reason: OneLine = Field(min_length=1, max_length=80)


class TransferIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"extension": "2001"}]})

    extension: str = Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z*#+_.-]+$")


class PriorityIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"priority": 10, "reason": "child on the line"}]}
    )

    priority: int = Field(ge=0, le=100, description="Asterisk QUEUE_PRIO: higher is served first")
    reason: str = Field(default="", max_length=200, description="why (on the call's timeline)")


QUALIFICATION_EXAMPLE: dict[str, Any] = {
    "incident_type": "theft",
    "priority": "P1",
    "address": "Bd Mohammed V, Casablanca",
    "latitude": 33.5951,
    "longitude": -7.6188,
    "callback_e164": "+212612345678",
    "notes": "two suspects on a scooter",
}


class QualificationIn(BaseModel):
    """The shape of a qualification; its rules (the room's configured incident types, a
    dialable callback number, the call's state) are the dispatch service's, one validator for
    qualify and hand-off (``callcenter.dispatch.qualification.validate``): refusals answer 422
    with a message per field, or 409 for a call that cannot be qualified yet."""

    model_config = ConfigDict(json_schema_extra={"examples": [QUALIFICATION_EXAMPLE]})

    incident_type: OneLine = Field(
        max_length=64,
        description="one of the room's incident types (CALLCENTER_DISPATCH__INCIDENT_TYPES)",
    )
    priority: Literal["P1", "P2", "P3", "P4"]
    # Free text: the dispatch validator folds tabs and line breaks into spaces.
    address: FreeText = Field(min_length=1, max_length=400)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    callback_e164: OneLine | None = Field(default=None, max_length=20, examples=["+212612345678"])
    notes: FreeText = Field(default="", max_length=2000)


class OwnQualificationIn(QualificationIn):
    """The operator's qualification of their own call: the one on their seat or, after the
    caller hung up, the last call their seat answered (see ``GET /me/call``)."""

    call_id: str | None = Field(
        default=None,
        max_length=100,
        description="the call the form was filled for (``GET /me/call``'s ``call.id``): "
        "refused (409) unless it is the seat's current call or its last answered call; "
        "without it, the current call, else the last one",
    )

    def qualification(self) -> dict[str, Any]:
        return self.model_dump(exclude={"call_id"})


class HandOffOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"call_id": "1732240000.101", "ticket_id": "T-000042"}]}
    )

    call_id: str
    ticket_id: str


class Accepted(BaseModel):
    """The action was handed to the PBX or the pipeline; its effect arrives on the live feeds."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "accepted", "detail": "pause Seat 03"}]}
    )

    status: Literal["accepted"] = "accepted"
    detail: str = ""


class StatsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "window": "15m",
                    "since": "2026-11-22T03:45:00+00:00",
                    "calls_waiting": 3,
                    "longest_wait_seconds": 42.0,
                    "answered": 57,
                    "abandoned": 3,
                    "answered_within": {"10": 81.7, "15": 90.0, "20": 93.3},
                    "average_speed_of_answer": 6.2,
                    "abandon_rate": 5.0,
                    "seats_by_state": {
                        "logged_out": 2,
                        "available": 5,
                        "ringing": 1,
                        "in_call": 10,
                        "wrap_up": 1,
                        "paused": 1,
                    },
                    "occupancy": 64.7,
                }
            ]
        }
    )

    window: str
    since: datetime
    calls_waiting: int
    longest_wait_seconds: float | None
    answered: int
    abandoned: int
    answered_within: dict[str, float | None]
    average_speed_of_answer: float | None
    abandon_rate: float | None
    seats_by_state: dict[str, int]
    occupancy: float | None


class Problem(BaseModel):
    """Every error body: a human-readable ``detail``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"detail": "call not found"}]})

    detail: Any
