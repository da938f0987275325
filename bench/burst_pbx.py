"""The PBX side of the burst benchmark: N calls arriving within W seconds, as Asterisk 20 sent them.

The calls are the 40 of a real Asterisk 20 recording (``tests/fixtures/bridge-down-A-pbx.ami``:
the queue ``line19`` with 20 seats, a dialplan that runs FastAGI at call entry), every frame
kept, dialplan noise included (VarSet, Newexten, DeviceStateChange...: 89 % of the frames).
Each call is cut out of the recording by its ``Linkedid`` (the frames without one, device and
member states, go with the call whose frame came just before them), cloned with fresh
Uniqueid/Linkedid values and channel suffixes, and started at ``k * W / N`` seconds; its frames
keep their recorded spacing. Each frame's ``Timestamp:`` is rewritten to the wall clock at the
moment it is written, as Asterisk stamps an event when it sends it.

Where the call ran ``AGI()`` (its ``Newexten`` with ``Application: AGI``), a FastAGI session is
played against the room at that moment with ``callcenter.sim.agi_peer`` (the bytes of a real
Asterisk 20 environment, the call's own Uniqueid, Linkedid and caller ID), and its answer time
(end of the environment to the server closing the socket) is recorded. The recorded frames
after it keep their recorded time: the room's decision does not change the replayed call.

    python -m bench.burst_pbx --ami-port P --agi-port A --calls 60 --window 2

Answers Login and the resync list actions (with empty lists), prints ``ready`` once logged in,
plays the burst when a line ``go`` arrives on stdin, prints one JSON line (AGI answer times,
frames written, noise share, schedule lag), and closes on ``stop`` or end of stdin.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.ami_stream import (
    TRANSCRIPTS,
    _clone,
    _read_action,
    _response,
    answer_action,
    unsolicited_events,
)
from callcenter.ami.translate.noise import is_noise
from callcenter.sim.agi_peer import environment, play, split_sessions

RECORDING = TRANSCRIPTS / "bridge-down-A-pbx.ami"
AGI_RAW = TRANSCRIPTS / "fastagi-from-asterisk.raw"
_LINKEDID = re.compile(rb"\r\nLinkedid: ([^\r]+)")
_UNIQUEID = re.compile(rb"\r\nUniqueid: ([^\r]+)")
_CALLER = re.compile(rb"\r\nCallerIDNum: ([^\r]+)")
_CHANNEL = re.compile(rb"\r\nChannel: ([^\r]+)")
_STAMP = re.compile(rb"\r\nTimestamp: (\d+\.\d+)\r\n")


@dataclass(frozen=True)
class Frame:
    at: float  # seconds after the call's first frame
    head: bytes  # the frame up to its Timestamp value (or the whole frame, if it has none)
    tail: bytes
    noise: bool
    agi: bool  # Asterisk starts the call's FastAGI session here


def split_calls(raw: bytes) -> list[list[bytes]]:
    """The recording's unsolicited events grouped by call (Linkedid), in recorded order."""
    calls: dict[bytes, list[bytes]] = {}
    current: bytes | None = None
    for frame in unsolicited_events(raw):
        m = _LINKEDID.search(frame)
        if m is not None:
            current = m.group(1)
        if current is not None:
            calls.setdefault(current, []).append(frame)
    return list(calls.values())


def _stamp(frame: bytes) -> float | None:
    m = _STAMP.search(frame)
    return float(m.group(1)) if m else None


def clone_call(template: list[bytes], k: int) -> list[Frame]:
    """Call ``k`` of the burst: the template with ids of its own, times relative to its start."""
    frames = list(_clone(template, k))
    stamps = [_stamp(f) for f in template]
    first = next(s for s in stamps if s is not None)
    out = []
    last = 0.0
    for frame, at in zip(frames, stamps, strict=True):
        last = at - first if at is not None else last
        m = _STAMP.search(frame)
        head, tail = (frame[: m.start(1)], frame[m.end(1) :]) if m else (frame, b"")
        body = frame.rstrip(b"\r\n")
        agi = frame.startswith(b"Event: Newexten\r\n") and b"\r\nApplication: AGI\r\n" in frame
        out.append(Frame(last, head, tail, is_noise(body), agi))
    return out


@dataclass(frozen=True)
class Scheduled:
    at: float  # seconds after the burst started
    call: int
    frame: Frame


