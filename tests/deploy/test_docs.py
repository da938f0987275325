"""docs/deploy.md names files, variables and services that exist (a renamed one breaks this)."""

from __future__ import annotations

import re

from pydantic import BaseModel

from callcenter.settings import Settings
from tests.deploy import stack

DOC = (stack.ROOT / "docs" / "deploy.md").read_text()


def is_setting(variable: str) -> bool:
    """CALLCENTER_<SECTION>__<FIELD> names a field of callcenter's Settings."""
    section, _, field = variable.removeprefix("CALLCENTER_").lower().partition("__")
    info = Settings.model_fields.get(section)
    model = info.annotation if info else None
    return isinstance(model, type) and issubclass(model, BaseModel) and field in model.model_fields


def test_every_repository_path_the_guide_names_exists() -> None:
    paths = set(re.findall(r"`((?:deploy|asterisk|dialplans|tests|docs)/[\w./-]*)`", DOC))
    assert "deploy/new-room-env.sh" in paths
    missing = [p for p in sorted(paths) if not list(stack.ROOT.glob(p.rstrip("/")))]
    # room.env and the certificates are the site's, made by the administrator
    assert set(missing) <= {"deploy/room.env", "deploy/certs/room.crt", "deploy/certs/room.key"}


def test_the_guide_uses_the_stacks_names() -> None:
    data = stack.compose()
    example = stack.read_env_file(stack.ENV_EXAMPLE)
    verbs = r"`dc (?:logs|exec|restart|up -d|stop|start|run --rm) (?:(?:-T|--build) )?([a-z-]+)"
    named = re.findall(verbs, DOC)
    assert {"asterisk", "callcenter", "proxy", "migrate"} <= set(named)
    for name in named:
        assert name in data["services"], name
    for variable in set(re.findall(r"\b((?:CALLCENTER|ROOM|PROXY)_[A-Z0-9_]+)\b", DOC)):
        dialplan = variable in ("CALLCENTER_HOST", "CALLCENTER_AGI_PORT")  # extensions.conf
        assert variable in example or is_setting(variable) or dialplan, variable
    for heading in (
        "One machine",
        "Several machines",
        "Backups",
        "Upgrades",
        "Logs",
        "Metrics",
        "The seats' certificate",
        "Go-live checklist",
    ):
        assert re.search(rf"^## {re.escape(heading)}", DOC, re.M), heading
