"""The package's structure: data flows one way, so no module imports one that
imports it back, not even from inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

from prepdeck.targets import REGISTRY

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "prepdeck"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports, anywhere in its source (module level,
    inside functions, under TYPE_CHECKING), plus the writers the target registry
    imports by name."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                # `from prepdeck import lock` imports the module prepdeck.lock
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    for target in REGISTRY.values():
        graph["prepdeck.targets"].add(target.writer.partition(":")[0])
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    assert "prepdeck.artifacts" in graph["prepdeck.anki"]  # the graph sees real imports
    assert "prepdeck.pdf.booklet" in graph["prepdeck.targets"]
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_function_level_cycle() -> None:
    # What the structure issue found: build imported the writers inside a function,
    # and the writers imported build back.
    graph = {"build": {"anki"}, "anki": {"lock", "build"}, "lock": set()}
    assert cycles(graph) == [["anki", "build"]]


def test_writers_and_the_lock_import_the_shared_vocabulary_not_build() -> None:
    graph = import_graph()
    below_build = {"prepdeck.anki", "prepdeck.lock", "prepdeck.targets", "prepdeck.artifacts"}
    below_build |= {t.writer.partition(":")[0] for t in REGISTRY.values()}
    for name in below_build:
        assert "prepdeck.build" not in graph[name], name
    assert "prepdeck.load" not in graph["prepdeck.build"]


def test_every_registered_writer_exists() -> None:
    for target in REGISTRY.values():
        writer = target.load_writer()
        assert callable(writer), target.name


def readme_module_map() -> list[str]:
    readme = (PACKAGE.parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("one module per pipeline stage", 1)[1].split("```", 2)[1]
    return [line.split()[0] for line in block.splitlines() if line and not line[0].isspace()]


def test_the_readme_module_map_lists_every_module_below_what_it_imports() -> None:
    entries = readme_module_map()

    def entry(module: str) -> str | None:
        parts = module.split(".")[1:]
        if not parts or parts == ["__main__"]:
            return None
        return f"{parts[0]}.py" if (PACKAGE / f"{parts[0]}.py").is_file() else f"{parts[0]}/"

    graph = import_graph()
    assert sorted(entries) == sorted({e for m in graph if (e := entry(m))})
    for module, imported in graph.items():
        for other in imported:
            here, there = entry(module), entry(other)
            if here and there and here != there:
                assert entries.index(there) < entries.index(here), (module, other)
