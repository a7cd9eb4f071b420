"""`rekap` starts without the heavy libraries: `import app.cli` (what every command, and
`rekap --help`, loads before it runs) must not import OpenCV, NumPy, SQLAlchemy, SQLModel,
FastAPI, Starlette, uvicorn, huey, pydantic or the digit model. Not timed here (the figures are
bench/startup.py's); this only keeps a heavy import from creeping back in."""

import json
import subprocess
import sys

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


def test_rekap_help_loads_none_of_them_either() -> None:
    code = (
        "import sys\nfrom app.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    loaded = set(_loaded_after(code))
    assert "app.cli.importers" in loaded
    assert [m for m in HEAVY if m in loaded] == []
