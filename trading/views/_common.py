"""What several page modules share: running one service for a form post, the query string without
its page, what a sent offer says, the yearly amounts chart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ipops.errors import ApplicationError, NotFound, PermissionDenied
from ipops.money import display_money, to_wan


def _query_string(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _act(request, fn, back: str, done: Callable[[Any], str] | None = None):
    """Run one service for a form post; business errors come back as a message on the page, success as
    `done(what the service returned)` when given."""
    try:
        result = fn()
    except (PermissionDenied, NotFound):
        raise
    except ApplicationError as exc:
        details = [str(e.get("detail")) for errs in exc.fields.values() for e in errs if e.get("detail")]
        messages.error(request, " ".join([str(exc.message), *details]))
    else:
        if done is not None:
            messages.success(request, done(result))
    return redirect(back)


def _offer_sent(offer) -> str:
    return _("Your offer of %(price)s is sent; the other side answers it.") % {
        "price": display_money(offer.price)
    }


def _yearly_amounts_chart(years, *series) -> dict:
    """ECharts option: amounts per year as bars in 万元, `series` = (name, amounts, colour), stacked when
    several. Floats only for drawing; the table beside each chart shows the exact amounts and counts."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "show": len(series) > 1},
        "grid": {"left": 60, "right": 10, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": _("10k CNY")},
        "series": [
            {
                "name": name,
                "type": "bar",
                "stack": "amount",
                "itemStyle": {"color": colour},
                "data": [float(to_wan(a)) for a in amounts],
            }
            for name, amounts, colour in series
        ],
    }
