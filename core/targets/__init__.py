"""Response-time targets per team (first response, next response, resolution), counted in
business hours only:

- `hours.py`: business time between two moments, and when a budget of it runs out;
- `clocks.py`: the target each waiting conversation must meet next, for the inbox;
- `report.py`: the share met per team and agent by Jalali week and month, and its CSV.
"""

from __future__ import annotations

from core.targets.clocks import TargetClock, TargetKind, waiting_clocks
from core.targets.report import ShareRow, Tally, targets_csv, targets_report

__all__ = ["ShareRow", "Tally", "TargetClock", "TargetKind", "targets_csv", "targets_report",
           "waiting_clocks"]
