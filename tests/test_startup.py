"""`rekap` starts without the heavy libraries: `import app.cli` (what every command, and
`rekap --help`, loads before it runs) must not import OpenCV, NumPy, SQLAlchemy, SQLModel,
FastAPI, Starlette, uvicorn, huey, pydantic or the digit model. Not timed here (the figures are
bench/startup.py's); this only keeps a heavy import from creeping back in, for `rekap --help` and
each sub-command's help."""

import json
import subprocess
import sys

import pytest

HEAVY = (
    "cv2", "numpy", "sqlalchemy", "sqlmodel", "fastapi", "starlette", "uvicorn", "huey",
    "pydantic", "pydantic_settings", "psycopg", "PIL", "boto3", "redis", "jinja2", "alembic",
    "app.db", "app.models", "app.config", "ocr.pipeline", "ocr.digits",
)  # fmt: skip


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_none_of_the_heavy_libraries() -> None:
    loaded = set(_loaded_after("import app.cli"))
    assert "typer" in loaded  # the probe really imported the command line
    assert [m for m in HEAVY if m in loaded] == []


def _after_rekap(*args: str) -> set[str]:
    code = (
        "import sys\nfrom app.cli import app\n"
        f"try:\n    app({list(args)!r})\nexcept SystemExit:\n    pass"
    )
    return set(_loaded_after(code))


def test_rekap_help_loads_none_of_them_either() -> None:
    loaded = _after_rekap("--help")
    assert "app.cli.importers" in loaded
    assert [m for m in HEAVY if m in loaded] == []


@pytest.mark.parametrize(
    "args",
    [("db", "--help"), ("serve", "--help"), ("import", "sirekap", "--help"),
     ("audit", "verify", "--help"), ("ocr", "reread", "--help")],
)  # fmt: skip
def test_sub_command_help_loads_none_of_them_nor_the_progress_bar(args: tuple[str, ...]) -> None:
    # typer coerces parameters with pydantic: an unset option must not build that coercion.
    loaded = _after_rekap(*args)
    assert "typer.core" in loaded
    assert [m for m in (*HEAVY, "rich.progress", "ctypes") if m in loaded] == []


def test_a_value_given_is_still_checked_by_typer() -> None:
    # The deferred coercion of an option still refuses what is not a number.
    done = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "audit", "chain",
         "--timeout", "soon"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--timeout" in done.stderr and "number" in done.stderr


def test_a_typer_whose_internals_moved_keeps_its_own_coercion() -> None:
    # The deferral depends on typer 0.29's private RuntimeParam; another shape leaves typer alone.
    code = (
        "import dataclasses, typer._coercion as c, typer.core as core\n"
        "@dataclasses.dataclass(frozen=True)\n"
        "class Moved:\n"
        "    annotation: object\n"
        "c.RuntimeParam = Moved\n"
        "before = core._TyperParameter.get_runtime_param\n"
        "from app.cli.lazy import defer_typer_coercion\n"
        "defer_typer_coercion()\n"
        "assert core._TyperParameter.get_runtime_param is before\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
