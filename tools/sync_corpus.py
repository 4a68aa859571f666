"""Keep tests/data/corpus in step with the team's shared payload corpus.

The tests read the corpus from inside the repository so that a clone alone passes `make test`.
The team's copy lives in `../shared/corpus` beside the checkout and may grow; this script copies
it in (`python tools/sync_corpus.py`) or only reports what differs (`--check`, exit status 1).
"""
from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
LOCAL = REPO / "tests" / "data" / "corpus"


def differences(source: Path, target: Path) -> list[str]:
    """Files that are new, changed or gone in ``source`` compared with ``target``."""
    found = []
    source_files = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    target_files = {p.relative_to(target) for p in target.rglob("*") if p.is_file()}
    for name in sorted(source_files - target_files):
        found.append(f"new: {name}")
    for name in sorted(target_files - source_files):
        found.append(f"gone: {name}")
    for name in sorted(source_files & target_files):
        if not filecmp.cmp(source / name, target / name, shallow=False):
            found.append(f"changed: {name}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 on a difference")
    parser.add_argument("--source", type=Path, default=SHARED)
    args = parser.parse_args()
    if not args.source.is_dir():
        print(f"no shared corpus at {args.source}", file=sys.stderr)
        return 2
    found = differences(args.source, LOCAL)
    for line in found:
        print(line)
    if args.check or not found:
        return 1 if found else 0
    shutil.rmtree(LOCAL, ignore_errors=True)
    shutil.copytree(args.source, LOCAL)
    for path in LOCAL.rglob("*"):  # the shared copy is read-only; ours is a normal work tree
        path.chmod(0o755 if path.is_dir() else 0o644)
    print(f"copied {len(found)} change(s) into {LOCAL.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
