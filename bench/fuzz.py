"""Fuzz campaign over the two readers of untrusted bytes: the AMI frame parser (+ translator)
and the FastAGI reader.

    python -m bench.fuzz [--cases 100000] [--seed N] [--target ami|agi|both]

Cases are mutations of real traffic (windows of the recorded AMI sessions and FastAGI
environments in tests/fixtures): byte flips, insertions of CR, LF, NUL, ':' and non-UTF-8
bytes, deletions, truncations, duplicated and spliced pieces, over-long lines. Each case is fed
in random chunk sizes. What counts as a failure:

- AMI: any exception from ``FrameParser.feed`` or ``Translator.translate`` (both promise never
  to raise), or frames that depend on how the bytes were split (the parser promises they do
  not, for frames within ``max_frame``);
- FastAGI: any exception from ``AgiSession.read_request`` / ``read_reply`` other than
  ``AgiProtocolError`` (the one refusal the server expects), or a read that does not finish.

Prints the count per target, the failures, and writes each failing input to
``bench/results/fuzz-<target>-<n>.bin`` to replay. Exit status 1 if anything failed. The test
suite runs a bounded slice (tests/bench/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from callcenter.agi.protocol import LINE_LIMIT, AgiProtocolError, AgiSession
from callcenter.ami.frames import FrameParser
from callcenter.ami.translate import Translator, is_noise

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
RESULTS = Path(__file__).with_name("results")
SPICE = [
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b"\x00",
    b":",
    b": ",
    b"\xff",
    b"\xc3",
    b"\xe2\x80",
    b"Event: ",
    b"ActionID: ",
    b"Response: Error\r\n",
    b"HANGUP\n",
    b"520-",
    b"200 result=",
]


@dataclass
class Report:
    target: str
    cases: int = 0
    failures: list[tuple[bytes, str]] = field(default_factory=list)


def ami_seeds() -> list[bytes]:
    """Windows of 1 to 8 frames from every recorded AMI session (the banner sometimes)."""
    seeds = []
    for path in sorted(FIXTURES.glob("*.ami")):
        data = path.read_bytes()
        banner, _, rest = data.partition(b"\r\n")
        frames = [f + b"\r\n\r\n" for f in rest.split(b"\r\n\r\n") if f]
        for start in range(0, len(frames), 4):
            window = b"".join(frames[start : start + 1 + start % 8])
            seeds.append((banner + b"\r\n" + window) if start % 3 == 0 else window)
    return seeds


def agi_seeds() -> list[bytes]:
    """FastAGI environments as Asterisk sends them, followed by typical replies."""
    seeds = []
    for name in ("fastagi-env.txt", "sim-fastagi-env.txt", "fastagi-from-asterisk.raw"):
        data = (FIXTURES / name).read_bytes()
        seeds += [data, data + b"200 result=1\n", data + b"HANGUP\n200 result=0\n"]
        seeds.append(data + b"520-Invalid command syntax.  Proper usage follows:\nUsage\n520 End\n")
    return seeds


def mutate(rng: random.Random, seed: bytes, others: list[bytes]) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        if not data:
            data += rng.choice(SPICE)
        op = rng.randrange(8)
        at = rng.randrange(len(data) + 1)
        if op == 0 and at < len(data):
            data[at] ^= 1 << rng.randrange(8)  # bit flip
        elif op == 1:
            data[at:at] = rng.choice(SPICE)  # a framing byte where it hurts
        elif op == 2:
            del data[at : at + rng.randint(1, 64)]  # deletion
        elif op == 3:
            del data[at:]  # truncation
        elif op == 4:
            end = min(len(data), at + rng.randint(1, 200))
            data[at:at] = data[at:end]  # duplicated piece
        elif op == 5:
            other = rng.choice(others)
            start = rng.randrange(len(other) + 1)
            data[at:at] = other[start : start + rng.randint(1, 300)]  # spliced piece
        elif op == 6:
            data[at:at] = bytes([rng.randrange(256)]) * rng.choice([10, 1000, LINE_LIMIT + 10])
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(data)


def chunks(rng: random.Random, data: bytes) -> list[bytes]:
    """The bytes as up to 24 TCP reads, cut anywhere (inside a UTF-8 character, a CRLF...)."""
    cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randint(0, 24)))
    edges = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def ami_case(rng: random.Random, data: bytes) -> str | None:
    """None if the case held every promise, else what broke."""
    now = datetime.now(UTC)
    whole = FrameParser(noise=is_noise)
    frames = whole.feed(data)
    split = FrameParser(noise=is_noise)
    pieces = [f for piece in chunks(rng, data) for f in split.feed(piece)]
    if pieces != frames and len(data) < whole.max_frame:
        return f"frames depend on the split: {len(frames)} whole, {len(pieces)} split"
    translator = Translator()
    for frame in frames:
        translator.translate(frame, now)
    return None


async def agi_case(data: bytes) -> str | None:
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    reader.feed_data(data)
    reader.feed_eof()
    session = AgiSession(reader, cast(Any, None))  # reading only: nothing is written
    try:
        async with asyncio.timeout(2):
            await session.read_request()
            for _ in range(5):
                await session.read_reply()
    except AgiProtocolError:
        return None
    except TimeoutError:
        return "the read did not finish"
    return None


def run(target: str, cases: int, seed: int, write: Callable[[str], object] = print) -> Report:
    rng = random.Random(seed)
    report = Report(target)
    seeds = ami_seeds() if target == "ami" else agi_seeds()
    loop = asyncio.new_event_loop() if target == "agi" else None
    try:
        for _ in range(cases):
            data = mutate(rng, rng.choice(seeds), seeds)
            try:
                if loop is None:
                    problem = ami_case(rng, data)
                else:
                    problem = loop.run_until_complete(agi_case(data))
            except Exception:
                problem = traceback.format_exc(limit=4)
            report.cases += 1
            if problem is not None:
                report.failures.append((data, problem))
                if len(report.failures) <= 5:
                    write(f"{target}: FAILURE on a {len(data)}-byte input: {problem}")
    finally:
        if loop is not None:
            loop.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fuzz", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cases", type=int, default=100_000, help="per target")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--target", choices=["ami", "agi", "both"], default="both")
    args = parser.parse_args(argv)
    targets = ["ami", "agi"] if args.target == "both" else [args.target]
    failed = 0
    for target in targets:
        started = time.perf_counter()
        report = run(target, args.cases, args.seed)
        took = time.perf_counter() - started
        print(
            f"{target}: {report.cases} cases in {took:.1f} s (seed {args.seed}): "
            f"{len(report.failures)} failures"
        )
        for n, (data, _problem) in enumerate(report.failures):
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / f"fuzz-{target}-{n}.bin").write_bytes(data)
        failed += len(report.failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
