"""Issue 13: a new platform is one adapter. A copy of the repository gets the dummy
platform (tests/adapters/dummy_platform) as adapters/dummy, one enum member and one
registry entry, and nothing else; the whole app then serves it (in_copy.py)."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DUMMY = Path(__file__).resolve().parent / "dummy_platform"
# What a copy needs to run the app and its test helpers; not the venv, data or corpus.
COPIED = ("adapters", "admin_panel", "bots", "core", "flows", "locales", "migrations",
          "pyproject.toml")
TEST_FILES = ("tests/__init__.py", "tests/conftest.py", "tests/waits.py",
              "tests/integration/__init__.py",
              "tests/integration/helpers.py", "tests/panel/__init__.py",
              "tests/panel/helpers.py", "tests/panel/owner_helpers.py")


def _copy(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    for name in TEST_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)


def _replace_once(path: Path, anchor: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert anchor in text, f"{anchor!r} not in {path}"
    path.write_text(text.replace(anchor, replacement, 1), encoding="utf-8")


def add_dummy_platform(copy: Path) -> None:
    """Exactly what the README says adding a platform takes: a folder under adapters/, an
    enum member, a registry entry (strings aside: the dummy's are shown untranslated)."""
    (copy / "adapters" / "dummy").mkdir()
    shutil.copy2(DUMMY / "adapter.py", copy / "adapters" / "dummy" / "__init__.py")
    _replace_once(copy / "core" / "events.py", '    WEBCHAT = "webchat"\n',
                  '    WEBCHAT = "webchat"\n    DUMMY = "dummy"\n')
    registry = copy / "adapters" / "__init__.py"
    _replace_once(registry, "from adapters.instagram import INSTAGRAM\n",
                  "from adapters.dummy import DUMMY\nfrom adapters.instagram import INSTAGRAM\n")
    _replace_once(registry, "    Platform.INSTAGRAM: INSTAGRAM,\n",
                  "    Platform.INSTAGRAM: INSTAGRAM,\n    Platform.DUMMY: DUMMY,\n")


def touched(original: Path, copy: Path) -> set[str]:
    """Files of the copy that are new or differ from the original."""
    changed: set[str] = set()
    for path in copy.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(copy)
            source = original / relative
            if not source.is_file() or not filecmp.cmp(source, path, shallow=False):
                changed.add(relative.as_posix())
    return changed


def test_issue_13_a_dummy_platform_needs_only_its_adapter(tmp_path):
    copy = tmp_path / "pasokh"
    _copy(copy)
    (copy / "tests" / "adapters").mkdir(parents=True)
    add_dummy_platform(copy)
    assert touched(ROOT, copy) == {"adapters/dummy/__init__.py", "core/events.py",
                                   "adapters/__init__.py"}

    in_copy = copy / "tests" / "adapters" / "test_dummy_in_copy.py"
    shutil.copy2(DUMMY / "in_copy.py", in_copy)
    environment = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not browser",
         "--rootdir", str(copy), str(in_copy)],
        cwd=copy, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout
