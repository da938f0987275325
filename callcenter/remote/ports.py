"""The API's ports in a process without the bridge: each one is a command to the bridge.

``RemotePbx`` raises exactly what ``AmiPbxControl`` raises in the bridge's process (Asterisk's
refusal as ``PbxRejectedError``, ``PbxTimeoutError``, ``PbxUnavailableError``), plus
``PbxUnavailableError`` when no bridge runs and ``PbxTimeoutError`` when it does not answer in
time. ``RemoteEventSink`` and ``RemoteHandOff`` raise the dispatch errors as the bridge raised
them, and ``BridgeUnavailableError`` / ``BridgeTimeoutError`` for the channel itself.

Identities: an event is sent as command ``submit:<call>:<source_id>`` (the store keeps one step
per source id anyway); a hand-off is idempotent per call on the bridge (one ticket per call).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callcenter.domain.events import CallEvent
from callcenter.errors import PbxTimeoutError, PbxUnavailableError
from callcenter.messaging.commands import CommandClient
from callcenter.messaging.event_codec import encode_event


class RemotePbx:
    """``PbxControl`` through the bridge's AMI connection."""

    def __init__(self, client: CommandClient) -> None:
        self.client = client

    async def _do(self, method: str, **args: Any) -> None:
        await self.client.call(
            f"pbx.{method}", args, unavailable=PbxUnavailableError, late=PbxTimeoutError
        )

    async def seat_login(self, queue: str, interface: str, member_name: str) -> None:
        await self._do("seat_login", queue=queue, interface=interface, member_name=member_name)

    async def seat_logout(self, queue: str, interface: str) -> None:
        await self._do("seat_logout", queue=queue, interface=interface)

    async def seat_pause(self, queue: str, interface: str, reason: str) -> None:
        await self._do("seat_pause", queue=queue, interface=interface, reason=reason)

    async def seat_unpause(self, queue: str, interface: str) -> None:
        await self._do("seat_unpause", queue=queue, interface=interface)

    async def answer(self, seat_interface: str) -> None:
        await self._do("answer", seat_interface=seat_interface)

    async def hangup(self, channel: str) -> None:
        await self._do("hangup", channel=channel)

    async def blind_transfer(self, channel: str, context: str, extension: str) -> None:
        await self._do("blind_transfer", channel=channel, context=context, extension=extension)

    async def change_priority(self, queue: str, caller_channel: str, priority: int) -> None:
        await self._do(
            "change_priority", queue=queue, caller_channel=caller_channel, priority=priority
        )

    async def originate_callback(
        self, seat_interface: str, number: str, action_id: str | None = None
    ) -> None:
        await self._do(
            "originate_callback",
            seat_interface=seat_interface,
            number=number,
            action_id=action_id,
        )


class RemoteEventSink:
    """``EventSink``: the event joins the bridge's ordered runner (returns once it is queued)."""

    def __init__(self, client: CommandClient) -> None:
        self.client = client

    async def submit(self, event: CallEvent) -> None:
        await self.client.call(
            "submit",
            {"event": encode_event(event)},
            request_id=f"submit:{event.call_id}:{event.source_id}",
        )


class RemoteHandOff:
    """``HandOff``: qualify and open the call's dispatch ticket on the bridge."""

    def __init__(self, client: CommandClient) -> None:
        self.client = client

    async def qualify(
        self, call_id: str, fields: Mapping[str, Any], by: str, request_id: str
    ) -> None:
        await self.client.call(
            "qualify",
            {"call_id": call_id, "qualification": dict(fields), "by": by, "request_id": request_id},
            request_id=f"qualify:{call_id}:{request_id}",
        )

    async def request(self, call_id: str, fields: Mapping[str, Any], by: str) -> str:
        ticket = await self.client.call(
            "handoff", {"call_id": call_id, "qualification": dict(fields), "by": by}
        )
        return str(ticket)
