"""The fund register's pages: every fund with its figures (the bureau and officials read them all, a fund
manager its own), a fund's page with its records and the manager's forms, Excel export of every table."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from funds import forms, rules, selectors, services
from funds.errors import FundWoundUp
from funds.imports.records import FUND_RECORDS
from funds.models import Fund, FundKind, FundStatus, InvestorSource
from funds.permissions import can, require
from ipops import clock, excel, imports
from ipops.forms import ServiceForm
from ipops.models import Organization, OrgKind, Role
from ipops.money import display_rate, to_wan
from ipops.views.pages import CityPageMixin, submit_form
from ipops.visibility import get_visible_or_404

#: Who a fund may invest in among the city's organisations (the service checks the same kinds).
INVESTEE_KINDS = (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE)


# --- figures as the pages show them --------------------------------------------------------------------


def _multiple(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else display_rate(value, 1)


def shown(figures: rules.FundFigures) -> dict[str, str]:
    """A fund's ratios as text: multiples with ×, shares in percent, "—" where there is nothing yet."""
    return {
        "leverage": _multiple(figures.leverage),
        "paid_in_ratio": _percent(figures.paid_in_ratio),
        "invested_ratio": _percent(figures.invested_ratio),
        "ip_share": _percent(figures.ip_share),
        "dpi": _multiple(figures.dpi),
        "rvpi": _multiple(figures.rvpi),
        "tvpi": _multiple(figures.tvpi),
        "irr": _percent(figures.irr),
    }


def _line(row: selectors.FundRow, depth: int = 0) -> dict:
    return {"row": row, "fund": row.fund, "f": row.figures, "shown": shown(row.figures), "depth": depth}


def _tree(rows: list[selectors.FundRow]) -> list[dict]:
    """Each fund followed by its sub-funds, indented (a sub-fund whose guide fund the reader does not
    see stands on its own)."""
    shown_ids = {r.fund.pk for r in rows}
    children: dict[int, list[selectors.FundRow]] = defaultdict(list)
    for r in rows:
        if r.fund.parent_id in shown_ids:
            children[r.fund.parent_id].append(r)
    out = []
    for r in rows:
        if r.fund.parent_id not in shown_ids:
            out.append(_line(r))
            out += [_line(child, 1) for child in children[r.fund.pk]]
    return out


def _wan(amount: Decimal) -> float:
    """For drawing only (to six places, so bars add up to the figures to the fen)."""
    return float(to_wan(amount, 6))


