from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ipops.money import to_wan

register = template.Library()


@register.filter
def wan(amount):
    """Show an amount in 万元, the full value on hover (officials read 万元; auditors want the fen)."""
    if amount in (None, ""):
        return "—"
    amount = Decimal(str(amount))
    # Number and unit apart: a narrow card may wrap the unit under the figure instead of overflowing.
    return format_html(
        '<span class="money" title="{} {}"><span class="figure">{}</span> <span class="unit">{}</span></span>',
        f"{amount:,.2f}",
        _("CNY"),
        f"{to_wan(amount):,.2f}",
        _("10k CNY"),
    )


@register.filter
def yuan(amount):
    if amount in (None, ""):
        return "—"
    return f"{Decimal(str(amount)):,.2f}"


@register.simple_tag
def chart_option(kind, title, rows, label_key="label", value_key="n"):
    """A minimal ECharts option for a bar or pie of rows [{label, n}]."""
    labels = [str(r[label_key]) for r in rows]
    values = [r[value_key] for r in rows]
    if kind == "pie":
        return {
            "title": {"text": str(title), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "item"},
            "series": [
                {
                    "type": "pie",
                    "radius": ["35%", "65%"],
                    "data": [{"name": n, "value": v} for n, v in zip(labels, values, strict=True)],
                }
            ],
        }
    return {
        "title": {"text": str(title), "textStyle": {"fontSize": 14}},
        "tooltip": {},
        "grid": {"left": 40, "right": 10, "bottom": 60},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar", "data": values}],
    }


@register.filter
def document_date(day) -> str:
    """A date as a document filed with the government writes it (GB/T 9704: 2026年11月30日): the annual
    report and the self-assessment are Chinese documents whatever the reader's language; pages keep the
    language's one format (ipops/formats)."""
    if not day:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"
