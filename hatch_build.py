"""Build hook: the console's front-end libraries, from npm, into the package.

`pip install` (editable or not) runs this before building. It installs what
`package-lock.json` pins with `npm ci` and copies each file the console serves into
`src/corridor/web/static/vendor/` (ignored by git; nothing of a third party is kept in the
repository). Where npm is missing the build goes on with a warning: the console works
without its scripts, plain forms and links, and its browser tests say what is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

VENDOR = Path("src/corridor/web/static/vendor")
ASSETS = {"htmx.org": ["dist/htmx.min.js"]}
"""npm package → the files of it the console serves, copied flat into VENDOR."""


class ConsoleAssetsHook(BuildHookInterface):  # type: ignore[misc,type-arg,unused-ignore]
    """Copy the console's npm assets into the package before it is built."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        vendor = root / VENDOR
        if not _current(root, vendor):
            npm = shutil.which("npm")
            if npm is None:
                print("warning: npm not found; the console is built without htmx", file=sys.stderr)
                return
            try:
                subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
                    [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                    cwd=root,
                    check=True,
                )
            except (OSError, subprocess.CalledProcessError) as exc:
                # No registry (offline, a proxy): the console still works, without htmx.
                print(
                    f"warning: npm ci failed ({exc}); the console is built without htmx",
                    file=sys.stderr,
                )
                return
            vendor.mkdir(parents=True, exist_ok=True)
            for package, paths in ASSETS.items():
                for path in paths:
                    shutil.copyfile(
                        root / "node_modules" / package / path, vendor / Path(path).name
                    )
            (vendor / "versions.json").write_text(
                json.dumps(_locked(root), indent=1, sort_keys=True) + "\n", encoding="utf-8"
            )
        # Ignored by git, so named here for the wheel to carry them.
        build_data.setdefault("artifacts", []).append(f"/{VENDOR.as_posix()}/*")


def _locked(root: Path) -> dict[str, str]:
    """The version package-lock.json pins for each package the console uses."""
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    return {name: lock["packages"][f"node_modules/{name}"]["version"] for name in ASSETS}


def _current(root: Path, vendor: Path) -> bool:
    """Whether VENDOR already holds the locked versions (no npm run needed)."""
    try:
        copied = json.loads((vendor / "versions.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    files = [vendor / Path(p).name for paths in ASSETS.values() for p in paths]
    return copied == _locked(root) and all(f.exists() for f in files)