def _funds_chart(rows: list[selectors.FundRow]) -> dict:
    """ECharts option: committed, paid in and invested per fund, in 万元."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 70, "right": 10, "top": 40, "bottom": 80},
        "xAxis": {
            "type": "category",
            "data": [r.fund.name for r in rows],
            "axisLabel": {"interval": 0, "rotate": 20, "fontSize": 10},
        },
        "yAxis": {"type": "value", "name": _("10k CNY")},
        "series": [
            {
                "name": name,
                "type": "bar",
                "itemStyle": {"color": colour},
                "data": [_wan(getattr(r.figures.totals, figure)) for r in rows],
            }
            for name, figure, colour in (
                (_("Committed"), "committed", "#1f5f99"),
                (_("Paid in"), "paid_in", "#2e8b57"),
                (_("Invested"), "invested", "#e0a030"),
            )
        ],
    }


def _source_chart(by_source: list[tuple[str, Decimal]]) -> dict:
    labels = dict(InvestorSource.choices)
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "60%"],
                "data": [{"name": str(labels[source]), "value": _wan(total)} for source, total in by_source],
            }
        ],
    }


# --- the list --------------------------------------------------------------------------------------


def _register_form(actor, data=None) -> forms.FundRegisterForm:
    """The bureau chooses the manager among the city's fund-manager organisations; a fund manager is its
    own. The guide funds offered are those the reader sees."""
    managers = (
        None
        if actor.role == Role.FUND_MANAGER
        else list(
            Organization.objects.filter(kind=OrgKind.FUND_MANAGER).order_by("name").values_list("pk", "name")
        )
    )
    guides = list(
        Fund.objects.restrict(actor).filter(kind=FundKind.GUIDE).order_by("name").values_list("pk", "name")
    )
    return forms.FundRegisterForm(
        data,
        prefix="register",
        managers=managers,
        guide_funds=guides,
        initial={"vintage_year": clock.today().year, "term_years": 7},
    )


class FundListView(CityPageMixin, View):
    def _render(self, request, form=None, status=200):
        require(self.actor, "fund.view")
        rows = selectors.fund_rows(self.actor)
        can_register = can(self.actor, "fund.register")
        return render(
            request,
            "funds/fund_list.html",
            {
                "lines": _tree(rows),
                "chart": _funds_chart(rows) if rows else None,
                "form": (form or _register_form(self.actor)) if can_register else None,
                "leverage_target": rules.LEVERAGE_TARGET,
                "budget_tab": can(self.actor, "budget.view"),
                "can_import": bool(imports.importers_for(self.actor, [FUND_RECORDS.kind])),
            },
            status=status,
        )

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        require(self.actor, "fund.register")
        form = _register_form(self.actor, request.POST)
        done, fund = submit_form(form, services.fund_register, actor=self.actor)
        if done:
            messages.success(request, _("Registered %(name)s.") % {"name": fund.name})
            return redirect("funds-detail", city=city, pk=fund.pk)
        return self._render(request, form, status=400)


def _ratio_columns() -> list:
    return [
        excel.Column(_("Fiscal leverage"), "number"),
        excel.Column(_("Paid-in ratio"), "percent"),
        excel.Column(_("Invested ratio"), "percent"),
        excel.Column(_("IP-holding share"), "percent"),
        excel.Column("DPI", "number"),
        excel.Column("RVPI", "number"),
        excel.Column("TVPI", "number"),
        excel.Column("IRR", "percent"),
    ]


def _ratio_cells(f: rules.FundFigures) -> list:
    return [f.leverage, f.paid_in_ratio, f.invested_ratio, f.ip_share, f.dpi, f.rvpi, f.tvpi, f.irr]


class FundListExportView(CityPageMixin, View):
    """Every fund the reader sees, with its sums and figures, as the list shows them."""

    def get(self, request, city):
        require(self.actor, "fund.view")
        headers = [
            _("Fund"),
            _("Kind"),
            _("Guide fund"),
            _("Manager"),
            excel.Column(_("Vintage year"), "integer"),
            excel.Column(_("Term (years)"), "integer"),
            _("Status"),
            excel.Money(_("Target size")),
            excel.Money(_("Committed")),
            excel.Money(_("Fiscal commitments")),
            excel.Money(_("Paid in")),
            excel.Money(_("Invested")),
            excel.Money(_("Distributed")),
            excel.Money(_("Net asset value")),
            excel.Money(_("Unfunded")),
            *_ratio_columns(),
        ]
        rows = (
            [
                line["fund"].name,
                line["fund"].get_kind_display(),
                line["fund"].parent.name if line["fund"].parent else "",
                line["fund"].manager.name,
                line["fund"].vintage_year,
                line["fund"].term_years,
                line["fund"].get_status_display(),
                line["fund"].target_size,
                line["f"].totals.committed,
                line["f"].totals.fiscal,
                line["f"].totals.paid_in,
                line["f"].totals.invested,
                line["f"].totals.distributed,
                line["f"].totals.nav,
                line["f"].unfunded,
                *_ratio_cells(line["f"]),
            ]
            for line in _tree(selectors.fund_rows(self.actor))
        )
        return excel.response(f"funds-{city}-{clock.today():%Y%m%d}.xlsx", _("Funds"), headers, rows)


# --- one fund --------------------------------------------------------------------------------------


def _fund(actor, pk: int) -> Fund:
    require(actor, "fund.view")
    return get_visible_or_404(Fund.objects.select_related("manager", "parent"), actor, pk)


def _cards(row: selectors.FundRow) -> list[dict]:
    """The figures, each with how it is computed."""
    f, t, s = row.figures, row.figures.totals, shown(row.figures)
    target = _multiple(rules.LEVERAGE_TARGET)
    leverage_note = _(
        "Total commitments ÷ commitments of government money (central, provincial, municipal, district)."
    )
    if row.fund.kind == FundKind.MARKET:
        leverage_note += " " + _("Target for a market fund: at least %(target)s.") % {"target": target}
    return [
        {
            "key": "committed",
            "label": _("Committed"),
            "money": t.committed,
            "note": _("Every investor's commitment."),
        },
        {
            "key": "paid_in",
            "label": _("Paid in"),
            "money": t.paid_in,
            "note": _("Capital calls the investors have paid."),
        },
        {
            "key": "invested",
            "label": _("Invested"),
            "money": t.invested,
            "note": _("Every investment's amount."),
        },
        {
            "key": "unfunded",
            "label": _("Unfunded"),
            "money": f.unfunded,
            "note": _("Committed but not yet paid in."),
        },
        {
            "key": "leverage",
            "label": _("Fiscal leverage"),
            "text": s["leverage"],
            "note": leverage_note,
            "meets": row.meets_leverage,
        },
        {
            "key": "paid_in_ratio",
            "label": _("Paid-in ratio"),
            "text": s["paid_in_ratio"],
            "note": _("Paid in ÷ committed."),
        },
        {
            "key": "invested_ratio",
            "label": _("Invested ratio"),
            "text": s["invested_ratio"],
            "note": _("Invested ÷ paid in."),
        },
        {
            "key": "ip_share",
            "label": _("IP-holding share"),
            "text": s["ip_share"],
            "note": _(
                "Invested in companies that held in-force patents when the fund came in, or that the "
                "investment bought patents for, ÷ invested."
            ),
        },
        {
            "key": "distributed",
            "label": _("Distributed"),
            "money": t.distributed,
            "note": _("Income and exit proceeds paid back to the investors."),
        },
        {
            "key": "nav",
            "label": _("Net asset value"),
            "money": t.nav,
            "note": _(
                "The holdings at the manager's latest valuation plus the paid-in capital not yet invested."
            ),
        },
        {"key": "dpi", "label": "DPI", "text": s["dpi"], "note": _("Distributed ÷ paid in.")},
        {"key": "rvpi", "label": "RVPI", "text": s["rvpi"], "note": _("Net asset value ÷ paid in.")},
        {"key": "tvpi", "label": "TVPI", "text": s["tvpi"], "note": _("DPI + RVPI.")},
        {
            "key": "irr",
            "label": _("IRR since inception"),
            "text": s["irr"],
            "note": _(
                "The annual rate that discounts the dated cash flows to zero (XIRR, actual/365): capital "
                "paid in goes out, distributions come back, and the net asset value counts as received today."
            ),
        },
    ]


def _manager_forms(fund, detail, action: str | None = None, data=None) -> dict:
    """The manager's forms, each with the choices of this fund; the one named by `action` bound to `data`
    (the form just posted)."""
    today = clock.today()
    commitments = [
        (c.pk, f"{c.investor} · {c.get_source_display()}") for c in detail.commitments if c.called < c.amount
    ]
    held = [
        (i.pk, f"{i.investee_name} · {i.invested_on.isoformat()}")
        for i in detail.investments
        if i.exited_on is None
    ]
    investees = list(
        Organization.objects.filter(kind__in=INVESTEE_KINDS).order_by("name").values_list("pk", "name")
    )
    made: dict[str, tuple[type[ServiceForm], dict[str, Any]]] = {
        "status": (forms.StatusForm, {"initial": {"status": fund.status}}),
        "commit": (forms.CommitmentForm, {"initial": {"committed_on": today}}),
        "call": (forms.CallForm, {"commitments": commitments, "initial": {"called_on": today}}),
        "pay": (forms.CallPaidForm, {"initial": {"paid_on": today}}),
        "invest": (forms.InvestmentForm, {"investees": investees, "initial": {"invested_on": today}}),
        "revalue": (forms.RevalueForm, {"investments": held, "initial": {"valued_on": today}}),
        "distribute": (forms.DistributionForm, {"investments": held, "initial": {"distributed_on": today}}),
    }
    return {
        name: form_class(data if name == action else None, prefix=name, **arguments)
        for name, (form_class, arguments) in made.items()
    }


def _fund_context(actor, fund: Fund, *, action: str | None = None, data=None):
    """The fund's page; after a refused form (`action`, `data`), that form with its errors (status 400)."""
    detail = selectors.fund_detail(actor, fund)
    # A wound-up fund's records no longer change (the services refuse): no forms to fill in vain.
    can_manage = can(actor, "fund.manage", fund) and fund.status != FundStatus.WOUND_UP
    ctx = {
        "fund": fund,
        "detail": detail,
        "cards": _cards(detail.row),
        "source_chart": _source_chart(detail.by_source) if detail.by_source else None,
        "can_manage": can_manage,
        "refused": action,
        "investments": [(i, display_rate(i.stake, 2)) for i in detail.investments],
        "any_held": any(i.exited_on is None for i in detail.investments),
    }
    if can_manage:
        ctx["forms"] = _manager_forms(fund, detail, action, data)
    if fund.kind == FundKind.GUIDE:
        guide = selectors.guide_summary(actor, fund)
        ctx["guide"] = guide
        ctx["guide_lines"] = [_line(r) for r in guide.sub_funds]
        ctx["guide_leverage"] = _multiple(guide.leverage)
    return ctx


