"""The stack as `docker compose --env-file deploy/room.env` reads it, for the deploy tests.

Docker is not available where the tests run, so this module does what Compose does before it
validates a file: read the env file (``KEY=VALUE``, ``#`` comments, single quotes literal,
double quotes with escapes), then interpolate every string of the parsed YAML (``$$``,
``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}``,
``$VAR``), failing as Compose does when a required variable is missing.
"""

from __future__ import annotations

import copy
import functools
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "room.env.example"

_REFERENCE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariableError(ValueError):
    """A ``${VAR:?message}`` whose variable is unset (or empty), as Compose refuses it."""


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"{path.name}:{lineno}: not KEY=VALUE: {raw!r}")
        if value.startswith("'"):
            if not value.endswith("'") or len(value) < 2:
                raise ValueError(f"{path.name}:{lineno}: unterminated single quote")
            value = value[1:-1]
        elif value.startswith('"'):
            if not value.endswith('"') or len(value) < 2:
                raise ValueError(f"{path.name}:{lineno}: unterminated double quote")
            value = value[1:-1].encode().decode("unicode_escape")
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
        if key in values:
            raise ValueError(f"{path.name}:{lineno}: {key} set twice")
        values[key] = value
    return values


def interpolate(text: str, env: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        missing = value is None or (op is not None and op.startswith(":") and value == "")
        if op in (":-", "-") and missing:
            return arg
        if op in (":?", "?") and missing:
            raise MissingVariableError(f"{name}: {arg}")
        return value or ""

    return _REFERENCE.sub(one, text)


def interpolate_tree(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, Mapping):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(value, env) for value in node]
    return node


class Reset:
    """Compose's ``!reset`` tag: in an override file, the value is removed from the merge."""

    def __repr__(self) -> str:
        return "!reset"


RESET = Reset()


def parse_yaml(text: str) -> Any:
    """Plain dicts and lists (merge keys ``<<`` resolved), as Compose sees the file."""
    yaml = YAML(typ="safe", pure=True)
    yaml.constructor.add_constructor("!reset", lambda _loader, _node: RESET)
    return _plain(yaml.load(io.StringIO(text)))


def merge(base: Any, override: Any) -> Any:
    """Compose's merge of an override file into a file: mappings merge key by key, other
    values are replaced, ``!reset`` removes the key (for what this project's files use)."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if value is RESET:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = merge(merged[key], value)
            else:
                merged[key] = value
        return merged
    return override


def _plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    return node


def raw_compose() -> dict[str, Any]:
    return copy.deepcopy(_parsed(COMPOSE.read_text()))


@functools.cache
def _parsed(text: str) -> dict[str, Any]:
    data = parse_yaml(text)
    assert isinstance(data, dict)
    return data


def compose(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """docker-compose.yml interpolated with ``env`` (default: deploy/room.env.example)."""
    values = read_env_file(ENV_EXAMPLE) if env is None else env
    data = interpolate_tree(raw_compose(), values)
    assert isinstance(data, dict)
    return data


def variables_used(node: Any) -> set[str]:
    """Every variable docker-compose.yml interpolates (not ``$$`` escapes)."""
    found: set[str] = set()
    if isinstance(node, str):
        for match in _REFERENCE.finditer(node):
            name = match.group("braced") or match.group("bare")
            if name:
                found.add(name)
    elif isinstance(node, Mapping):
        for value in node.values():
            found |= variables_used(value)
    elif isinstance(node, list):
        for value in node:
            found |= variables_used(value)
    return found


def required_variables(node: Any) -> set[str]:
    """The variables docker-compose.yml cannot do without (``${VAR:?...}``)."""
    found: set[str] = set()
    if isinstance(node, str):
        for match in _REFERENCE.finditer(node):
            if match.group("braced") and (match.group("op") or "").endswith("?"):
                found.add(match.group("braced"))
    elif isinstance(node, Mapping):
        for value in node.values():
            found |= required_variables(value)
    elif isinstance(node, list):
        for value in node:
            found |= required_variables(value)
    return found
