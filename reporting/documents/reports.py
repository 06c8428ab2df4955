"""The two reports a city files each year and at mid-term, built in the background (`documents.tasks`):

- the annual IP development report (年度知识产权发展状况报告): the year's indicators against their targets,
  and the year's figures from the other apps (deals, pledge loans, subsidies paid, funds, the operations
  centres against [003]), in the sections such a report has (总体情况, 创造, 运用, 保护, 服务, 存在问题与下一步);
  the last lists the lagging and at-risk indicators by itself;
- the mid-term performance self-assessment (中期绩效自评) for the central special funds [004]: the notice's
  targets at plan to date, the special budget's use and its two 40% floors, the central tranches.

Both are documents filed with the province and the central government, so they are written in Chinese
whatever language the reader uses (the templates are Chinese; the tasks render under zh-hans).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from funds import rules as funds_rules
from funds.models import FundKind
from funds.selectors import budget_summary, fund_rows
from ipops import clock
from ipops.access import Actor
from ipops.money import ZERO
from ipops.visibility import restrict
from pledge_finance.figures import loans_by_month
from reporting import rules
from reporting.documents import charts, display, exports, pdf
from reporting.documents.exports import Line
from reporting.models import Indicator, IndicatorValue, SourceKind, StatisticCode
from reporting.permissions import require
from reporting.selectors import current_snapshot
from subsidies.models import Policy
from subsidies.selectors import paid_by_month
from trading.selectors import centres_evaluation, deal_figures, deals_by_month

S = StatisticCode

#: Which section of the annual report an indicator belongs to, by the statistic or metric it reads.
CREATION, UTILISATION, PROTECTION, SERVICE = "creation", "utilisation", "protection", "service"
SECTION_OF_SOURCE: dict[str, str] = {
    S.INVENTION_PATENTS_VALID: CREATION,
    S.PCT_APPLICATIONS: CREATION,
    S.HIGH_VALUE_PORTFOLIOS: CREATION,
    "registry_inventions": CREATION,
    "registry_pct": CREATION,
    S.ENFORCEMENT_CASES: PROTECTION,
    S.CASE_CLOSING_DAYS: PROTECTION,
    S.SATISFACTION: PROTECTION,
    S.MANAGEMENT_TALENT: SERVICE,
    S.SERVICE_TALENT: SERVICE,
    S.PRACTITIONERS_TRAINED: SERVICE,
    S.OPERATIONS_INSTITUTIONS: SERVICE,
    S.SERVICE_INSTITUTIONS: SERVICE,
    S.CERTIFIED_ENTITIES: SERVICE,
}
BEHIND = (rules.AT_RISK, rules.LAGGING)
#: [004]'s own targets are the indicators whose plan reference names it.
NOTICE_REFERENCE = "[004]"

Step = Callable[[], None]


def section_of(indicator: Indicator) -> str:
    default = UTILISATION if indicator.source == SourceKind.COMPUTED else SERVICE
    return SECTION_OF_SOURCE.get(indicator.source_code, default)


def _rows(actor: Actor, *, period: str, indicators=None) -> tuple[object, list[Line]]:
    """The current snapshot and each active indicator's line at `period` ("2025" or "plan")."""
    snapshot = current_snapshot(actor)
    shown = restrict(Indicator.objects.filter(active=True), actor).order_by("order", "code")
    if indicators is not None:
        shown = shown.filter(pk__in=[i.pk for i in indicators])
    values: dict[int, IndicatorValue] = {}
    if snapshot is not None:
        values = {
            v.indicator_id: v
            for v in IndicatorValue.objects.filter(snapshot=snapshot, period=period, indicator__in=shown)
        }
    return snapshot, [exports.line(i, values.get(i.pk)) for i in shown]


def _growth(now: Decimal | int, before: Decimal | int) -> str:
    if not before:
        return ""
    return display.percent((Decimal(now) - Decimal(before)) / Decimal(before))


@dataclass
class Behind:
    line: Line
    gap: str


def _behind(lines: list[Line], values: dict[int, IndicatorValue]) -> list[Behind]:
    out = []
    for item in lines:
        if item.status not in BEHIND:
            continue
        value = values.get(item.indicator.pk)
        gap = "—"
        if value is not None and value.actual is not None and value.target_end is not None:
            gap = display.figure(item.indicator, abs(value.target_end - value.actual))
        out.append(Behind(item, gap))
    return sorted(out, key=lambda b: (rules.STATUS_ORDER.get(b.line.status, 9), b.line.progress_ratio or 0))


