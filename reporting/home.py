"""Home-page panel of the reporting app: the city's scoreboard, lagging indicators first."""

from __future__ import annotations

from ipops.access import Actor
from reporting import pagedata, rules, selectors

#: Indicators on the home panel; the full scoreboard is one click away.
PANEL_ROWS = 8


def city_scoreboard(actor: Actor) -> dict:
    from reporting.views.pages import _as_of, _status_labels, board_lines

    board = selectors.scoreboard(actor)
    labels = _status_labels()
    counts = board.counts
    return {
        "lines": board_lines(board)[:PANEL_ROWS],
        "as_of": _as_of(board.snapshot),
        "counts": [
            {"status": s, "label": labels[s], "n": counts.get(s, 0), "colour": pagedata.STATUS_COLOURS[s]}
            for s in (rules.AT_RISK, rules.LAGGING, rules.NO_DATA, rules.ON_TRACK, rules.MET)
        ],
    }
