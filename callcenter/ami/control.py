"""``PbxControl`` over AMI: what operators and supervisors ask Asterisk to do.

Each method sends one AMI action under the client's deadline and returns when Asterisk
accepted it. Refusals raise ``PbxRejectedError`` with Asterisk's own words (``Unable to add
interface: Already there`` is a refusal, not a crash); ``PbxTimeoutError`` and
``PbxUnavailableError`` come from the client. Nothing here is retried: an Originate or a
transfer placed twice is worse than one that failed visibly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from panoramisk.message import Message

from callcenter.errors import PbxRejectedError

# The suffix Asterisk appends to a channel's name: 8 hex digits, then ;1/;2 on Local channels.
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-f]{8}(;[12])?$")


class ActionSender(Protocol):
    async def action(
        self, fields: dict[str, Any], *, deadline: float | None = None, as_list: bool = False
    ) -> Message | list[Message]: ...


class AmiPbxControl:
    def __init__(
        self,
        client: ActionSender,
        *,
        callback_context: str = "callbacks",
        originate_timeout_ms: int = 30_000,
        live_channel: Callable[[str], str | None] | None = None,
    ) -> None:
        self.client = client
        # The API names a seat by its interface (PJSIP/seat03); Hangup and BlindTransfer need
        # the seat's live channel (PJSIP/seat03-0000002a): the composition root resolves it.
        self.live_channel = live_channel
        self.callback_context = callback_context
        self.originate_timeout_ms = originate_timeout_ms

    async def seat_login(self, queue: str, interface: str, member_name: str) -> None:
        await self._do(
            {
                "Action": "QueueAdd",
                "Queue": queue,
                "Interface": interface,
                "MemberName": member_name,
                "Penalty": "0",
                "Paused": "false",
            }
        )

    async def seat_logout(self, queue: str, interface: str) -> None:
        await self._do({"Action": "QueueRemove", "Queue": queue, "Interface": interface})

    async def seat_pause(self, queue: str, interface: str, reason: str) -> None:
        await self._do(
            {
                "Action": "QueuePause",
                "Queue": queue,
                "Interface": interface,
                "Paused": "true",
                "Reason": reason,
            }
        )

    async def seat_unpause(self, queue: str, interface: str) -> None:
        await self._do(
            {"Action": "QueuePause", "Queue": queue, "Interface": interface, "Paused": "false"}
        )

    async def answer(self, seat_interface: str) -> None:
        """Pick up the seat's ringing phone. Only the simulator's phones can be answered over
        AMI (``SimAnswer``); a real Asterisk refuses it and the error says so."""
        await self._do({"Action": "SimAnswer", "Interface": seat_interface})

    async def hangup(self, channel: str) -> None:
        channel = self._live(channel, "Hangup")
        await self._do({"Action": "Hangup", "Channel": channel, "Cause": "16"})

    async def blind_transfer(self, channel: str, context: str, extension: str) -> None:
        # BlindTransfer on the seat's leg in the bridge (DestChannel of AgentConnect): Asterisk
        # then reports BlindTransfer + AgentComplete Reason=transfer (see ts-blind-transfer).
        channel = self._live(channel, "BlindTransfer")
        await self._do(
            {"Action": "BlindTransfer", "Channel": channel, "Context": context, "Exten": extension}
        )

    def _live(self, channel: str, action: str) -> str:
        """A seat interface becomes its live channel; a channel name is kept as it is.

        A channel is told by the unique suffix Asterisk gives it (``-0000002a``, and ``;1`` or
        ``;2`` for Local channels), not by a dash: ``PJSIP/seat-03`` is an interface."""
        if self.live_channel is None or _CHANNEL_SUFFIX.search(channel):
            return channel
        live = self.live_channel(channel)
        if live is None:
            raise PbxRejectedError(action, f"no live call on {channel}")
        return live

    async def change_priority(self, queue: str, caller_channel: str, priority: int) -> None:
        await self._do(
            {
                "Action": "QueueChangePriorityCaller",
                "Queue": queue,
                "Caller": caller_channel,
                "Priority": str(priority),
                "Immediate": "yes",
            }
        )

    async def originate_callback(
        self, seat_interface: str, number: str, action_id: str | None = None
    ) -> None:
        """Ring the seat's phone, then (once it picks up) dial ``number`` in the call-back
        context. Async: Asterisk answers "Originate successfully queued" at once and reports
        the seat's leg later in ``OriginateResponse`` carrying ``action_id``."""
        if not number or not all(c.isdigit() or c == "+" for c in number):
            raise PbxRejectedError("Originate", f"not a dialable number: {number!r}")
        fields = {
            "Action": "Originate",
            "Channel": seat_interface.removesuffix("/n"),
            "Context": self.callback_context,
            "Exten": number,
            "Priority": "1",
            "Timeout": str(self.originate_timeout_ms),
            "Async": "true",
        }
        if action_id:
            fields["ActionID"] = action_id
        await self._do(fields)

    async def _do(self, fields: dict[str, Any]) -> None:
        # One answer expected (Async Originate: "successfully queued"), never a list.
        await self.client.action(fields, as_list=False)
