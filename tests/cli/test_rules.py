"""Rules of the command line: exit statuses come from the error classes and agree with their
HTTP statuses; only app/cli/failures.py turns errors into exits; every list and show command
has --json; the README's table names every exit status; start-up loads no heavy library."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from app.cli import app as rekap
from app.errors import AppError, ExitCode

ROOT = Path(__file__).resolve().parents[2]
# The exit status an HTTP status implies; any other 4xx/5xx of a client's error is bad input.
BY_STATUS = {
    404: ExitCode.NOT_FOUND,
    409: ExitCode.CONFLICT,
    503: ExitCode.UNAVAILABLE,
    401: ExitCode.REFUSED,
    403: ExitCode.REFUSED,
    429: ExitCode.REFUSED,
}


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def error_classes() -> list[type[AppError]]:
    """AppError and every subclass defined in app.errors or anywhere imported."""
    import app.main  # noqa: F401  (imports every module that may define one)

    return [AppError, *_subclasses(AppError)]


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.__name__)
def test_an_errors_exit_status_agrees_with_its_http_status(cls: type[AppError]):
    assert isinstance(cls.exit_code, ExitCode)
    assert cls.exit_code == BY_STATUS.get(cls.status_code, ExitCode.BAD_INPUT)


def catchers_of_app_errors(tree: ast.AST, names: set[str]) -> list[int]:
    """Lines of `except` clauses that catch one of the named error classes."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
            caught |= {n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute)}
            if caught & names:
                lines.append(node.lineno)
    return lines


def test_only_the_failure_mapping_turns_app_errors_into_exits():
    names = {c.__name__ for c in error_classes()}
    offenders = []
    for path in sorted((ROOT / "app" / "cli").glob("*.py")):
        if path.name == "failures.py":
            continue
        for line in catchers_of_app_errors(ast.parse(path.read_text()), names):
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == [], "let the error reach app/cli/failures.py (its exit status)"


def test_the_catcher_check_can_fail():
    code = "try:\n    f()\nexcept (ValueError, errors.NotFound):\n    pass\n"
    assert catchers_of_app_errors(ast.parse(code), {"NotFound"}) == [3]


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = []
    for name, command in getattr(group, "commands", {}).items():
        found.append(((*path, name), command))
        found += _commands(command, (*path, name))
    return found


def test_every_list_and_show_command_has_json():
    commands = _commands(typer.main.get_command(rekap))
    listing = [(p, c) for p, c in commands if p[-1] in ("list", "show")]
    assert len(listing) >= 6  # users, keys, discrepancies ×2, jobs ×2
    missing = [" ".join(p) for p, c in listing if not any("--json" in o.opts for o in c.params)]
    assert missing == []


def test_the_readme_names_every_exit_status():
    readme = (ROOT / "README.md").read_text()
    table = dict(re.findall(r"^\| `(\d+)` \| ([^|]+) \|", readme, flags=re.MULTILINE))
    assert sorted(int(code) for code in table) == sorted(int(c) for c in ExitCode)


def test_starting_rekap_loads_neither_the_web_framework_nor_opencv_nor_alembic():
    # Start-up time: these load in the commands that use them (serve, ocr read, forms, db).
    code = "import sys, app.cli; print(sorted(m for m in HEAVY if m in sys.modules))"
    heavy = "HEAVY = ('fastapi', 'cv2', 'numpy', 'alembic')\n"
    done = subprocess.run(
        [sys.executable, "-c", heavy + code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]"
