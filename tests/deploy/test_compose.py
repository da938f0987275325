"""Issue 17: docker-compose.yml is a valid Compose file that would start every service with the
documented env file (deploy/room.env.example), in the right order.

Validated against the Compose Specification's JSON schema as vendored by check-jsonschema
(``check_jsonschema/builtin_schemas/vendor/compose-spec.json``, from compose-spec/compose-spec,
Apache-2.0, licence beside it in the package), after interpolating the env file as Compose does
(``tests/deploy/stack.py``).
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.deploy import stack

LONG_RUNNING = {"postgres", "redis", "asterisk", "callcenter", "api", "proxy"}


@functools.cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def schema() -> dict[str, Any]:
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    data = json.loads(vendored.joinpath("compose-spec.json").read_text())
    assert data["title"] == "Compose Specification"
    return data


def errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator().iter_errors(document)
    ]


def test_the_compose_file_is_valid_with_the_example_env_file() -> None:
    assert errors(stack.compose()) == []


def test_the_schema_check_catches_a_broken_file() -> None:
    """The validation is real: a wrong condition, an unknown key and a bad port are caught."""
    broken = copy.deepcopy(stack.compose())
    broken["services"]["callcenter"]["depends_on"]["postgres"]["condition"] = "service_ready"
    broken["services"]["redis"]["healthcheck"]["intervall"] = "5s"
    broken["services"]["proxy"]["expose"] = [{"port": 443}]
    found = "\n".join(errors(broken))
    assert "services/callcenter/depends_on: {" in found  # not valid under any of the schemas
    assert "services/redis/healthcheck: 'intervall'" in found
    assert "services/proxy/expose/0: {'port': 443}" in found


def test_every_variable_is_documented_in_the_example_and_nothing_more() -> None:
    example = stack.read_env_file(stack.ENV_EXAMPLE)
    raw = stack.raw_compose()
    used = stack.variables_used(raw)
    assert stack.required_variables(raw) <= set(example)
    assert used - set(example) == set(), "give them a line in deploy/room.env.example"
    assert set(example) - used == set(), "deploy/room.env.example sets what nothing reads"


@pytest.mark.parametrize("name", sorted(stack.required_variables(stack.raw_compose())))
def test_compose_refuses_to_run_without_a_required_variable(name: str) -> None:
    env = stack.read_env_file(stack.ENV_EXAMPLE)
    del env[name]
    with pytest.raises(stack.MissingVariableError, match=name):
        stack.compose(env)


def test_every_long_running_service_has_a_healthcheck() -> None:
    services = stack.compose()["services"]
    assert set(services) == LONG_RUNNING | {"migrate"}
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check and not check.get("disable") and check["test"], name
        assert services[name]["restart"] == "unless-stopped", name


def test_dependencies_wait_for_what_they_need() -> None:
    services = stack.compose()["services"]
    for name, service in services.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in services, f"{name} -> {target}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert not services[target].get("healthcheck", {}).get("disable"), target
                assert services[target]["healthcheck"]["test"], target
            elif condition == "service_completed_successfully":
                assert services[target]["restart"] == "no", target
            else:
                assert condition == "service_started", f"{name} -> {target}: {condition}"
                assert services[target]["healthcheck"]["test"], target
    needs = {name: s.get("depends_on", {}) for name, s in services.items()}
    for process in ("callcenter", "api"):
        assert needs[process]["migrate"]["condition"] == "service_completed_successfully"
        assert needs[process]["postgres"]["condition"] == "service_healthy"
        assert needs[process]["redis"]["condition"] == "service_healthy"
    assert needs["migrate"]["postgres"]["condition"] == "service_healthy"
    # the PBX never waits for callcenter: the dialplan fails open while the bridge is away
    assert "callcenter" not in needs["asterisk"] and "api" not in needs["asterisk"]


def test_migrations_are_a_one_shot_service() -> None:
    migrate = stack.compose()["services"]["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["healthcheck"] == {"disable": True}  # no server to ask /readyz
    assert set(migrate["environment"]) == {"CALLCENTER_DATABASE__URL"}


def test_postgres_and_redis_keep_their_data() -> None:
    data = stack.compose()
    postgres, redis = data["services"]["postgres"], data["services"]["redis"]
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]
    assert "redisdata:/data" in redis["volumes"]
    assert {"pgdata", "redisdata"} <= set(data["volumes"])
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command  # the dispatch stream survives a restart


def test_scale_out_profile_runs_any_number_of_api_processes() -> None:
    data = stack.compose()
    api = data["services"]["api"]
    assert api["profiles"] == ["scale-out"]
    assert api["command"] == ["serve", "--role", "api"]
    assert api["environment"]["CALLCENTER_API__STATS_INTERVAL"] == "0"
    # scalable: no fixed name, published port or address
    assert "container_name" not in api and "ports" not in api
    assert api["networks"] == ["backend"]
    # an API process never speaks AMI: it does not get the AMI secret
    assert not any(key.startswith("CALLCENTER_AMI__") for key in api["environment"])
    # the bridge runs as the role room.env says; the proxy follows PROXY_UPSTREAM
    env = stack.read_env_file(stack.ENV_EXAMPLE) | {
        "CALLCENTER_ROLE": "bridge",
        "PROXY_UPSTREAM": "api",
    }
    scaled = stack.compose(env)
    assert scaled["services"]["callcenter"]["command"] == ["serve", "--role", "bridge"]
    assert scaled["services"]["proxy"]["environment"]["PROXY_UPSTREAM"] == "api"
    assert errors(scaled) == []


def test_nothing_is_published_on_the_host() -> None:
    """The room's services have their own LAN addresses (macvlan); the databases none at all."""
    data = stack.compose()
    for name, service in data["services"].items():
        assert "ports" not in service, name
    assert data["networks"]["backend"]["internal"] is True
    for name in ("postgres", "redis", "migrate", "api"):
        networks = data["services"][name]["networks"]
        assert list(networks) == ["backend"], name


