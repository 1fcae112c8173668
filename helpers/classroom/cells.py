"""What grading runs: the parameters, the exercise imports, the exercise cells, and what they
use.

The rule works on a student's edited notebook as it is, with no tags: each code cell is parsed
(IPython magics translated first) for the names it binds, the names it changes in place
(``results["x"] = ...``, ``model.eval()``) and the names it uses before binding them. Starting
from the cells that must run, every used name pulls in the latest earlier cell that binds it
and the cells in between that change it, recursively. Names bound by imports are not tracked
as changed (``torch.manual_seed(0)`` does not pull cells in). The cells pulled in that way run
only their statements that bind or change a name needed later: a lesson's plots, prints and
unused imports are skipped. The cells that must run, run whole.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, replace

from IPython.core.inputtransformer2 import TransformerManager

_KNOWN = set(dir(builtins)) | {"get_ipython", "display", "In", "Out", "exit", "quit"}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class CellNames:
    """The names one cell binds, changes in place, imports and uses from earlier cells."""

    binds: frozenset[str] = frozenset()
    changes: frozenset[str] = frozenset()
    imports: frozenset[str] = frozenset()
    uses: frozenset[str] = frozenset()


def parse(text: str) -> ast.Module | None:
    """Return the syntax tree of a cell (magics translated), or None when it does not parse."""
    try:
        return ast.parse(TransformerManager().transform_cell(text))
    except (SyntaxError, ValueError):
        return None


def _module_level(nodes: list[ast.AST]):
    """Yield the nodes of module scope: not inside functions, classes or comprehensions."""
    for node in nodes:
        yield node
        if not isinstance(node, _SCOPES + _COMPREHENSIONS):
            yield from _module_level(list(ast.iter_child_nodes(node)))


def _base_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _bindings(tree: ast.Module) -> tuple[dict[str, int], set[str], set[str]]:
    """Return {bound name: first line}, the imported names and the names changed in place."""
    bound: dict[str, int] = {}
    imports, changes = set(), set()
    for node in _module_level(tree.body):
        names = []
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names = [node.id]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
            imports.update(names)
        elif isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.ctx, ast.Store):
            changes.add(_base_name(node))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            if isinstance(node.value.func, ast.Attribute):
                changes.add(_base_name(node.value.func))
        for name in names:
            bound.setdefault(name, node.lineno)
    return bound, imports, changes - {None}


def _local_names(node: ast.AST) -> set[str]:
    """Return the names local to a function, lambda or comprehension."""
    names = set()
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        arguments = node.args
        every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
        every += [arg for arg in (arguments.vararg, arguments.kwarg) if arg]
        names = {arg.arg for arg in every}
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.add(child.id)
    return names


def _free_loads(node: ast.AST, local: frozenset[str] = frozenset()):
    """Yield (line, name) for each name read that is not local to an enclosing function."""
    if isinstance(node, _SCOPES + _COMPREHENSIONS):
        local = local | _local_names(node)
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
        yield node.lineno, node.id
    for child in ast.iter_child_nodes(node):
        yield from _free_loads(child, local)


def cell_names(text: str) -> CellNames:
    """Return what a cell binds, changes, imports and uses from earlier cells."""
    tree = parse(text)
    if tree is None:
        return CellNames()
    bound, imports, changes = _bindings(tree)
    uses = {
        name
        for line, name in _free_loads(tree)
        if name not in _KNOWN and line <= bound.get(name, line)
    }
    return CellNames(frozenset(bound), frozenset(changes), frozenset(imports), frozenset(uses))


def _providers(name: str, before: int, names: dict[int, CellNames], imported: set[str]):
    """Return the earlier cells that give `name` its value at cell `before`."""
    found = []
    for index in sorted((i for i in names if i < before), reverse=True):
        if name in names[index].binds:
            return [*found, index]
        if name in names[index].changes and name not in imported:
            found.append(index)
    return found


def select_cells(sources: dict[int, str], targets: set[int]) -> list[int]:
    """Return, in notebook order, the code cells needed to run the cells `targets`."""
    names = {index: cell_names(text) for index, text in sources.items()}
    imported = set().union(*(cell.imports for cell in names.values()))
    selected: set[int] = set()
    queue = sorted(targets & set(names))
    while queue:
        index = queue.pop()
        if index in selected:
            continue
        selected.add(index)
        for name in names[index].uses:
            queue.extend(_providers(name, index, names, imported))
    return sorted(selected)


def _statements(text: str) -> list[tuple[str, CellNames]]:
    """Return a cell's top-level statements (magics translated) with their names."""
    try:
        code = TransformerManager().transform_cell(text)
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return [(text, cell_names(text))]
    found = []
    for node in tree.body:
        segment = ast.get_source_segment(code, node) or ""
        star = isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        names = cell_names(segment)
        found.append((segment, replace(names, binds=names.binds | {"*"}) if star else names))
    return found


def _slice(text: str, needed: set[str], imported: set[str]) -> tuple[str, set[str]]:
    """Return the statements of a cell that give `needed` names their values, and their uses."""
    kept, needed, uses = [], set(needed), set()
    for segment, names in reversed(_statements(text)):  # a statement may need an earlier one
        if names.binds & (needed | {"*"}) or (names.changes - imported) & needed:
            kept.append(segment)
            needed |= names.uses
            uses |= names.uses
    return "\n".join(reversed(kept)), uses


def plan_code(sources: dict[int, str], whole: set[int]) -> dict[int, str]:
    """Return {cell: code to run}, in notebook order: `whole` cells and what they need."""
    selected = select_cells(sources, whole)
    names = {index: cell_names(sources[index]) for index in selected}
    imported = set().union(*(cell.imports for cell in names.values()))
    needed: set[str] = set()
    code: dict[int, str] = {}
    for index in reversed(selected):
        if index in whole:
            code[index], needed = sources[index], needed | names[index].uses
            continue
        text, uses = _slice(sources[index], needed, imported)
        if text:
            code[index], needed = text, needed | uses
    return dict(sorted(code.items()))