def _render_fund(request, ctx: dict, status: int = 200):
    return render(request, "funds/fund_detail.html", ctx, status=status)


class FundDetailView(CityPageMixin, View):
    def get(self, request, city, pk):
        return _render_fund(request, _fund_context(self.actor, _fund(self.actor, pk)))


#: The manager's actions on a fund's page: the service that decides each, and whether it takes the fund
#: (the others name their commitment, call or investment, which the service finds through visibility).
ACTIONS = {
    "status": (services.fund_set_status, True),
    "commit": (services.commitment_add, True),
    "call": (services.call_record, False),
    "pay": (services.call_mark_paid, False),
    "invest": (services.investment_record, True),
    "revalue": (services.investment_revalue, False),
    "distribute": (services.distribution_record, True),
}


def _saved(action: str) -> str:
    return {
        "status": _("Status changed."),
        "commit": _("Commitment recorded."),
        "call": _("Capital call recorded."),
        "pay": _("Marked paid in."),
        "invest": _("Investment recorded."),
        "revalue": _("Valuation recorded."),
        "distribute": _("Distribution recorded."),
    }[action]


class FundActionView(CityPageMixin, View):
    """One of the manager's forms. The service decides (permission, state, input); its refusal shows on
    the form and writes nothing."""

    write_required = True

    def post(self, request, city, pk, action):
        if action not in ACTIONS:
            raise Http404
        fund = _fund(self.actor, pk)
        require(self.actor, "fund.manage", fund)
        service, takes_fund = ACTIONS[action]
        ctx = _fund_context(self.actor, fund, action=action, data=request.POST)
        if "forms" not in ctx:  # wound up
            messages.error(request, str(FundWoundUp.default_message))
            return redirect("funds-detail", city=city, pk=fund.pk)
        form = ctx["forms"][action]
        done, _result = submit_form(form, service, actor=self.actor, **({"fund": fund} if takes_fund else {}))
        if done:
            messages.success(request, _saved(action))
            return redirect("funds-detail", city=city, pk=fund.pk)
        return _render_fund(request, ctx, status=400)


