"""The layering rules of STYLE.md, checked by parsing imports with ast."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package_dir: Path) -> dict[Path, set[str]]:
    """Top-level module names imported by each Python file under a directory."""
    found: dict[Path, set[str]] = {}
    for path in package_dir.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
    return found


def offenders(package_dir: Path, forbidden: tuple[str, ...]) -> list[str]:
    """Files under package_dir that import any forbidden module (or a submodule of one)."""
    bad = []
    for path, names in imported_modules(package_dir).items():
        for name in names:
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return sorted(bad)


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("ocr", ("app",)),
        (
            "app/domain",
            (
                "fastapi",
                "sqlmodel",
                "sqlalchemy",
                "starlette",
                "ocr",
                "app.models",
                "app.services",
                "app.api",
                "app.db",
            ),
        ),
        ("app/models", ("fastapi", "app.services", "app.api")),
        ("app/services", ("fastapi", "app.api")),
        ("app/api", ("app.web",)),  # the console sits above the API, never below it
    ],
)
def test_layer_does_not_import(package: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(ROOT / package, forbidden) == []


def test_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    # The check itself must be able to fail.
    (tmp_path / "m.py").write_text("import fastapi\nfrom sqlmodel import Session\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert offenders(tmp_path, ("fastapi", "sqlmodel")) == [
            "m.py imports fastapi",
            "m.py imports sqlmodel",
        ]
    finally:
        ROOT = saved


def module_name(path: Path) -> str:
    """The dotted module name of a file under ROOT (a package's __init__ is the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> modules of the same package it imports, at any depth of the file (a lazy import
    inside a function still closes a circle when it runs)."""
    files = {module_name(p): p for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from app.x import y` imports the module app.x.y when there is one.
                subs = {f"{node.module}.{alias.name}" for alias in node.names}
                targets.update(subs & files.keys() or {node.module})
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(cycles)


@pytest.mark.parametrize("package", ["app", "ocr"])
def test_no_import_cycles(package: str) -> None:
    assert import_cycles(import_graph(package)) == []


def test_cycle_finder_sees_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_cli_worker_opens_no_session_and_imports_no_tables() -> None:
    # Its queries live in app/services/ocr_jobs.py, its transactions in app/worker/reread.py.
    names = imported_modules(ROOT / "app" / "cli").get(ROOT / "app" / "cli" / "worker.py", set())
    forbidden = ("app.models", "app.db", "sqlmodel", "sqlalchemy")
    assert sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)) == []


def test_ocr_top_level_holds_the_reader_only() -> None:
    # Every module beside ocr/__init__.py is one read_page needs; the form generator, the
    # synthetic benchmark and tools live in subpackages (ocr/forms, ocr/bench, ocr/tools).
    graph = import_graph("ocr")
    seen, todo = {"ocr"}, ["ocr"]
    while todo:
        for child in graph[todo.pop()] - seen:
            seen.add(child)
            todo.append(child)
    top = {module_name(p) for p in (ROOT / "ocr").glob("*.py")}
    assert sorted(top - seen) == []