@dataclass
class Figures:
    """One year's figures from the other apps, already in words."""

    deals: dict = field(default_factory=dict)
    loans: dict = field(default_factory=dict)
    subsidies: dict = field(default_factory=dict)
    funds: dict = field(default_factory=dict)
    centres: list = field(default_factory=list)
    budget: dict = field(default_factory=dict)


def _deals(city, year: int) -> tuple[dict, str]:
    now, before = deal_figures(city=city, year=year), deal_figures(city=city, year=year - 1)
    months = deals_by_month(
        city=city, date_from=datetime.date(year, 1, 1), date_to=datetime.date(year, 12, 31)
    )
    by_month = {m.month: f for m, f in months.items()}
    chart = charts.monthly_bars(
        [f"{m}月" for m in range(1, 13)],
        [float((by_month[m].amount if m in by_month else ZERO) / display.WAN) for m in range(1, 13)],
        unit="万元",
    )
    return {
        "count": now.count,
        "amount": display.amount(now.amount),
        "transfers": now.transfers_count,
        "transfers_amount": display.amount(now.transfers_amount),
        "licences": now.licences_count,
        "licences_amount": display.amount(now.licences_amount),
        "count_growth": _growth(now.count, before.count),
        "amount_growth": _growth(now.amount, before.amount),
    }, chart


def _loans(city, year: int) -> dict:
    def total(y: int) -> tuple[int, Decimal, int]:
        months = loans_by_month(city=city, date_from=datetime.date(y, 1, 1), date_to=datetime.date(y, 12, 31))
        return (
            sum(f.count for f in months.values()),
            sum((f.amount for f in months.values()), ZERO),
            sum(f.new_enterprises for f in months.values()),
        )

    (n, amount, firsts), (n0, amount0, _firsts0) = total(year), total(year - 1)
    return {
        "count": n,
        "amount": display.amount(amount),
        "new_enterprises": firsts,
        "count_growth": _growth(n, n0),
        "amount_growth": _growth(amount, amount0),
    }


def _subsidies(city, year: int) -> dict:
    paid = paid_by_month(city=city, date_from=datetime.date(year, 1, 1), date_to=datetime.date(year, 12, 31))
    by_policy: dict[str, list] = {}
    for per_policy in paid.values():
        for code, (n, amount) in per_policy.items():
            slot = by_policy.setdefault(code, [0, ZERO])
            slot[0] += n
            slot[1] += amount
    names = dict(Policy.objects.filter(code__in=list(by_policy)).values_list("code", "name"))
    rows = [
        {"name": names.get(code, code), "count": n, "amount": display.amount(amount)}
        for code, (n, amount) in sorted(by_policy.items(), key=lambda kv: -kv[1][1])
    ]
    return {
        "count": sum(n for n, _a in by_policy.values()),
        "amount": display.amount(sum((a for _n, a in by_policy.values()), ZERO)),
        "policies": rows,
    }


def _funds(actor: Actor) -> dict:
    rows = fund_rows(actor)
    market = [r for r in rows if r.fund.kind == FundKind.MARKET]
    return {
        "count": len(rows),
        "market": len(market),
        "committed": display.amount(sum((r.figures.totals.committed for r in rows), ZERO)),
        "paid_in": display.amount(sum((r.figures.totals.paid_in for r in rows), ZERO)),
        "invested": display.amount(sum((r.figures.totals.invested for r in rows), ZERO)),
        "rows": [
            {
                "name": r.fund.name,
                "kind": r.fund.get_kind_display(),
                "committed": display.amount(r.figures.totals.committed),
                "leverage": f"{r.figures.leverage:.2f}×" if r.figures.leverage is not None else "—",
            }
            for r in rows
        ],
    }


