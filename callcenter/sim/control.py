"""Control endpoints of the simulator, for tests and for the operator panel (through the bridge).

Like the fakes of wazo-calld (``/_reset``, ``/_requests``), underscore routes drive and inspect
the simulated PBX over HTTP:

| route | effect |
|---|---|
| ``POST /_reset`` | forget every call, timer and counter; members as in queues.conf (no events) |
| ``GET /_state`` | tallies, queues, waiting callers, members (JSON) |
| ``POST /_inject`` | a caller dials 19 now (JSON ``CallSpec`` fields: number, name, patience...) |
| ``POST /_drop_ami`` | abort every AMI connection without Logoff (a network failure) |
| ``POST /_seats/{seat}/answer`` | the person at the seat picks up the ringing phone |
| ``POST /_seats/{seat}/hangup`` | the seat puts the phone down (ends the call, rejects a ring) |
| ``POST /_seats/{seat}/mode`` | ``{"manual": true}``: a person plays the seat, not the simulator |

``seat`` is the member name (``Seat 03``), the interface (``PJSIP/seat03``) or ``seat03``.
Handlers are ``async`` on purpose: the simulator is single-threaded and lives on the event loop.
Refusals answer 409 (404 for an unknown seat) with Asterisk-like wording in ``detail``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException
from pydantic import BaseModel

from callcenter.sim import members
from callcenter.sim.ami_server import AmiServer
from callcenter.sim.calls import CallSpec
from callcenter.sim.engine import SimError, Simulator


class InjectCaller(BaseModel):
    number: str = "0612345678"
    name: str = ""
    queue: str = "line19"
    patience: float = 120.0
    talk: float = 60.0
    caller_ends: bool = False
    priority: int | None = None
    kind: str = "normal"


class SeatMode(BaseModel):
    manual: bool


def _refused(exc: SimError) -> HTTPException:
    status = 404 if str(exc).startswith("No such") else 409
    return HTTPException(status_code=status, detail=str(exc))


def create_control_app(sim: Simulator, ami: AmiServer | None = None) -> FastAPI:
    app = FastAPI(title="callcenter PBX simulator control", docs_url="/_docs")

    @app.post("/_reset")
    async def reset() -> dict[str, Any]:
        members.reset(sim)
        return members.snapshot(sim)

    @app.get("/_state")
    async def state() -> dict[str, Any]:
        return members.snapshot(sim)

    @app.post("/_inject")
    async def inject(caller: Annotated[InjectCaller, Body()]) -> dict[str, str]:
        call = sim.new_call(CallSpec(**caller.model_dump()))
        return {"linkedid": call.id, "channel": call.leg2.name}

    @app.post("/_drop_ami")
    async def drop_ami() -> dict[str, int]:
        return {"dropped": ami.drop_all() if ami is not None else 0}

    @app.post("/_seats/{seat:path}/answer")
    async def answer(seat: str) -> dict[str, str]:
        try:
            return {"channel": members.answer_seat(sim, seat)}
        except SimError as exc:
            raise _refused(exc) from exc

    @app.post("/_seats/{seat:path}/hangup")
    async def hangup(seat: str) -> dict[str, str]:
        try:
            members.hangup_seat(sim, seat)
        except SimError as exc:
            raise _refused(exc) from exc
        return {"seat": seat}

    @app.post("/_seats/{seat:path}/mode")
    async def mode(seat: str, body: Annotated[SeatMode, Body()]) -> dict[str, Any]:
        try:
            members.set_manual(sim, seat, body.manual)
        except SimError as exc:
            raise _refused(exc) from exc
        return {"seat": seat, "manual": body.manual}

    return app
