"""Issue 14, item 3: one place says where callcenter runs, and everything agrees with it.

The dialplan's ``[globals]`` ``CALLCENTER_HOST`` is the callcenter host; the FastAGI URL is
built from it; ``manager.conf`` lets that host (and only it, besides the loopback) log in;
the PBX's own address is the same in pjsip.conf, manager.conf and http.conf; the port and the
overflow pacing agree with callcenter's settings; the docs say it; ``callcenter agi`` listens
on the configured host.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import signal
import socket
import sys
from pathlib import Path

import pytest

from callcenter.settings import AgiSettings, AmiSettings
from tests.pbx.conf import Dialplan, Section, sections

ROOT = Path(__file__).resolve().parents[2]
DIALPLAN = Dialplan.read(ROOT / "dialplans/extensions.conf")
IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def conf(name: str) -> dict[str, Section]:
    return {s.name: s for s in sections(ROOT / "asterisk" / name)}


def expanded_globals() -> dict[str, str]:
    """As pbx_config loads [globals]: in order, each value's ${...} from those before it."""
    out: dict[str, str] = {}
    for key, value in DIALPLAN.globals.items():
        for name in re.findall(r"\$\{([^}]+)\}", value):
            assert name in out, f"{key} uses {name} before it is defined"
            value = value.replace("${" + name + "}", out[name])
        out[key] = value
    return out


def test_the_agi_url_is_built_from_callcenter_host() -> None:
    g = expanded_globals()
    host = g["CALLCENTER_HOST"]
    assert ipaddress.ip_address(host).is_private
    assert g["CALLCENTER_AGI"] == f"agi://{host}:{AgiSettings().port}/qualify"
    assert int(g["CALLCENTER_AGI_PORT"]) == AgiSettings().port
    # no address anywhere else in the dialplan: every AGI() goes through CALLCENTER_AGI
    for context, exten, step in DIALPLAN.steps():
        assert not IP.search(step.data), (context, exten, step)
        if step.app == "AGI":
            assert step.data.startswith("${CALLCENTER_AGI}"), (context, exten, step)


def test_manager_pjsip_and_http_agree_on_the_two_hosts() -> None:
    callcenter = ipaddress.ip_address(expanded_globals()["CALLCENTER_HOST"])
    manager, pjsip, http = conf("manager.conf"), conf("pjsip.conf"), conf("http.conf")
    permit = manager["callcenter"].values("permit")
    permits = [ipaddress.ip_network(p, strict=False) for p in permit]
    assert any(callcenter in net for net in permits)
    assert all(net.num_addresses == 1 for net in permits)  # single hosts, nothing wider
    outside = [net for net in permits if not net.network_address.is_loopback]
    assert outside == [ipaddress.ip_network(f"{callcenter}/32")]
    (pbx,) = manager["general"].values("bindaddr")
    (udp,) = pjsip["transport-udp"].values("bind")
    assert udp.rsplit(":", 1)[0] == pbx
    assert http["general"].values("bindaddr") == [pbx]
    assert http["general"].values("tlsbindaddr")[0].rsplit(":", 1)[0] == pbx
    assert pbx != str(callcenter)  # the mistake the issue found: the AGI aimed at the PBX
    assert manager["general"].values("port") == [str(AmiSettings().port)]


def test_the_overflow_pacing_agrees_with_callcenter() -> None:
    wait = float(expanded_globals()["OVERFLOW_RETRY_WAIT"])
    assert wait >= 1
    assert wait == AgiSettings().retry_wait_seconds


def test_the_docs_say_where_callcenter_runs() -> None:
    host = expanded_globals()["CALLCENTER_HOST"]
    readme = (ROOT / "asterisk/README.md").read_text()
    assert "CALLCENTER_HOST" in readme and host in readme and "CALLCENTER_AGI__HOST" in readme
    top = (ROOT / "README.md").read_text()
    assert "CALLCENTER_AGI__HOST" in top and "asterisk/README.md" in top


@pytest.mark.slow
async def test_callcenter_agi_listens_on_the_configured_host(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        port = int(s.getsockname()[1])
    env = {
        **os.environ,
        "CALLCENTER_AGI__HOST": "127.0.0.2",
        "CALLCENTER_AGI__PORT": str(port),
        "CALLCENTER_DATA_DIR": "data",
    }
    env.pop("CALLCENTER_DATABASE__URL", None)
    env.pop("CALLCENTER_DEMO", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "callcenter",
        "agi",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(60):
            line = await proc.stdout.readline()
        assert f"FastAGI on 127.0.0.2:{port}" in line.decode()
        _, writer = await asyncio.open_connection("127.0.0.2", port)
        writer.close()
        with pytest.raises(OSError):  # bound to that host only
            await asyncio.open_connection("127.0.0.1", port)
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            _, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode()[-2000:]
    assert "only an Asterisk on this machine reaches it" in stderr.decode()
