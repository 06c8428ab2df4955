"""Charts for the PDFs, drawn on the server with matplotlib as inline SVG.

Text stays text (`svg.fonttype = "none"`): WeasyPrint sets it in the CJK font fontconfig finds, so Chinese
labels print sharp and can be searched and copied from the PDF. Figures are built with the
object-oriented API (`matplotlib.figure.Figure`, never pyplot's global state), so concurrent workers and
threads do not share a figure.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

import matplotlib
import numpy as np
from django.utils.safestring import SafeString, mark_safe
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: The font the PDFs use (Debian's fonts-noto-cjk); matplotlib measures the labels with it too.
FONT = "Noto Sans CJK SC"

# Set once per process, before any figure exists: these keys only say how text is written and measured.
matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "ipops",  # the same figure gives the same SVG (ids are hashed with the salt)
        "font.family": "sans-serif",
        "font.sans-serif": [FONT, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 9,
    }
)

STATUS_COLOURS = {
    "met": "#198754",
    "on_track": "#0d6efd",
    "lagging": "#fd7e14",
    "at_risk": "#dc3545",
    "no_data": "#adb5bd",
}


def _svg(fig: Figure) -> SafeString:
    """The figure as an `<svg>` element to inline (no XML prolog, no creation date)."""
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = out.getvalue()
    # matplotlib escapes every label it writes; the element is ours from its first tag.
    return mark_safe(text[text.index("<svg") :])  # noqa: S308 - matplotlib escaped it


def _floats(values: Sequence[float | None]) -> np.ndarray:
    """A series with its gaps as NaN (matplotlib leaves a gap there)."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _frame(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e9ecef", linewidth=0.6)
    ax.set_axisbelow(True)


def status_counts(counts: Sequence[tuple[str, str, int]]) -> SafeString:
    """Indicators per status: (status, label, count), one horizontal bar each."""
    fig = Figure(figsize=(6, 0.45 * max(len(counts), 1) + 0.6))
    ax = fig.subplots()
    labels = [label for _status, label, _n in counts]
    values = [n for _status, _label, n in counts]
    bars = ax.barh(labels, values, color=[STATUS_COLOURS.get(s, "#6c757d") for s, _l, _n in counts])
    ax.bar_label(bars, padding=3)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _frame(ax)
    return _svg(fig)


def progress_bars(rows: Sequence[tuple[str, float | None, str]]) -> SafeString:
    """Each indicator's progress against its trajectory: (name, progress ratio or None, status)."""
    fig = Figure(figsize=(6.6, 0.28 * max(len(rows), 1) + 0.8))
    ax = fig.subplots()
    names = [name for name, _p, _s in rows]
    shown = [min(p, 1.5) * 100 if p is not None else 0 for _n, p, _s in rows]
    ax.barh(names, shown, color=[STATUS_COLOURS.get(s, "#adb5bd") for _n, _p, s in rows], height=0.6)
    ax.axvline(100, color="#495057", linewidth=0.8, linestyle="--")
    ax.invert_yaxis()
    ax.set_xlim(0, 150)
    ax.set_xlabel("%")
    ax.tick_params(axis="y", labelsize=7.5)
    _frame(ax)
    return _svg(fig)


def trajectory(
    months: Sequence[datetime.date],
    actual: Sequence[float | None],
    target: Sequence[float | None],
    *,
    projection: tuple[datetime.date, float] | None,
    labels: tuple[str, str, str],
    unit: str,
) -> SafeString:
    """Actual against the target's trajectory by month, and the projection to plan end (dashed, from the
    last month with an actual)."""
    fig = Figure(figsize=(6.6, 2.8))
    ax = fig.subplots()
    days = np.array(months, dtype="datetime64[D]")
    ax.plot(days, _floats(target), color="#6c757d", linestyle="--", linewidth=1.2, label=labels[1])
    ax.plot(
        days, _floats(actual), color="#0d6efd", marker="o", markersize=2.5, linewidth=1.6, label=labels[0]
    )
    last = next((i for i in range(len(actual) - 1, -1, -1) if actual[i] is not None), None)
    if projection is not None and last is not None:
        ax.plot(
            np.array([months[last], projection[0]], dtype="datetime64[D]"),
            _floats([actual[last], projection[1]]),
            color="#fd7e14",
            linestyle=":",
            linewidth=1.6,
            label=labels[2],
        )
    ax.set_ylabel(unit)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e9ecef", linewidth=0.6)
    fig.autofmt_xdate()
    return _svg(fig)


def monthly_bars(
    labels: Sequence[str], values: Sequence[float], *, unit: str, colour: str = "#0d6efd"
) -> SafeString:
    """One bar per month (a year's deals, a budget's spending)."""
    fig = Figure(figsize=(6.6, 2.4))
    ax = fig.subplots()
    ax.bar(list(labels), list(values), color=colour)
    ax.set_ylabel(unit)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e9ecef", linewidth=0.6)
    ax.set_axisbelow(True)
    return _svg(fig)


def shares_against_floor(
    rows: Sequence[tuple[str, float | None]], floor: float, floor_label: str
) -> SafeString:
    """Shares of spending (as percentages) against their floor (a line)."""
    fig = Figure(figsize=(6, 0.55 * max(len(rows), 1) + 0.7))
    ax = fig.subplots()
    names = [name for name, _v in rows]
    values = [v * 100 if v is not None else 0 for _n, v in rows]
    colours = ["#198754" if v is not None and v >= floor else "#dc3545" for _n, v in rows]
    bars = ax.barh(names, values, color=colours, height=0.5)
    ax.bar_label(bars, labels=[f"{v:.1f}%" for v in values], padding=3)
    ax.axvline(floor * 100, color="#495057", linestyle="--", linewidth=1, label=floor_label)
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    _frame(ax)
    return _svg(fig)
