"""Issue 17: the facts that broke the old stack agree across every file that states them.

Ports (AMI 5038, FastAGI 4573, API 8000, ws 8088 / wss 8089), hosts (each name callcenter or
Asterisk dials is a compose service or alias on a network they share, at the address the PBX's
files name), and secrets (one variable per secret, read by callcenter's settings under the same
name the example env file, the compose file and Asterisk's entry point use).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from callcenter.settings import AgiSettings, AmiSettings, ApiSettings, Settings
from tests.deploy import stack
from tests.pbx.conf import Dialplan, Section, sections

ROOT = stack.ROOT
DIALPLAN = Dialplan.read(ROOT / "dialplans" / "extensions.conf")
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()


def conf(name: str) -> dict[str, Section]:
    return {s.name: s for s in sections(ROOT / "asterisk" / name)}


def one(section: Section, key: str) -> str:
    (value,) = section.values(key)
    return value


def services() -> dict[str, Any]:
    found = stack.compose()["services"]
    assert isinstance(found, dict)
    return found


def env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in services()[service]["environment"].items()}


def exposed(service: str) -> set[str]:
    return {str(p) for p in services()[service]["expose"]}


def address(service: str, network: str) -> str:
    value = services()[service]["networks"][network]["ipv4_address"]
    assert isinstance(value, str)
    return value


def networks_of(service: str) -> set[str]:
    return set(services()[service]["networks"])


def test_ami_port_and_user() -> None:
    manager = conf("manager.conf")
    port = int(one(manager["general"], "port"))
    assert port == 5038 == AmiSettings().port == int(env("callcenter")["CALLCENTER_AMI__PORT"])
    assert str(port) in exposed("asterisk")
    assert AmiSettings().username in manager  # the [callcenter] AMI user


def test_fastagi_port_and_listen_address() -> None:
    port = int(DIALPLAN.globals["CALLCENTER_AGI_PORT"])
    assert port == 4573 == AgiSettings().port == int(env("callcenter")["CALLCENTER_AGI__PORT"])
    assert str(port) in exposed("callcenter")
    # the dialplan reaches callcenter from another container: it must not listen on loopback
    assert env("callcenter")["CALLCENTER_AGI__HOST"] == "0.0.0.0"
    assert "CALLCENTER_AGI__HOST=0.0.0.0" in (ROOT / "Dockerfile").read_text()


def test_api_port_everywhere() -> None:
    assert ApiSettings().port == 8000
    for service in ("callcenter", "api"):
        assert env(service)["CALLCENTER_API__PORT"] == "8000"
        assert "8000" in exposed(service)
    assert '"CALLCENTER_API__PORT", "8000"' in (ROOT / "deploy" / "healthcheck.py").read_text()
    assert re.search(r"dynamic a \{\$PROXY_UPSTREAM\} 8000\b", CADDYFILE)


def test_plain_http_is_never_on_the_lan_and_the_proxy_finds_it() -> None:
    """From the LAN the API is reached through the proxy (TLS) only."""
    assert env("callcenter")["CALLCENTER_API__HOST"] == address("callcenter", "backend")
    assert env("api")["CALLCENTER_API__HOST"] == "0.0.0.0"
    assert networks_of("api") == {"backend"}
    # the proxy's upstream names resolve to backend addresses only
    upstream = services()["proxy"]["environment"]["PROXY_UPSTREAM"]
    assert upstream in services()["callcenter"]["networks"]["backend"]["aliases"]
    assert "callcenter-api" not in str(services()["callcenter"]["networks"]["room"])
    scaled = stack.compose(stack.read_env_file(stack.ENV_EXAMPLE) | {"PROXY_UPSTREAM": "api"})
    assert scaled["services"]["proxy"]["environment"]["PROXY_UPSTREAM"] == "api"


def test_websocket_ports_and_the_seats_url() -> None:
    http = conf("http.conf")["general"]
    pbx = address("asterisk", "room")
    assert one(http, "bindaddr") == pbx and one(http, "bindport") == "8088"
    assert one(http, "tlsbindaddr") == f"{pbx}:8089"
    assert {"8088", "8089"} <= exposed("asterisk")
    assert one(conf("pjsip.conf")["transport-wss"], "protocol") == "wss"
    # the seats go through the proxy (TLS there) to Asterisk's ws on 8088, path /ws
    assert re.search(r"handle /ws \{\s*reverse_proxy pbx:8088\s*\}", CADDYFILE)
    url = urlsplit(env("callcenter")["CALLCENTER_PHONE__WS_URL"])
    example = stack.read_env_file(stack.ENV_EXAMPLE)
    assert (url.scheme, url.hostname, url.path) == ("wss", example["ROOM_DOMAIN"], "/ws")
    assert env("callcenter")["CALLCENTER_PHONE__DOMAIN"] == example["ROOM_DOMAIN"]


def test_callcenter_reaches_ami_on_the_address_asterisk_binds() -> None:
    host = env("callcenter")["CALLCENTER_AMI__HOST"]
    room = services()["asterisk"]["networks"]["room"]
    # an alias on the LAN only: the name cannot resolve to Asterisk's backend address,
    # where AMI does not listen
    assert host in room["aliases"]
    assert "room" in networks_of("callcenter")
    pbx = address("asterisk", "room")
    assert one(conf("manager.conf")["general"], "bindaddr") == pbx
    assert one(conf("pjsip.conf")["transport-udp"], "bind") == f"{pbx}:5060"


def test_asterisk_reaches_fastagi_at_the_callcenter_address() -> None:
    callcenter = address("callcenter", "room")
    assert DIALPLAN.globals["CALLCENTER_HOST"] == callcenter
    permits = conf("manager.conf")["callcenter"].values("permit")
    assert f"{callcenter}/255.255.255.255" in permits


def test_the_lan_addresses_fit_the_room_network() -> None:
    subnet = ipaddress.ip_network(
        stack.compose()["networks"]["room"]["ipam"]["config"][0]["subnet"]
    )
    fixed = [address(s, "room") for s in ("asterisk", "callcenter", "proxy")]
    assert len(set(fixed)) == 3
    trunk = one(conf("pjsip.conf")["trunk"], "match")
    for ip in [*fixed, trunk]:
        assert ipaddress.ip_address(ip) in subnet, ip
    assert trunk not in fixed  # the gateway is the LAN's, not a container
    # the proxy's backend address is the only one whose X-Forwarded-For callcenter believes
    trusted = json.loads(env("callcenter")["CALLCENTER_API__TRUSTED_PROXIES"])
    assert trusted == [address("proxy", "backend")]


def test_database_and_redis_hosts_are_services_on_a_shared_network() -> None:
    for service in ("callcenter", "api", "migrate"):
        url = urlsplit(env(service)["CALLCENTER_DATABASE__URL"])
        assert (url.hostname, url.port, url.path) == ("postgres", 5432, "/callcenter")
        assert url.username == services()["postgres"]["environment"]["POSTGRES_USER"]
        assert networks_of(service) & networks_of("postgres")
    for service in ("callcenter", "api"):
        url = urlsplit(env(service)["CALLCENTER_REDIS__URL"])
        assert (url.hostname, url.port) == ("redis", 6379)
        assert networks_of(service) & networks_of("redis")


def test_asterisk_writes_into_callcenters_database_as_the_insert_only_role() -> None:
    postgres = services()["postgres"]["environment"]
    pgsql = conf("res_pgsql.conf")["general"]
    cel = conf("cel_pgsql.conf")["global"]
    assert one(pgsql, "dbhost") == one(cel, "hostname") == "postgres"
    assert one(pgsql, "dbport") == one(cel, "port") == "5432"
    assert one(pgsql, "dbname") == one(cel, "dbname") == postgres["POSTGRES_DB"]
    assert one(pgsql, "dbuser") == one(cel, "user") == "asterisk"
    initdb = (ROOT / "deploy/postgres/initdb/10-asterisk-role.sh").read_text()
    assert '--set=role="${ASTERISK_DB_USER:-asterisk}"' in initdb
    assert networks_of("asterisk") & networks_of("postgres")
    # res_config_pgsql reconnects (after PostgreSQL restarts, a network cut) to the database
    # extconfig.conf names, not to res_pgsql.conf's dbname: the two must be the same.
    database = one(pgsql, "dbname")
    assert one(conf("extconfig.conf")["settings"], "queue_log") == f"pgsql,{database},queue_log"
    assert one(cel, "table") == "cel"


@pytest.mark.parametrize(
    ("variable", "readers"),
    [
        ("CALLCENTER_AMI__SECRET", {"callcenter", "asterisk"}),
        ("CALLCENTER_PHONE__SEATS", {"callcenter", "api", "asterisk"}),
        ("CALLCENTER_API__JWT_SECRET", {"callcenter", "api"}),
        ("CALLCENTER_API__METRICS_TOKEN", {"callcenter", "api"}),
        ("ASTERISK_DB_PASSWORD", {"asterisk", "postgres"}),
        ("POSTGRES_PASSWORD", {"postgres"}),
        ("REDIS_PASSWORD", {"redis"}),
    ],
)
def test_each_secret_has_one_name_and_goes_only_where_it_is_needed(
    variable: str, readers: set[str]
) -> None:
    raw = stack.raw_compose()["services"]
    passed_as_is = {
        name
        for name, service in raw.items()
        if re.fullmatch(
            rf"\$\{{{variable}(:\?[^}}]*)?\}}",
            str(service.get("environment", {}).get(variable, "")),
        )
    }
    assert passed_as_is == readers
    assert variable in stack.read_env_file(stack.ENV_EXAMPLE)


def test_asterisk_entry_point_writes_the_secrets_under_these_names() -> None:
    entry = (ROOT / "deploy/asterisk/entrypoint.sh").read_text()
    assert "'manager.conf\\tcallcenter\\tsecret\\t%s\\n' \"$CALLCENTER_AMI__SECRET\"" in entry
    assert "'res_pgsql.conf\\tgeneral\\tdbpass\\t%s\\n' \"$ASTERISK_DB_PASSWORD\"" in entry
    assert "'cel_pgsql.conf\\tglobal\\tpassword\\t%s\\n' \"$ASTERISK_DB_PASSWORD\"" in entry
    assert "printf '%s' \"$CALLCENTER_PHONE__SEATS\"" in entry


def test_callcenter_settings_read_the_stack_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The callcenter service's environment, as the process gets it, builds valid Settings
    with the values the other files expect (so a renamed setting breaks this test)."""
    monkeypatch.chdir(tmp_path)  # no .env file
    for key in [k for k in os.environ if k.startswith("CALLCENTER_")]:
        monkeypatch.delenv(key)
    environment = env("callcenter")
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.ami.host == "pbx" and settings.ami.port == 5038
    assert settings.ami.secret.get_secret_value() == environment["CALLCENTER_AMI__SECRET"]
    assert settings.agi.host == "0.0.0.0" and settings.agi.port == 4573
    assert settings.api.jwt_secret.get_secret_value() == environment["CALLCENTER_API__JWT_SECRET"]
    assert settings.api.metrics_token is not None
    assert settings.database_url().startswith("postgresql+asyncpg://callcenter:")
    assert settings.redis.url == environment["CALLCENTER_REDIS__URL"]
    assert settings.phone.mode == "sip" and settings.phone.ws_url is not None
    # the seats: one SIP account per queue member of queues.conf, named as in pjsip.conf
    members = {
        v.split(",")[2]: v.split(",")[0].removeprefix("PJSIP/")
        for v in conf("queues.conf")["line19"].values("member")
    }
    assert {name: seat.user for name, seat in settings.phone.seats.items()} == members
    auth_sections = {
        s.name for s in sections(ROOT / "asterisk/pjsip.conf") if "seat-auth" in s.templates
    }
    assert set(members.values()) == auth_sections
    assert settings.api.trusted_proxies == ["172.29.19.30"]
    assert settings.api.host == "172.29.19.20"


def test_asterisk_offers_the_seats_no_ice_candidate_on_the_backend_network() -> None:
    backend = ipaddress.ip_network(
        stack.compose()["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    )
    rtp = conf("rtp.conf")["general"]
    network, mask = one(rtp, "ice_deny").split("/")
    assert ipaddress.ip_network(f"{network}/{mask}") == backend
    assert "backend" in networks_of("asterisk")
    assert (one(rtp, "rtpstart"), one(rtp, "rtpend")) == ("10000", "20000")
