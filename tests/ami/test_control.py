"""``AmiPbxControl`` names the right channel: a seat interface becomes its live channel, a
channel name is kept. A seat interface with a dash (``PJSIP/seat-03``) is still an interface."""

from __future__ import annotations

from typing import Any

import pytest
from panoramisk.message import Message

from callcenter.ami.control import AmiPbxControl
from callcenter.errors import PbxRejectedError

LIVE = {
    "PJSIP/seat-03": "PJSIP/seat-03-0000002a",
    "PJSIP/seat03": "PJSIP/seat03-0000002b",
    "Local/seat07@seats": "Local/seat07@seats-00000010;1",
}


class Sender:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def action(
        self, fields: dict[str, Any], *, deadline: float | None = None, as_list: bool = False
    ) -> Message:
        self.sent.append(dict(fields))
        return Message({"Response": "Success"})


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("PJSIP/seat-03", "PJSIP/seat-03-0000002a"),  # a dash in the seat's own name
        ("PJSIP/seat03", "PJSIP/seat03-0000002b"),
        ("Local/seat07@seats", "Local/seat07@seats-00000010;1"),
        ("PJSIP/seat03-0000002b", "PJSIP/seat03-0000002b"),  # already a channel
        ("Local/19@from-pstn-00000000;2", "Local/19@from-pstn-00000000;2"),
    ],
)
async def test_hangup_and_transfer_name_the_live_channel(given: str, sent: str) -> None:
    sender = Sender()
    control = AmiPbxControl(sender, live_channel=LIVE.get)
    await control.hangup(given)
    await control.blind_transfer(given, "line19-transfer", "2001")
    assert [a["Channel"] for a in sender.sent] == [sent, sent]


async def test_an_interface_without_a_call_is_refused_not_sent() -> None:
    sender = Sender()
    control = AmiPbxControl(sender, live_channel=lambda _interface: None)
    with pytest.raises(PbxRejectedError, match="no live call on PJSIP/seat-09"):
        await control.hangup("PJSIP/seat-09")
    assert sender.sent == []
