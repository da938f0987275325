"""A small reader of Asterisk configuration files and of ``extensions.conf``, for the tests.

``sections`` reads any ``.conf`` the way Asterisk's config parser does for what the project's
files use: ``[name]``, ``[name](!)`` / ``[name](template,...)``, ``key = value`` and
``key => value``, comments from an unescaped ``;``. ``Dialplan`` then gives contexts, their
extensions (``exten =>`` with ``same =>`` continuing the last one), each priority's label,
application and data, ``[globals]``, and Asterisk's extension pattern matching (``_X.``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Section:
    name: str
    templates: str
    entries: list[tuple[str, str]] = field(default_factory=list)

    def values(self, key: str) -> list[str]:
        return [v for k, v in self.entries if k == key]


def sections(path: Path) -> list[Section]:
    found: list[Section] = []
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = re.split(r"(?<!\\);", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        header = re.fullmatch(r"\[([^\]]+)\](?:\(([^)]*)\))?", line)
        if header:
            found.append(Section(header.group(1), header.group(2) or ""))
            continue
        match = re.fullmatch(r"([^=]+?)\s*(=>|=)\s*(.*)", line)
        if match is None or not found:
            raise ValueError(f"{path.name}:{lineno}: cannot read {raw!r}")
        found[-1].entries.append((match.group(1).strip(), match.group(3).strip()))
    return found


@dataclass(frozen=True)
class Step:
    priority: int
    label: str
    app: str
    data: str


@dataclass
class Dialplan:
    contexts: dict[str, dict[str, list[Step]]]
    globals: dict[str, str]

    @classmethod
    def read(cls, path: Path) -> Dialplan:
        contexts: dict[str, dict[str, list[Step]]] = {}
        globals_: dict[str, str] = {}
        for section in sections(path):
            if section.name == "general":
                continue
            if section.name == "globals":
                globals_.update(section.entries)
                continue
            extens = contexts.setdefault(section.name, {})
            current: list[Step] | None = None
            for key, value in section.entries:
                if key == "exten":
                    exten, prio, rest = value.split(",", 2)
                    current = extens.setdefault(exten.strip(), [])
                elif key == "same" and current is not None:
                    prio, rest = value.split(",", 1)
                else:
                    continue  # include, switch, ...: not used by the project
                match = re.fullmatch(r"\s*(\d+|n)(?:\(([^)]*)\))?\s*", prio)
                assert match, value
                number = len(current) + 1 if match.group(1) == "n" else int(match.group(1))
                app, _, data = rest.strip().partition("(")
                current.append(Step(number, match.group(2) or "", app.strip(), data[:-1]))
        return cls(contexts, globals_)

    def steps(self) -> list[tuple[str, str, Step]]:
        found = []
        for context, extens in self.contexts.items():
            found += [(context, exten, step) for exten, steps in extens.items() for step in steps]
        return found

    def find(self, context: str, exten: str) -> str | None:
        """The extension of ``context`` that ``exten`` dials (exact names first), or None."""
        extens = self.contexts.get(context, {})
        if exten in extens:
            return exten
        return next((p for p in extens if p.startswith("_") and matches(p, exten)), None)


def matches(pattern: str, exten: str) -> bool:
    """Asterisk's extension patterns: X 0-9, Z 1-9, N 2-9, [..] a class, . one or more, ! zero
    or more (N, X, Z are case-insensitive in Asterisk, as here)."""
    regex = ""
    body = pattern[1:]
    i = 0
    while i < len(body):
        c = body[i]
        if c.upper() in "XZN":
            regex += {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]"}[c.upper()]
        elif c == "[":
            end = body.index("]", i)
            regex += "[" + body[i + 1 : end] + "]"
            i = end
        elif c == ".":
            regex += ".+"
        elif c == "!":
            regex += ".*"
        else:
            regex += re.escape(c)
        i += 1
    return re.fullmatch(regex, exten) is not None
