"""Resync list events: QueueStatus and CoreShowChannels snapshots, and FullyBooted.

The QueueMember lines of a QueueStatus list are read in ``members``.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.ami import facts as f
from callcenter.ami.translate.fields import hms, queue_of, req
from callcenter.ami.translate.stamps import Handler, Stamper


def _queue_entry(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        f.SnapshotEntry(
            queue=h["Queue"],
            uniqueid=h.get("Uniqueid", ""),
            channel=h.get("Channel", ""),
            position=int(h["Position"]),
            wait=int(h.get("Wait") or 0),
            priority=int(h.get("Priority") or 0),
        )
    ]


def _core_show_channel(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [
        f.SnapshotChannel(
            linkedid=req(h, "Linkedid"),
            uniqueid=req(h, "Uniqueid"),
            channel=h.get("Channel", ""),
            caller_num=h.get("CallerIDNum", ""),
            application=h.get("Application", ""),
            queue=queue_of(h),
            bridge_id=h.get("BridgeId", ""),
            duration=hms(h.get("Duration", "")),
        )
    ]


def _queue_status_done(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [f.SnapshotDone(what="queues", received_at=now)]


def _channels_done(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [f.SnapshotDone(what="channels", received_at=now)]


def _booted(t: Stamper, h: dict[str, str], now: datetime) -> list[f.Fact]:
    return [f.Booted(received_at=now)]


HANDLERS: dict[str, Handler] = {
    "QueueEntry": _queue_entry,
    "QueueStatusComplete": _queue_status_done,
    "CoreShowChannel": _core_show_channel,
    "CoreShowChannelsComplete": _channels_done,
    "FullyBooted": _booted,
}
