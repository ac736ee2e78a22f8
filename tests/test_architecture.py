"""The layers of ARCHITECTURE.md hold in the code: every import of the package (at the top of a module or inside a
function) points to its own layer or one below, the add-in never imports the command line, and no two modules or
features import each other, even lazily."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "fitn_xl"
DOC = ROOT / "ARCHITECTURE.md"


def layers() -> tuple[dict[str, int], dict[int, set[int]]]:
    """(unit -> layer, layer -> layers it may import) from the table of ARCHITECTURE.md."""
    unit_layer: dict[str, int] = {}
    allowed: dict[int, set[int]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].isdigit():
            continue
        layer = int(cells[0])
        for unit in re.findall(r"`([a-z_]+)`", cells[1]):
            unit_layer[unit] = layer
        allowed[layer] = {int(x) for x in re.findall(r"\d+", cells[3])}
    return unit_layer, allowed


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every fitn_xl import in the file, top-level or not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("fitn_xl")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("fitn_xl"):
                continue
            # `from . import x` / `from ..pkg import mod` name modules too
            names = [f"{target}.{a.name}" for a in node.names]
            out += [(node.lineno, n if _is_module(n) else target) for n in names]
    return out


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_package_and_module_has_a_layer():
    unit_layer, _ = layers()
    units = {unit_of(module_name(p)) for p in SOURCES} - {""}
    assert units - set(unit_layer) == set(), "add these to the table of ARCHITECTURE.md"
    assert set(unit_layer) - units == set(), "the table of ARCHITECTURE.md names what the package no longer has"


def test_imports_point_down_the_layers():
    unit_layer, allowed = layers()
    wrong = []
    for path in SOURCES:
        source = unit_of(module_name(path))
        if not source:  # the package's face (`fitn_xl.frames`)
            continue
        for line, target in imports(path):
            target_unit = unit_of(target)
            if target_unit in ("", source):
                continue
            if unit_layer[target_unit] not in allowed[unit_layer[source]]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({source}, étage {unit_layer[source]}) importe "
                             f"{target} (étage {unit_layer[target_unit]})")
            if source == "addin" and target_unit in ("cli", "commands"):
                wrong.append(f"{path.relative_to(ROOT)}:{line} : le complément importe la ligne de commande")
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
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

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("level", ["module", "package"])
def test_no_import_cycle_even_through_lazy_imports(level):
    graph: dict[str, set[str]] = defaultdict(set)
    for path in SOURCES:
        source = module_name(path)
        for _, target in imports(path):
            a, b = (source, target) if level == "module" else (unit_of(source), unit_of(target))
            if a != b and "" not in (unit_of(source), unit_of(target)) and not b.startswith(a + "."):
                graph[a].add(b)
    assert _cycles(graph) == []


def test_the_test_sees_lazy_and_relative_imports():
    """The walker is what the other tests trust: it must see an import inside a function, relative ones, and
    `from . import module`."""
    found = dict((t, n) for n, t in imports(PACKAGE / "addin" / "scripts.py"))
    assert "fitn_xl.addin.bookio" in found and "fitn_xl.app" in found
    assert "fitn_xl.ditp.listing" in found  # imported inside prepare_ditp
