"""The package has no import cycles (issue #13): the graph of every `import` in `src/motion_smd`, including
imports inside functions, has no strongly connected component of more than one module."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_graph() -> dict[str, set[str]]:
    paths = {}
    for p in (SRC / "motion_smd").rglob("*.py"):
        parts = p.relative_to(SRC).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    graph: dict[str, set[str]] = {m: set() for m in paths}
    for mod, p in paths.items():
        package = mod if p.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    head = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*head, base] if base else head)
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    graph[mod].add(target if target in paths else base)
            elif isinstance(node, ast.Import):
                graph[mod].update(alias.name for alias in node.names)
        graph[mod] = {m for m in graph[mod] if m in paths and m != mod}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_the_package() -> None:
    graph = _module_graph()
    assert "motion_smd.io.bvh" in graph and "motion_smd.io.registry" in graph["motion_smd.io.bvh"]
    assert _cycles(graph) == []


def test_help_imports_neither_scipy_nor_numba() -> None:
    """`smd --help` (and `import motion_smd`) load no SciPy and no numba: the package's names are imported on
    first use (issue #19's fast start)."""
    import subprocess
    import sys

    for args in (["-m", "motion_smd.cli", "--help"], ["-c", "import motion_smd; motion_smd.SMDOptions()"]):
        run = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, check=True)
        modules = [
            line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time")
        ]
        assert len(modules) > 50, run.stderr[-500:]  # the import log was read
        heavy = sorted({m.split(".")[0] for m in modules} & {"scipy", "numba", "torch", "transformers", "matplotlib"})
        assert heavy == [], (args, heavy)
