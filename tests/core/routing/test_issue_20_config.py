"""Issue 20: the `routing` sections round-trip through the configuration file and are
checked as the rest of it is."""

from __future__ import annotations

import pytest

from core.owner_config import InvalidConfig, dump, parse

FILE = """\
routing:
  mode: round_robin
  max_open_per_agent: 5
  only_available: true
teams:
  - name: فروش
    members: [sara@shop.example]
    routing:
      mode: manual
"""


def test_routing_round_trips() -> None:
    document = parse(FILE)
    assert document.routing.max_open_per_agent == 5
    assert document.teams[0].routing.mode == "manual"
    assert parse(dump(document)) == document


def test_a_cap_out_of_range_and_an_unknown_mode_are_named_with_their_line() -> None:
    with pytest.raises(InvalidConfig) as bad_cap:
        parse(FILE.replace("max_open_per_agent: 5", "max_open_per_agent: 0"))
    assert str(bad_cap.value) == ("line 3: max_open_per_agent is 1 to 1000, or none for"
                                  " no cap")
    with pytest.raises(InvalidConfig) as bad_mode:
        parse(FILE.replace("mode: manual", "mode: random"))
    assert "line 9" in str(bad_mode.value)
    assert "mode can be: round_robin, manual" in str(bad_mode.value)