def _budget(actor: Actor) -> dict:
    summary = budget_summary(actor)
    if summary.budget is None:
        return {}
    received = sum((s.received for s in summary.sources), ZERO)
    allotted = sum((s.allotted for s in summary.sources), ZERO)
    central = [s for s in summary.sources if s.kind in funds_rules.CENTRAL_KINDS]
    return {
        "summary": summary,
        "allotted": display.amount(allotted),
        "received": display.amount(received),
        "spent": display.amount(summary.spent),
        "spent_ratio": display.percent(summary.spent / received) if received else "—",
        "sources": [
            {
                "kind": s.kind,
                "label": s.get_kind_display(),
                "allotted": display.amount(s.allotted),
                "received": display.amount(s.received),
                "spent": display.amount(s.spent),
                "remaining": display.amount(s.remaining),
                "received_on": s.received_on,
                "review_passed_on": s.review_passed_on,
                "fully_received": s.received >= s.allotted,
            }
            for s in summary.sources
        ],
        "central_allotted": display.amount(sum((s.allotted for s in central), ZERO)),
        "central_received": display.amount(sum((s.received for s in central), ZERO)),
        "categories": [
            {"label": label, "amount": display.amount(total), "share": display.percent(total / summary.spent)}
            for label, total in summary.by_category
            if summary.spent
        ],
        "floors": [
            {
                "label": "知识产权服务业集聚区",
                "share": summary.cluster_zone,
                "amount": display.amount(summary.cluster_zone.amount),
            },
            {
                "label": "市场化方式（股权投资、政府购买服务等）",
                "share": summary.market_based,
                "amount": display.amount(summary.market_based.amount),
            },
        ],
        "projection": summary.projection,
        "projected": {
            "spent": display.amount(summary.projection.spent),
            "cluster_zone": display.percent(summary.projection.cluster_zone),
            "market_based": display.percent(summary.projection.market_based),
        }
        if summary.projection
        else None,
        "floor_chart": charts.shares_against_floor(
            [
                (
                    "集聚区",
                    float(summary.cluster_zone.ratio) if summary.cluster_zone.ratio is not None else None,
                ),
                (
                    "市场化方式",
                    float(summary.market_based.ratio) if summary.market_based.ratio is not None else None,
                ),
            ],
            float(funds_rules.SHARE_FLOOR),
            "40% 下限",
        ),
    }


def _counts(lines: list[Line]) -> tuple[list, str]:
    counts = exports.status_counts(lines)
    return counts, charts.status_counts(counts)


def annual_report(actor: Actor, year: int, step: Step) -> bytes:
    """年度知识产权发展状况报告 for `year` (a plan year up to the current one)."""
    require(actor, "indicator.view")
    city = actor.city
    snapshot, lines = _rows(actor, period=str(year))
    values = {}
    if snapshot is not None:
        values = {
            v.indicator_id: v for v in IndicatorValue.objects.filter(snapshot=snapshot, period=str(year))
        }
    sections: dict[str, list[Line]] = {CREATION: [], UTILISATION: [], PROTECTION: [], SERVICE: []}
    for item in lines:
        sections[section_of(item.indicator)].append(item)
    counts, status_chart = _counts(lines)
    step()
    deals, deals_chart = _deals(city, year)
    step()
    loans = _loans(city, year)
    step()
    subsidies = _subsidies(city, year)
    step()
    funds = _funds(actor)
    budget = _budget(actor)
    step()
    centres = centres_evaluation(year)
    step()
    context = {
        **exports.common(actor),
        "year": year,
        "year_to_date": year == clock.today().year,
        "snapshot": snapshot,
        "lines": lines,
        "sections": sections,
        "counts": counts,
        "count_of": {status: n for status, _label, n in counts},
        "status_chart": status_chart,
        "deals": deals,
        "deals_chart": deals_chart,
        "loans": loans,
        "subsidies": subsidies,
        "funds": funds,
        "budget": budget,
        "centres": [
            {
                "name": c.centre.name,
                "members": c.members,
                "projects": c.projects,
                "amount": display.amount(c.amount),
                "qualified": c.qualified,
            }
            for c in centres
        ],
        "centres_qualified": sum(1 for c in centres if c.qualified),
        "behind": _behind(lines, values),
    }
    content = pdf.render("reporting/pdf/annual.html", context)
    step()
    return content


def midterm_assessment(actor: Actor, step: Step) -> bytes:
    """中期绩效自评: [004]'s targets at plan to date, the special budget's use and floors, the tranches."""
    require(actor, "indicator.view")
    notice = list(
        restrict(Indicator.objects.filter(active=True, plan_reference__startswith=NOTICE_REFERENCE), actor)
    )
    snapshot, lines = _rows(actor, period=rules.PLAN, indicators=notice)
    values = {}
    if snapshot is not None:
        values = {
            v.indicator_id: v for v in IndicatorValue.objects.filter(snapshot=snapshot, period=rules.PLAN)
        }
    counts, status_chart = _counts(lines)
    step()
    budget = _budget(actor)
    step()
    context = {
        **exports.common(actor),
        "snapshot": snapshot,
        "lines": lines,
        "counts": counts,
        "count_of": {status: n for status, _label, n in counts},
        "met": sum(1 for item in lines if item.status in (rules.MET, rules.ON_TRACK)),
        "status_chart": status_chart if lines else "",
        "behind": _behind(lines, values),
        "budget": budget,
        "floor": display.percent(funds_rules.SHARE_FLOOR, 0),
    }
    content = pdf.render("reporting/pdf/midterm.html", context)
    step()
    return content
