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
