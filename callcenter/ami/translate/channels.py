"""Channel events: legs opened and closed, caller ID updates, transfers.

Every leg of a call shares ``Linkedid`` (the call id); a transfer names its call by the
transferee's Linkedid when it has one.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.ami import facts as f
from callcenter.ami.translate.fields import req
from callcenter.ami.translate.stamps import Handler, Stamper
from callcenter.domain import events as ev


def _newchannel(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        f.ChannelOpened(
            stamp=t.stamp(h, now),
            linkedid=req(h, "Linkedid"),
            uniqueid=req(h, "Uniqueid"),
            channel=h.get("Channel", ""),
            caller_num=h.get("CallerIDNum", ""),
        )
    ]


def _newcallerid(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [f.CallerIdChanged(uniqueid=req(h, "Uniqueid"), caller_num=h.get("CallerIDNum", ""))]


def _hangup(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        f.ChannelClosed(
            stamp=t.stamp(h, now),
            linkedid=req(h, "Linkedid"),
            uniqueid=req(h, "Uniqueid"),
            cause=h.get("Cause", ""),
        )
    ]


def _blind_transfer(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    if h.get("Result") != "Success":
        return []
    key = "TransfereeLinkedid" if h.get("TransfereeLinkedid") else "TransfererLinkedid"
    target = f"{h.get('Context', '')}/{h.get('Extension', '')}"
    return [ev.CallTransferred(**t.base(h, now, key), target=target, kind="blind")]


def _attended_transfer(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    if h.get("Result") != "Success":
        return []
    key = "TransfereeLinkedid" if h.get("TransfereeLinkedid") else "OrigTransfererLinkedid"
    target = h.get("SecondTransfererChannel") or h.get("TransferTargetChannel", "")
    return [ev.CallTransferred(**t.base(h, now, key), target=target, kind="attended")]


HANDLERS: dict[str, Handler] = {
    "Newchannel": _newchannel,
    "NewCallerid": _newcallerid,
    "Hangup": _hangup,
    "BlindTransfer": _blind_transfer,
    "AttendedTransfer": _attended_transfer,
}
