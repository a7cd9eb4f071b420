"""compose.yaml (docs/deploy.md) stays true to the code: every command of the project's image is a
real `rekap` command with real options, every REKAP_* variable is a setting of app/config.py,
every image is pinned by a tag, every long-running service has a healthcheck and every
dependency names a service. `docker compose config -q` runs too where Docker Compose exists."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from app.cli import app as rekap_app
from app.config import Settings

COMPOSE = Path(__file__).parents[1] / "compose.yaml"
OUR_IMAGE = "rekap-audit"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("services")
    return data


def _services() -> dict[str, dict[str, Any]]:
    return dict(_compose()["services"])


def resolve_rekap(args: list[str]) -> list[str]:
    """Problems with `rekap ARGS`: an unknown command or an option the command does not take."""
    assert args and args[0] == "rekap", f"not a rekap command: {args}"
    command: Any = typer.main.get_command(rekap_app)  # Typer's own Click: groups have .commands
    rest = args[1:]
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        if sub is None:
            return [f"rekap has no command {' '.join(args[: args.index(rest[0]) + 1])!r}"]
        command, rest = sub, rest[1:]
    if hasattr(command, "commands"):
        return [f"{' '.join(args)!r} names a group, not a command"]
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    return [
        f"{' '.join(args)!r}: no option {item.split('=')[0]}"
        for item in rest
        if item.startswith("-") and item.split("=")[0] not in known
    ]


def test_every_command_of_our_image_is_a_real_rekap_command() -> None:
    ours = {n: s for n, s in _services().items() if str(s.get("image", "")).startswith(OUR_IMAGE)}
    assert {"migrate", "api-1", "api-2", "worker"} <= set(ours)
    problems = [p for s in ours.values() for p in resolve_rekap(list(s["command"]))]
    assert problems == []


def test_the_command_check_can_fail() -> None:
    assert resolve_rekap(["rekap", "serve", "--port", "1"]) == []
    assert resolve_rekap(["rekap", "server"]) != []
    assert resolve_rekap(["rekap", "worker", "--roles", "ocr"]) != []
    assert resolve_rekap(["rekap", "db"]) != []


def _env_names(data: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for service in data["services"].values():
        env = service.get("environment") or {}
        names |= set(env) if isinstance(env, dict) else {e.split("=")[0] for e in env}
    names |= set(re.findall(r"\b(REKAP_[A-Z0-9_]+)\b", COMPOSE.read_text(encoding="utf-8")))
    return {n for n in names if n.startswith("REKAP_")}


def test_every_rekap_variable_is_a_setting() -> None:
    names = _env_names(_compose())
    assert "REKAP_DATABASE_URL" in names and "REKAP_QUEUE_URL" in names
    fields = {f"REKAP_{name.upper()}" for name in Settings.model_fields}
    assert sorted(names - fields) == []


def test_images_are_pinned_and_long_running_services_have_a_healthcheck() -> None:
    for name, service in _services().items():
        image = str(service.get("image", ""))
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and "/" not in tag, f"{name}: image {image!r}"
        one_shot = service.get("restart") == "no"
        assert one_shot or service.get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
        for dep in service.get("depends_on") or {}:
            assert dep in _services(), f"{name} depends on unknown {dep}"


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="Docker Compose is not installed here (the YAML checks above still ran)",
)
def test_docker_compose_accepts_the_file() -> None:
    env = {"REKAP_SECRET_KEY": "x" * 48, "PATH": "/usr/bin:/bin:/usr/local/bin"}
    done = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