# --- exports of a fund's tables -------------------------------------------------------------------------


def _commitment_rows(detail):
    return (
        [c.investor, c.get_source_display(), c.committed_on, c.amount, c.called, c.paid_in, c.unfunded]
        for c in detail.commitments
    )


def _call_rows(detail):
    return (
        [c.commitment.investor, c.commitment.get_source_display(), c.called_on, c.amount, c.paid_on]
        for c in detail.calls
    )


def _investment_rows(detail):
    return (
        [
            i.investee_name,
            i.invested_on,
            i.amount,
            i.stake,
            i.patents_in_force,
            i.patents_acquired,
            i.fair_value,
            i.valued_on,
            i.exited_on,
        ]
        for i in detail.investments
    )


def _distribution_rows(detail):
    return (
        [
            d.distributed_on,
            d.get_kind_display(),
            d.investment.investee_name if d.investment else "",
            d.amount,
            d.note,
        ]
        for d in detail.distributions
    )


def _table_headers(table: str) -> list:
    return {
        "commitments": [
            _("Investor"),
            _("Source"),
            excel.Column(_("Committed on"), "date"),
            excel.Money(_("Committed")),
            excel.Money(_("Called")),
            excel.Money(_("Paid in")),
            excel.Money(_("Unfunded")),
        ],
        "calls": [
            _("Investor"),
            _("Source"),
            excel.Column(_("Called on"), "date"),
            excel.Money(_("Amount called")),
            excel.Column(_("Paid on"), "date"),
        ],
        "investments": [
            _("Investee"),
            excel.Column(_("Invested on"), "date"),
            excel.Money(_("Amount invested")),
            excel.Column(_("Stake"), "percent"),
            excel.Column(_("In-force patents at investment"), "integer"),
            excel.Column(_("Patents acquired"), "integer"),
            excel.Money(_("Fair value")),
            excel.Column(_("Valued on"), "date"),
            excel.Column(_("Exited on"), "date"),
        ],
        "distributions": [
            excel.Column(_("Distributed on"), "date"),
            _("Kind"),
            _("Investment"),
            excel.Money(_("Amount distributed")),
            _("Note"),
        ],
    }[table]


#: Each table of a fund's page that leaves as a workbook, and its rows.
TABLES = {
    "commitments": _commitment_rows,
    "calls": _call_rows,
    "investments": _investment_rows,
    "distributions": _distribution_rows,
}


class FundTableExportView(CityPageMixin, View):
    """`?table=commitments|calls|investments|distributions`: one of the fund's tables as the page shows it."""

    def get(self, request, city, pk):
        table = request.GET.get("table", "")
        if table not in TABLES:
            raise Http404
        fund = _fund(self.actor, pk)
        detail = selectors.fund_detail(self.actor, fund)
        titles = {
            "commitments": _("Commitments"),
            "calls": _("Capital calls"),
            "investments": _("Investments"),
            "distributions": _("Distributions"),
        }
        return excel.response(
            f"fund-{fund.pk}-{table}-{clock.today():%Y%m%d}.xlsx",
            titles[table],
            _table_headers(table),
            TABLES[table](detail),
        )