def test_the_monitoring_override_is_valid_and_scrapes_every_process() -> None:
    override = stack.interpolate_tree(
        stack.parse_yaml((stack.ROOT / "deploy" / "compose.monitoring.yml").read_text()),
        stack.read_env_file(stack.ENV_EXAMPLE),
    )
    assert errors(override) == []
    prometheus = override["services"]["prometheus"]
    assert override["secrets"]["metrics_token"] == {"environment": "CALLCENTER_API__METRICS_TOKEN"}
    assert set(prometheus["networks"]) == {"room", "backend"}
    main = stack.compose()
    assert set(prometheus["networks"]) <= set(main["networks"])
    lan = [
        s["networks"]["room"]["ipv4_address"]
        for s in main["services"].values()
        if isinstance(s.get("networks"), dict) and "room" in s["networks"]
    ]
    assert prometheus["networks"]["room"]["ipv4_address"] not in lan
    scrape = stack.parse_yaml((stack.ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    for job in jobs.values():
        assert job["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert jobs["callcenter"]["static_configs"] == [{"targets": ["callcenter-api:8000"]}]
    assert jobs["callcenter-api"]["dns_sd_configs"][0]["names"] == ["api"]


def test_the_project_name_is_fixed_so_volumes_keep_their_names() -> None:
    assert stack.compose()["name"] == "callcenter"


def test_the_lab_override_makes_the_room_network_a_local_bridge() -> None:
    override = stack.parse_yaml((stack.ROOT / "deploy" / "compose.lab.yml").read_text())
    lab = stack.merge(stack.compose(), override)
    assert errors(lab) == []
    room = lab["networks"]["room"]
    assert room["driver"] == "bridge" and "driver_opts" not in room
    (pool,) = room["ipam"]["config"]
    # the same subnet as the LAN, so the PBX's addresses stand; the host is not the trunk
    assert pool["subnet"] == stack.compose()["networks"]["room"]["ipam"]["config"][0]["subnet"]
    used = {
        s["networks"]["room"]["ipv4_address"]
        for s in lab["services"].values()
        if isinstance(s.get("networks"), dict) and "room" in s["networks"]
    }
    assert pool["gateway"] not in used | {"10.19.0.1"}


def test_callcenter_processes_run_read_only_without_capabilities() -> None:
    services = stack.compose()["services"]
    for name in ("migrate", "callcenter", "api"):
        service = services[name]
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"], name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