def schedule(calls: int, window: float, raw: bytes) -> list[Scheduled]:
    templates = split_calls(raw)
    plan = []
    for k in range(calls):
        start = k * window / calls
        for frame in clone_call(templates[k % len(templates)], k):
            plan.append(Scheduled(start + frame.at, k, frame))
    plan.sort(key=lambda s: s.at)  # stable: a call's frames keep their order
    return plan


def _field(pattern: re.Pattern[bytes], frame: bytes) -> str:
    m = pattern.search(frame)
    return m.group(1).decode() if m else ""


class BurstPbx:
    def __init__(self, plan: list[Scheduled], agi_port: int | None) -> None:
        self.plan = plan
        self.agi_port = agi_port
        self.agi_template = split_sessions(AGI_RAW.read_bytes())[0]
        self.logged_in = asyncio.Event()
        self.go = asyncio.Event()
        self.done = asyncio.Event()
        self.stop = asyncio.Event()
        self.answers: list[float] = []
        self.agi_failures: list[str] = []
        self.lags: list[float] = []
        self.frames = 0
        self.noise = 0
        self.started_at = 0.0
        self._sessions: list[asyncio.Task[None]] = []

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        player: asyncio.Task[None] | None = None
        try:
            while True:
                action = await _read_action(reader)
                if action is None:
                    break
                name = action.get("action", "").lower()
                aid = action.get("actionid", "")
                if name == "login":
                    writer.write(_response(aid, "Message: Authentication accepted"))
                    writer.write(
                        b"Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 53\r\n"
                        b"LastReload: 53\r\nStatus: Fully Booted\r\n\r\n"
                    )
                    if player is None:
                        player = asyncio.create_task(self._play(writer))
                    self.logged_in.set()
                elif not answer_action(writer, name, aid):
                    break
        finally:
            if player is not None:
                player.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await player
            writer.close()

    async def _play(self, writer: asyncio.StreamWriter) -> None:
        await self.go.wait()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        self.started_at = time.time()
        plan, i, n = self.plan, 0, len(self.plan)
        while i < n:
            now = loop.time() - t0
            if plan[i].at > now:
                await asyncio.sleep(plan[i].at - now)
                continue
            stamp = b"%.6f" % time.time()
            out = []
            while i < n and plan[i].at <= now:
                s = plan[i]
                out.append(s.frame.head + stamp + s.frame.tail if s.frame.tail else s.frame.head)
                self.lags.append(now - s.at)
                self.noise += s.frame.noise
                if s.frame.agi and self.agi_port is not None:
                    self._sessions.append(asyncio.create_task(self._agi(s.frame.head)))
                i += 1
            self.frames += len(out)
            writer.write(b"".join(out))
            await writer.drain()
        await asyncio.gather(*self._sessions)
        self.done.set()

    async def _agi(self, frame: bytes) -> None:
        env = environment(
            self.agi_template,
            agi_uniqueid=_field(_UNIQUEID, frame),
            agi_callerid=_field(_CALLER, frame),
            agi_channel=_field(_CHANNEL, frame),
        )
        variables = {"CHANNEL(linkedid)": _field(_LINKEDID, frame)}
        assert self.agi_port is not None
        try:
            result = await play("127.0.0.1", self.agi_port, env, variables=variables, limit=30)
        except (OSError, TimeoutError) as exc:
            self.agi_failures.append(repr(exc))
            return
        self.answers.append(result.answer_seconds)

    def report(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "frames": self.frames,
            "noise_frames": self.noise,
            "agi_answer_s": self.answers,
            "agi_failures": self.agi_failures[:5],
            "schedule_lag_s": sorted(self.lags)[int(len(self.lags) * 0.99)] if self.lags else 0,
            "schedule_lag_max_s": max(self.lags, default=0.0),
        }


async def main(args: argparse.Namespace) -> None:
    plan = schedule(args.calls, args.window, RECORDING.read_bytes())
    pbx = BurstPbx(plan, args.agi_port)
    server = await asyncio.start_server(pbx.session, "127.0.0.1", args.ami_port)
    loop = asyncio.get_running_loop()
    await pbx.logged_in.wait()
    print("ready", flush=True)

    async def commands() -> None:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if line.strip() == "go":
                pbx.go.set()
            elif not line or line.strip() == "stop":
                pbx.stop.set()
                return

    reader = asyncio.create_task(commands())
    await pbx.done.wait()
    print(json.dumps(pbx.report()), flush=True)
    await pbx.stop.wait()
    await reader
    server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ami-port", type=int, required=True)
    parser.add_argument("--agi-port", type=int, default=None)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--window", type=float, default=2.0)
    asyncio.run(main(parser.parse_args()))
