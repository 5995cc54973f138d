"""Running the installed `corridor` command as a user would, for the CLI tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import typer

from corridor.cli import app

CORRIDOR = shutil.which("corridor")


def all_commands() -> list[list[str]]:
    """Every command and sub-command the `corridor` app registers, as argument lists."""
    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        if path:
            found.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):  # a group's
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def run(
    args: list[str], cwd: Path, url: str | None = None, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `corridor ARGS` with the given database (default: a file in `cwd`) and, when
    given, as `user` (CORRIDOR_USER)."""
    assert CORRIDOR, "the corridor command is not installed (pip install -e .)"
    env = {**os.environ, "CORRIDOR_DATABASE_URL": url or f"sqlite:///{cwd}/corridor.db"}
    env.pop("CORRIDOR_DEBUG", None)
    env.pop("CORRIDOR_USER", None)
    if user:
        env["CORRIDOR_USER"] = user
    return subprocess.run(
        [CORRIDOR, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    """The command failed with exit 1 and one line on stderr that says `text`."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert text in result.stderr
