"""The AMI events callcenter ignores, told apart before a frame is parsed.

``is_noise(raw)`` is for the frame parser (a frame it says yes to is never turned into a dict);
``is_queue_status(frame)`` picks the one VarSet that matters (QUEUESTATUS=FULL, the queue was
full when a caller came: app_queue sends no event of its own for it).
"""

from __future__ import annotations

from callcenter.ami.frames import Frame

NOISE = frozenset(
    {
        "Newexten",
        "DeviceStateChange",
        "NewConnectedLine",
        "LocalBridge",
        "DialBegin",
        "DialState",
        "HangupRequest",
        "SoftHangupRequest",
        "MusicOnHoldStart",
        "MusicOnHoldStop",
        "BridgeCreate",
        "BridgeDestroy",
        "BridgeEnter",
        "BridgeLeave",
        "Newstate",
        "NewAccountCode",
        "SuccessfulAuth",
        "ChallengeSent",
        "RTCPSent",
        "RTCPReceived",
        "Hold",
        "Unhold",
        "QueueParams",
        "QueueSummary",
        "QueueSummaryComplete",
        "QueueMemberPenalty",
        "QueueMemberRinginuse",
        "UserEvent",
        "Cdr",
        "Cel",
        "AGIExecStart",
        "AGIExecEnd",
        "AsyncAGIStart",
        "AsyncAGIExec",
        "AsyncAGIEnd",
        "PeerStatus",
        "ContactStatus",
        "Registry",
        "Reload",
        "Status",
        "StatusComplete",
        "LocalOptimizationBegin",
        "LocalOptimizationEnd",
        "DTMFBegin",
        "DTMFEnd",
    }
)


_NOISE_LINES = frozenset(f"Event: {name}".encode() for name in NOISE)
_QUEUE_STATUS = b"\r\nVariable: QUEUESTATUS\r\n"


def is_noise(raw: bytes) -> bool:
    """For the parser: a raw frame callcenter ignores, told from its first line alone (and
    VarSet unless it sets QUEUESTATUS), so it need not be parsed at all."""
    eol = raw.find(b"\r\n")
    first = raw[:eol] if eol >= 0 else raw
    if first in _NOISE_LINES:
        return True
    return first == b"Event: VarSet" and _QUEUE_STATUS not in raw


def is_queue_status(frame: Frame) -> bool:
    return any(k == "Variable" and v == "QUEUESTATUS" for k, v in frame) and any(
        k == "Value" and v == "FULL" for k, v in frame
    )
