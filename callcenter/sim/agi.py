"""The simulated Asterisk's side of FastAGI: call the project's AGI server at call entry.

Like Asterisk's ``AGI(agi://host:port/script?query)``: connect, send the ``agi_*`` environment
(bare ``\\n`` line ends, closed by a blank line), then answer each command line the server
sends as the one peer does (``agi_peer.answer``: ``200 result=...``, ``510``, the multi-line
``520-`` usage, ``511`` once the caller has hung up, after an unsolicited ``HANGUP``). The
session ends when the server closes the socket (``AGISTATUS=SUCCESS``). The whole session has a
budget: when the server is down or slow the call continues to the queue with
``AGISTATUS=FAILURE`` and keeps the variables set before the deadline, as Asterisk does
(variables are set at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

from callcenter.sim.agi_peer import answer
from callcenter.sim.calls import Call
from callcenter.sim.engine import Simulator

log = logging.getLogger(__name__)


class CallChannel:
    """The queue caller's leg as the AGI sees it: its variables (what the AGI sets is also
    kept in ``variables``, reported as VarSet when the AGI ends) and dialplan functions."""

    def __init__(self, call: Call, variables: dict[str, str]) -> None:
        self.call = call
        self.variables = variables
        self.hangup_requested = False

    def lookup(self, name: str) -> str | None:
        leg = self.call.leg2
        special = {
            "CALLERID(num)": leg.caller_num,
            "CALLERID(name)": leg.caller_name,
            "CHANNEL": leg.name,
            "UNIQUEID": leg.uniqueid,
            "CHANNEL(uniqueid)": leg.uniqueid,
            "CHANNEL(linkedid)": leg.linkedid,
            "EXTEN": leg.exten,
            "CONTEXT": leg.context,
        }
        if name in special:
            return special[name]
        return leg.variables.get(name)

    def set(self, name: str, value: str) -> None:
        self.variables[name] = value
        self.call.leg2.variables[name] = value

    def hang_up(self) -> None:
        self.hangup_requested = True


class AgiClient:
    """``start`` is the simulator's ``agi_starter``; one session per call."""

    def __init__(self, url: str, budget: float = 0.5) -> None:
        parts = urlsplit(url)
        if parts.scheme != "agi" or not parts.hostname:
            raise ValueError(f"not a FastAGI URL: {url!r}")
        self.url = url
        self.host = parts.hostname
        self.port = parts.port or 4573
        self.script = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        self.budget = budget
        self.failures = 0
        self.sessions = 0
        self._failing = False

    def _failed(self, why: str) -> None:
        """Counted always; logged when it starts failing and every 100th time after."""
        self.failures += 1
        if not self._failing or self.failures % 100 == 0:
            log.warning(
                "FastAGI %s %s: callers go to the queue (AGISTATUS=FAILURE; %d so far)",
                self.url,
                why,
                self.failures,
            )
        self._failing = True

    def start(self, sim: Simulator, call: Call) -> asyncio.Future[None]:
        return asyncio.ensure_future(self._session(sim, call))

    def environment(self, call: Call) -> bytes:
        leg = call.leg2
        lines = [
            ("agi_network", "yes"),
            ("agi_network_script", self.script + call.agi_query),
            ("agi_request", self.url + call.agi_query),
            ("agi_channel", leg.name),
            ("agi_language", "en"),
            ("agi_type", leg.name.split("/", 1)[0]),
            ("agi_uniqueid", leg.uniqueid),
            ("agi_version", "20.20.1"),
            ("agi_callerid", leg.caller_num),
            ("agi_calleridname", leg.caller_name),
            ("agi_callingpres", "0"),
            ("agi_callingani2", "0"),
            ("agi_callington", "0"),
            ("agi_callingtns", "0"),
            ("agi_dnid", "unknown"),
            ("agi_rdnis", "unknown"),
            ("agi_context", leg.context),
            ("agi_extension", leg.exten),
            ("agi_priority", str(leg.priority)),
            ("agi_enhanced", "0.0"),
            ("agi_accountcode", ""),
            ("agi_threadid", str(140661288048320 + int(leg.uniqueid.split(".")[1]))),
        ]
        return ("".join(f"{k}: {v}\n" for k, v in lines) + "\n").encode()

    async def _session(self, sim: Simulator, call: Call) -> None:
        self.sessions += 1
        variables: dict[str, str] = {}
        channel = CallChannel(call, variables)
        state = {"dead": False}
        status = "FAILURE"
        writer: asyncio.StreamWriter | None = None

        def caller_hung_up() -> None:
            state["dead"] = True
            if writer is not None and not writer.is_closing():
                writer.write(b"HANGUP\n")

        call.agi_hangup = caller_hung_up
        try:
            async with asyncio.timeout(self.budget):
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(self.environment(call))
                await writer.drain()
                while line := await reader.readline():
                    command = line.decode("utf-8", errors="replace").strip()
                    if command:
                        writer.write(answer(command, channel, state["dead"]).encode())
                        await writer.drain()
                status = "HANGUP" if state["dead"] else "SUCCESS"
            if self._failing:
                self._failing = False
                log.warning("FastAGI %s answers again", self.url)
        except TimeoutError:
            self._failed(f"no end within {self.budget * 1000:.0f} ms")
        except OSError as exc:
            self._failed(f"unreachable: {exc}")
        finally:
            call.agi_hangup = None
            if writer is not None:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
        sim.agi_done(call, status, variables)
        if channel.hangup_requested and call.state not in ("done",):
            sim.caller_hangup(call)
