"""The house: one door to storage, and no import cycles.

Nothing outside msp_cli/storage/ imports a database driver or a backend's modules, or holds
SQL text; modules import each other in one direction only.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "msp_cli"
DRIVERS = ("sqlite3", "sqlite_utils", "sqlcipher3", "psycopg")
BACKENDS = ("msp_cli.storage.sqlite", "msp_cli.storage.postgres")
SQL = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER|VIEW)"
    r"|ALTER\s+TABLE|DROP\s+(TABLE|TRIGGER)|PRAGMA\s+\w+|BEGIN\s+IMMEDIATE)\b"
)


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_module(p): p for p in PACKAGE.rglob("*.py")}


def _imports(tree: ast.AST, *, top_level_only: bool) -> set[str]:
    """Modules named by import statements (all of them, or only those run at import time)."""
    found: set[str] = set()
    nodes = ast.walk(tree) if not top_level_only else _top_level(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _top_level(tree: ast.AST) -> list[ast.AST]:
    """Statements run when the module is imported (not inside functions or `if TYPE_CHECKING`)."""
    out: list[ast.AST] = []
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.ClassDef):
            out += _top_level(node)
        out.append(node)
    return out


def _outside_storage() -> dict[str, Path]:
    return {name: path for name, path in _sources().items() if not name.startswith("msp_cli.storage")}


def test_nothing_outside_storage_imports_a_driver_or_a_backend() -> None:
    offenders = []
    for name, path in _outside_storage().items():
        for imported in _imports(ast.parse(path.read_text(encoding="utf-8")), top_level_only=False):
            if imported.split(".")[0] in DRIVERS or imported.startswith(BACKENDS):
                offenders.append(f"{name} imports {imported}")
    assert offenders == []


def test_nothing_outside_storage_holds_sql() -> None:
    offenders = []
    for name, path in _outside_storage().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                offenders.append(f"{name}:{node.lineno}: {node.value[:60]!r}")
    assert offenders == []


def test_the_sql_check_can_fail() -> None:
    assert SQL.search("SELECT id FROM person")
    assert SQL.search("INSERT INTO audit_log (id) VALUES (1)")
    assert not SQL.search("Select the person's outcomes from the list")


def test_no_import_cycles() -> None:
    sources = _sources()
    graph = {
        name: {m for m in _imports(ast.parse(path.read_text(encoding="utf-8")), top_level_only=True) if m in sources}
        for name, path in sources.items()
    }
    cycles = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
