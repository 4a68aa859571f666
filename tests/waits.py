"""How long a test waits for what the service does in the background before it fails.

A wait ends as soon as its condition holds, so a long deadline costs a passing test nothing;
only a failing one waits it out. The deadlines written in the tests are what a quiet machine
needs. They are multiplied by `PASOKH_TEST_WAIT_SCALE` (3 unless set), because `make test`
runs its workers side by side on a shared 2-core machine, where a page, a child process or
Chromium can take several times as long: a deadline met on a quiet machine and missed under
load is a failed CI run and nothing learned. Tests never assert on time; a deadline only
bounds a wait (`tests.integration.helpers.eventually`, the fakes' `wait_for`, and Playwright's
waits through `tests.browser.conftest.wait_ms`)."""

from __future__ import annotations

import os

SCALE = float(os.environ.get("PASOKH_TEST_WAIT_SCALE") or 3)


def patience(seconds: float) -> float:
    """The deadline for a wait that takes at most `seconds` on a quiet machine."""
    return seconds * SCALE
