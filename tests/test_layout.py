"""The package keeps its shape: modules of a readable size, imports that flow one way."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "flask_returns"
# "A module past ~400 lines is asking to be two."
MOST_LINES = 420


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _imports(name: str, path: Path, is_package: bool, modules: dict) -> set[str]:
    """Modules of ours that ``name`` imports when it is loaded (not under TYPE_CHECKING)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            base = name.split(".") if is_package else name.split(".")[:-1]
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def test_no_module_is_past_about_four_hundred_lines():
    long = {
        str(path.relative_to(PACKAGE)): n
        for path, _ in _modules().values()
        if (n := len(path.read_text().splitlines())) > MOST_LINES
    }
    assert long == {}


def test_there_are_no_import_cycles():
    modules = _modules()
    graph = {name: _imports(name, *spec, modules) for name, spec in modules.items()}
    cycles = []
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycles.append([*visiting[visiting.index(name) :], name])
            return
        visiting.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    assert cycles == []


def test_the_cycle_check_can_see_a_cycle(tmp_path):
    # Two modules importing each other are found: the check above can fail.
    modules = {"pkg.a": (tmp_path / "a.py", False), "pkg.b": (tmp_path / "b.py", False)}
    (tmp_path / "a.py").write_text("from . import b\n")
    (tmp_path / "b.py").write_text("from .a import thing\n")
    assert _imports("pkg.a", *modules["pkg.a"], modules) == {"pkg.b"}
    assert _imports("pkg.b", *modules["pkg.b"], modules) == {"pkg.a"}
