"""Response models of the room's configuration and the operator's phone (``routes/room.py``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RoomConfigOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "incident_types": ["road_accident", "theft", "other"],
                    "priorities": ["P1", "P2", "P3", "P4"],
                    "pause_reasons": ["break", "training", "meeting", "technical"],
                    "time_zone": "Africa/Casablanca",
                    "wrapup_seconds": 5,
                    "phone_mode": "sip",
                    "sla_answer_seconds": 15,
                }
            ]
        }
    )

    incident_types: list[str]
    priorities: list[str]
    pause_reasons: list[str]
    time_zone: str = Field(description="IANA name; the screens show times in it")
    wrapup_seconds: int | None
    phone_mode: Literal["demo", "sip"]
    sla_answer_seconds: int


class PhoneOut(BaseModel):
    """The seat's phone. ``demo``: only ``mode`` and ``seat``; ``sip``: the seat's account."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"mode": "demo", "seat": "Seat 03"},
                {
                    "mode": "sip",
                    "seat": "Seat 03",
                    "ws_url": "wss://pbx.example:8089/ws",
                    "uri": "sip:seat03@pbx.example",
                    "authorization_user": "seat03",
                    "password": "the seat's SIP secret",
                    "display_name": "Seat 03",
                },
            ]
        }
    )

    mode: Literal["demo", "sip"]
    seat: str
    ws_url: str | None = None
    uri: str | None = None
    authorization_user: str | None = None
    password: str | None = None
    display_name: str | None = None
