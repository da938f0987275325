"""Issue 17: the two images, read as Docker reads their Dockerfiles (no Docker here): stages,
what the final stages contain and run as, and what the build context leaves out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy import stack

ROOT = stack.ROOT
COMPILERS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|make|[a-z0-9.+-]+-dev)\b")


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def stages(path: Path) -> list[Stage]:
    """FROM-separated stages; continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    found: list[Stage] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            found.append(Stage(base.strip(), name.strip()))
        elif found:
            found[-1].instructions.append((keyword, re.sub(r"\s+", " ", args.strip())))
    return found


def test_callcenter_image_builds_web_and_wheels_and_runs_neither() -> None:
    web, wheels, final = stages(ROOT / "Dockerfile")
    assert (web.name, wheels.name, final.name) == ("web", "wheels", "final")
    assert web.base == "${NODE_IMAGE}" and any("npm run build" in r for r in web.all("RUN"))
    assert any("npm ci" in r for r in web.all("RUN"))
    assert any(c.startswith("--from=web ") for c in wheels.all("COPY"))
    assert any("pip wheel" in r for r in wheels.all("RUN"))
    # the final stage installs the wheels, offline, and copies nothing else from the builds
    (install,) = [r for r in final.all("RUN") if "pip install" in r]
    assert "from=wheels" in install and "--no-index" in install
    assert not any("--from=" in c for c in final.all("COPY"))
    assert not any(COMPILERS.search(r) for r in final.all("RUN") if "apt-get" in r)
    assert not any("apt-get" in r for r in final.all("RUN"))


def test_callcenter_image_runs_as_a_user_and_checks_readyz() -> None:
    final = stages(ROOT / "Dockerfile")[-1]
    (user,) = final.all("USER")
    assert user.split(":")[0] not in ("root", "0", "")
    name = user.split(":")[0]
    assert any("useradd" in r and r.endswith(f" {name}") for r in final.all("RUN")), name
    (check,) = final.all("HEALTHCHECK")
    assert "callcenter-healthcheck.py" in check
    assert "/readyz" in (ROOT / "deploy" / "healthcheck.py").read_text()
    env = " ".join(final.all("ENV"))
    assert "CALLCENTER_AGI__HOST=0.0.0.0" in env and "CALLCENTER_API__HOST=0.0.0.0" in env
    assert final.all("ENTRYPOINT") == ['["callcenter-entrypoint"]']
    assert {p for e in final.all("EXPOSE") for p in e.split()} == {"8000", "4573"}


def test_asterisk_image_is_a_pinned_source_build_with_the_project_config() -> None:
    build, final = stages(ROOT / "asterisk" / "Dockerfile")
    version = next(a for a in build.all("ARG") if a.startswith("ASTERISK_VERSION="))
    assert re.fullmatch(r"ASTERISK_VERSION=20\.\d+\.\d+", version)
    script = " ".join(build.all("RUN"))
    assert "sha256sum -c" in script and "--with-pjproject-bundled" in script
    for module in ("res_config_pgsql", "cel_pgsql"):
        assert f"--enable {module}" in script
    assert "--disable BUILD_NATIVE" in script
    copies = final.all("COPY")
    assert "asterisk/*.conf /usr/share/callcenter/asterisk/" in copies
    assert "dialplans/extensions.conf /usr/share/callcenter/dialplans/extensions.conf" in copies
    assert not any(COMPILERS.search(r) for r in final.all("RUN"))
    assert final.all("HEALTHCHECK") and final.all("ENTRYPOINT") == ['["asterisk-entrypoint"]']
    (cmd,) = final.all("CMD")
    assert '"-U", "asterisk"' in cmd and '"-f"' in cmd  # drops root itself, foreground


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(exclude?, pattern) per line; Docker's rules: relative to the context, ``**`` any
    depth, a matching directory excludes all below it, the last matching line wins."""
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclude = not line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
        rules.append((exclude, re.compile(regex + "(?:/.*)?")))
    return rules


def ignored(path: str) -> bool:
    verdict = False
    for exclude, pattern in dockerignore_rules():
        if pattern.fullmatch(path):
            verdict = exclude
    return verdict


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        "web/node_modules/vite/package.json",
        "node_modules/x",
        "data/callcenter.db",
        ".git/HEAD",
        "deploy/room.env",
        "deploy/certs/room.key",
        "callcenter/webapp/index.html",
        "callcenter/__pycache__/app.cpython-311.pyc",
    ],
)
def test_the_build_context_leaves_out(path: str) -> None:
    assert ignored(path)


def copied_sources() -> list[str]:
    sources = []
    for dockerfile in (ROOT / "Dockerfile", ROOT / "asterisk" / "Dockerfile"):
        for stage in stages(dockerfile):
            for args in stage.all("COPY"):
                words = [w for w in args.split() if not w.startswith("--")]
                if any(w.startswith("--from=") for w in args.split()):
                    continue
                sources += words[:-1]
    return sources


def test_everything_the_images_copy_is_in_the_build_context() -> None:
    sources = copied_sources()
    assert "deploy/check-secrets.sh" in sources and "pyproject.toml" in sources
    for source in sources:
        assert not ignored(source.rstrip("/")), source
        if source.startswith("web/"):
            continue  # the web app (web/package.json, lock file) comes with the panels' branch
        assert list(ROOT.glob(source.rstrip("/"))), source
    for path in ("callcenter/app.py", "asterisk/pjsip.conf", "web/src/main.tsx", "README.md"):
        assert not ignored(path), path
