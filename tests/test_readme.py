"""The README and ARCHITECTURE.md name code that exists.

Every import line in the README's Python examples runs, and every module path the
two documents write (``flask_returns.something``) imports, or is an attribute of a
module that does; so a moved module shows up here, not in a reader's traceback.
The README's Layout and ARCHITECTURE.md list every part of the package, and only
parts that exist.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import textwrap
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
PACKAGE = ROOT / "flask_returns"

# A fenced ```python block, at any indentation (list items indent theirs).
PYTHON_BLOCK = re.compile(r"^([ \t]*)```python[ \t]*\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
# ``import x`` or ``from x import y``, a parenthesised list of names included.
IMPORT_LINE = re.compile(
    r"^(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]+)|import[ \t]+[^\n]+)",
    re.MULTILINE,
)
# ``flask_returns.a.b``, not part of a file path (``translations/flask_returns.pot``).
MODULE_PATH = re.compile(r"(?<![\w/.-])flask_returns(?:\.[A-Za-z_]\w*)+")
# Names of files, not modules: the catalogs and the like.
FILE_SUFFIXES = {"pot", "po", "mo", "py", "html", "css", "cfg", "toml", "md"}
# A path to a file or folder of the package, written in backticks.
PACKAGE_FILE = re.compile(r"`(flask_returns/[\w./-]*)`")


def readme_imports() -> list[str]:
    text = README.read_text(encoding="utf-8")
    found: list[str] = []
    for match in PYTHON_BLOCK.finditer(text):
        code = textwrap.dedent(match.group(2))
        found.extend(line.group(0).strip() for line in IMPORT_LINE.finditer(code))
    return found


def module_paths(document: Path) -> list[str]:
    names = MODULE_PATH.findall(document.read_text(encoding="utf-8"))
    return sorted({name for name in names if name.rsplit(".", 1)[1] not in FILE_SUFFIXES})


def spec_of(name: str) -> ModuleSpec | None:
    """Where ``name`` would be imported from; None when there is no such module."""
    try:
        return importlib.util.find_spec(name)
    except ModuleNotFoundError:  # a parent is missing, or is a module, not a package
        return None


def check_ours(name: str, spec: ModuleSpec) -> None:
    """A module of the package must come from this tree: an editable install of another
    copy can answer for names this tree no longer has."""
    if not name.startswith("flask_returns"):
        return
    origin = Path(spec.origin or "").resolve()
    if not origin.is_relative_to(PACKAGE):
        raise ModuleNotFoundError(f"{name} is found only in {origin}, not in {PACKAGE}")


def resolve(dotted: str) -> Any:
    """The module ``dotted`` names, or the attribute of the longest module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        spec = spec_of(name)
        if spec is None:
            continue
        check_ours(name, spec)
        found: Any = importlib.import_module(name)
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(dotted)


def imported_modules(statement: str) -> list[str]:
    """The modules an import statement names, with ``from``'s names that are modules."""
    names: list[str] = []
    for node in ast.walk(ast.parse(statement)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_readme_has_python_examples_with_imports() -> None:
    imports = readme_imports()
    assert "from flask_returns import Returns, Order, OrderLine" in imports
    assert any(line.startswith("from flask_returns.testing import") for line in imports)


@pytest.mark.parametrize("statement", readme_imports())
def test_readme_import_runs(statement: str) -> None:
    for name in imported_modules(statement):
        spec = spec_of(name)
        if spec is not None:
            check_ours(name, spec)
    exec(compile(statement, "README.md", "exec"), {})


@pytest.mark.parametrize(
    ("document", "dotted"),
    [(doc.name, dotted) for doc in (README, ARCHITECTURE) for dotted in module_paths(doc)],
)
def test_module_path_in_the_docs_exists(document: str, dotted: str) -> None:
    try:
        resolve(dotted)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{document} names {dotted}, which does not import: {error}")


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (doc.name, path)
        for doc in (README, ARCHITECTURE)
        for path in sorted(set(PACKAGE_FILE.findall(doc.read_text(encoding="utf-8"))))
    ],
)
def test_package_file_in_the_docs_exists(document: str, path: str) -> None:
    assert (ROOT / path).exists(), f"{document} names {path}, which is not in the tree"


def test_every_path_in_the_architecture_exists() -> None:
    """Paths there are the package's (``refunds/refusals.py``) or the repository's."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    paths = set(re.findall(r"`([\w.-]+/[\w./-]*)`", text))
    assert paths, "ARCHITECTURE.md names no files"
    absent = sorted(
        path for path in paths if not (PACKAGE / path).exists() and not (ROOT / path).exists()
    )
    assert not absent, f"ARCHITECTURE.md names paths that are not in the tree: {absent}"


def rooms() -> set[str]:
    """The package's top-level modules (``cli.py``) and subpackages (``policy/``)."""
    found = {path.name for path in PACKAGE.glob("*.py")}
    return found | {f"{path.parent.name}/" for path in PACKAGE.glob("*/__init__.py")}


def test_the_architecture_names_every_room() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = sorted(room for room in rooms() if f"`{room}" not in text)
    assert not missing, f"ARCHITECTURE.md does not say what these are for: {missing}"


def test_the_readme_layout_is_the_package() -> None:
    section = README.read_text(encoding="utf-8").split("\n## Layout\n", 1)[1]
    tree = re.search(r"^```\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert tree is not None, "README.md's Layout has no tree"
    entries = [line.split()[0] for line in tree.group(1).splitlines() if line.startswith("  ")]
    absent = [entry for entry in entries if not (PACKAGE / entry).exists()]
    assert not absent, f"README.md's Layout lists what the package does not have: {absent}"
    listed = {entry.split("/")[0] + "/" if "/" in entry else entry for entry in entries}
    unlisted = sorted(rooms() - listed)
    assert not unlisted, f"README.md's Layout leaves out: {unlisted}"
