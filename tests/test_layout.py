"""The package's layout keeps its promises: imports flow one way through the pipeline's layers, no
module imports itself round in a cycle, the pure core loads without OpenCV or MediaPipe, the top
folder holds only the package's face, and no module grows past 600 lines.

Imports are read from the source with ``ast``, every one of them: at the top of a module, inside a
function (a deferred import is still a dependency) or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "posecheck"
# Lowest first: a module may import its own layer and the layers before it, never one after it.
LAYERS = ("errors", "core", "judge", "config", "io", "synthetic", "draw", "run", "apps")
# The package's face. ``posecheck/__init__.py`` sits below every layer (any module may read its
# ``__version__``), so it imports none of them; ``python -m posecheck`` sits above them all.
ROOT, MAIN = "posecheck", "posecheck.__main__"
FACE = (ROOT, MAIN)
TOP_LEVEL_FILES = {"__init__.py", "__main__.py", "errors.py", "config.py", "py.typed"}
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> str | None:
    """The layer of a module of the package (``None`` for the face)."""
    if module in FACE:
        return None
    return module.split(".")[1]


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` names (relative imports resolved against ``importer``)."""
    if not node.level:
        return node.module or ""
    package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> set[str]:
    """The package's modules that ``module`` imports (a name imported from a package that is itself a
    module counts as that module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            names = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                     for alias in node.names]
        else:
            continue
        for name in names:
            # "import posecheck.core.geometry" names the module; "posecheck.core.geometry.x" is inside it.
            while name and name not in MODULES and "." in name:
                name = name.rpartition(".")[0]
            if name in MODULES and name != module and name.split(".")[0] == "posecheck":
                found.add(name)
    return found


GRAPH: dict[str, set[str]] = {module: _imports(module) for module in MODULES}


def test_every_module_belongs_to_a_layer():
    strays = sorted(m for m in MODULES if m not in FACE and _layer(m) not in LAYERS)
    assert not strays, f"modules outside the layers {LAYERS}: {strays}"


def test_lower_layers_never_import_higher_ones():
    upward = []
    for module, imported in GRAPH.items():
        if _layer(module) not in LAYERS:  # the face, or a stray the test above names
            continue
        rank = LAYERS.index(_layer(module))
        for other in sorted(imported):
            if other == ROOT or (other != MAIN and _layer(other) not in LAYERS):
                continue
            if other == MAIN:
                upward.append(f"{module} imports {MAIN}")
            elif LAYERS.index(_layer(other)) > rank:
                upward.append(f"{module} ({_layer(module)}) imports {other} ({_layer(other)})")
    assert not upward, "imports against the layering " + " < ".join(LAYERS) + ":\n" + "\n".join(upward)


def test_the_package_root_imports_none_of_its_modules():
    assert GRAPH[ROOT] == set(), f"posecheck/__init__.py must stay below every layer: it imports {GRAPH[ROOT]}"


def _cycles() -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in GRAPH[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycles():
    assert _cycles() == []


def test_the_layout_checks_see_the_imports():
    """The import reader finds known edges (so that the checks above cannot pass by reading nothing)."""
    assert "posecheck.core.geometry" in GRAPH["posecheck.core.features"]
    assert "posecheck.judge.exercises.base" in GRAPH["posecheck.judge.exercises.bridge"]
    assert "posecheck.apps.cli" in GRAPH["posecheck.__main__"]
    assert sum(len(imported) for imported in GRAPH.values()) > 2 * len(GRAPH)


def test_the_core_loads_without_opencv_or_mediapipe():
    core = sorted(m for m in MODULES if _layer(m) == "core")
    assert len(core) > 3
    code = ("import importlib, sys\n"
            f"for name in {core!r}:\n"
            "    importlib.import_module(name)\n"
            "print(' '.join(sorted(m for m in ('cv2', 'mediapipe') if m in sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"importing posecheck.core loads {proc.stdout.strip()}"


def test_the_top_folder_holds_only_the_package_face_errors_and_config():
    entries = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    files = {name for name in entries if (PACKAGE / name).is_file()}
    folders = entries - files
    assert files <= TOP_LEVEL_FILES, f"files that belong in a layer's folder: {sorted(files - TOP_LEVEL_FILES)}"
    assert folders <= set(LAYERS), f"folders that are not a layer: {sorted(folders - set(LAYERS))}"


def _too_long() -> dict[str, int]:
    lengths = {str(p.relative_to(REPO)): len(p.read_text(encoding="utf-8").splitlines())
               for p in MODULES.values()}
    return {path: n for path, n in sorted(lengths.items()) if n > MAX_LINES}


TOO_LONG = _too_long()


@pytest.mark.xfail(bool(TOO_LONG), strict=False,
                   reason="modules still over 600 lines until their splits land (issue 11 item 6): "
                          + ", ".join(f"{path} ({n})" for path, n in TOO_LONG.items()))
def test_no_module_over_600_lines():
    assert _too_long() == {}
