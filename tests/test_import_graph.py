"""The import graph of the ``callcenter`` package: no cycles, nothing imports the composition root.

The graph is read from the source with ``ast`` (nothing is imported), so an import hidden inside a
function counts as much as one at the top of a module, and so does an import under
``if TYPE_CHECKING:``: a type-only import is still a dependency of the module's meaning, and the
cycles it closes (a registry and its handlers, an engine and its parts) are the ones this test is
here to keep out. ``from package import name`` depends on ``package.name`` when that is a module,
otherwise on ``package`` (its ``__init__``).

Two levels are checked:

- modules: no module reaches itself through its imports;
- packages: the first-level parts of ``callcenter`` (``ami``, ``dispatch``, ``storage``, ... and
  the top modules such as ``settings``) form no cycle either, so that layers stay layers.

The composition root is ``callcenter.app`` (one function per command: Settings in, a process
run and stopped) and the command line that hands Settings to it (``callcenter.cli``,
``callcenter.__main__``): only they may import ``callcenter.app``, and nothing imports the
command line but ``__main__``. The composition layer they use, ``callcenter.assembly`` (each
role's parts and lifecycle), is imported by them and by the demo only. Alembic's migration
scripts are not part of the graph (Alembic loads them by path).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import callcenter

PACKAGE = Path(callcenter.__file__).parent
COMPOSITION_ROOT = {"callcenter.app", "callcenter.cli", "callcenter.__main__"}
# Who may import each member of the composition root.
ROOT_IMPORTERS = {
    "callcenter.app": {"callcenter.cli"},
    "callcenter.cli": {"callcenter.__main__"},
    "callcenter.__main__": set(),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def imported_names(name: str, path: Path) -> Iterator[str]:
    """Every ``callcenter`` name this module imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # ``from x import y``: the module x.y if there is one, else x (resolved below).
            yield from (f"{source}.{a.name}" for a in node.names)


def graph() -> dict[str, set[str]]:
    known = modules()

    def resolve(imported: str) -> str | None:
        while imported and imported not in known:
            imported = imported.rpartition(".")[0]
        return imported or None

    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = {resolve(i) for i in imported_names(name, path) if i.startswith("callcenter")}
        edges[name] = {t for t in targets if t is not None and t != name}
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only the components with more than one member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def layer(name: str) -> str:
    """``callcenter.dispatch.desk`` -> ``dispatch``; ``callcenter.settings`` -> ``settings``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else name


def layer_graph(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    layers: dict[str, set[str]] = {}
    for source, targets in edges.items():
        deps = layers.setdefault(layer(source), set())
        deps.update(layer(t) for t in targets if layer(t) != layer(source))
    return layers


def test_the_reader_sees_imports_inside_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "from callcenter.settings import Settings\n"
        "if TYPE_CHECKING:\n"
        "    from callcenter.room import Room\n"
        "def f():\n"
        "    import callcenter.cli\n"
        "    from ..agi.server import FastAgiServer\n"
    )
    names = set(imported_names("callcenter.pipeline.sample", source))
    assert {"callcenter.pipeline.sibling", "callcenter.room.Room", "callcenter.cli"} <= names
    assert "callcenter.settings.Settings" in names
    assert "callcenter.agi.server.FastAgiServer" in names


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert strongly_connected(edges) == [["a", "b", "c"]]


def test_no_module_import_cycle() -> None:
    assert strongly_connected(graph()) == []


def test_no_cycle_between_layers() -> None:
    assert strongly_connected(layer_graph(graph())) == []


def test_only_the_entry_points_import_the_composition_root() -> None:
    edges = graph()
    assert set(ROOT_IMPORTERS) == COMPOSITION_ROOT
    for root, allowed in ROOT_IMPORTERS.items():
        importers = {m for m, deps in edges.items() if root in deps}
        assert importers <= allowed, f"{sorted(importers - allowed)} import {root}"


def test_only_the_composition_root_and_the_demo_use_the_assemblies() -> None:
    """``callcenter.assembly`` builds processes: the parts it assembles never reach back."""
    outside = {
        source
        for source, targets in graph().items()
        if not source.startswith("callcenter.assembly")
        and any(t.startswith("callcenter.assembly") for t in targets)
    }
    assert outside <= {*COMPOSITION_ROOT, "callcenter.demo"}


def test_the_graph_covers_the_package() -> None:
    edges = graph()
    assert len(edges) > 100
    assert "callcenter.storage.store" in edges["callcenter.app"]  # from ... import open_store
    assert "callcenter.sim.options" in edges["callcenter.cli"]  # inside a function
    assert "callcenter.ami.translate.translator" in edges["callcenter.ami.translate"]
