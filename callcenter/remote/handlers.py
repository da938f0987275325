"""The bridge's side of the remote ports: one handler per command, over the bridge's own ports.

Arguments arrive as JSON objects (see ``callcenter.remote.ports`` for who sends what); a
handler's result must be JSON-ready. What a port raises travels back to the caller unchanged
(``callcenter.messaging.commands.encode_error``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callcenter.api.ports import HandOff
from callcenter.messaging.command_server import Handler
from callcenter.messaging.event_codec import decode_event
from callcenter.pipeline.ports import EventSink, PbxControl

PBX_METHODS = (
    "seat_login",
    "seat_logout",
    "seat_pause",
    "seat_unpause",
    "answer",
    "hangup",
    "blind_transfer",
    "change_priority",
    "originate_callback",
)


def bridge_handlers(pbx: PbxControl, sink: EventSink, handoff: HandOff) -> Mapping[str, Handler]:
    def pbx_handler(method: str) -> Handler:
        async def handle(args: dict[str, Any]) -> None:
            await getattr(pbx, method)(**args)

        return handle

    async def submit(args: dict[str, Any]) -> None:
        await sink.submit(decode_event(args["event"]))

    async def qualify(args: dict[str, Any]) -> None:
        fields = dict(args["qualification"])
        await handoff.qualify(
            str(args["call_id"]), fields, str(args["by"]), str(args["request_id"])
        )

    async def hand_off(args: dict[str, Any]) -> str:
        fields = dict(args["qualification"])
        return await handoff.request(str(args["call_id"]), fields, str(args["by"]))

    handlers: dict[str, Handler] = {f"pbx.{m}": pbx_handler(m) for m in PBX_METHODS}
    handlers["submit"] = submit
    handlers["qualify"] = qualify
    handlers["handoff"] = hand_off
    return handlers
