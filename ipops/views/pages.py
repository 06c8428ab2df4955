"""Server-rendered pages of the core: role homes, the registry, organisation, job progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from ipops import excel, navigation, outbox, platform
from ipops.access import actor_for, cities_for
from ipops.errors import ApplicationError, NotFound, PermissionDenied
from ipops.forms import (
    AssetFilterForm,
    AssetForm,
    MemberAddForm,
    MemberAdminForm,
    MemberFilterForm,
    MemberPasswordForm,
    OrganizationForm,
    ServiceForm,
)
from ipops.models import Encumbrance, IPAsset, JobRun, Membership, Organization, Role
from ipops.permissions import can, require
from ipops.platform import asset_actions
from ipops.selectors import dashboard
from ipops.selectors.organisations import (
    membership_get,
    membership_list,
    organization_choices,
    organization_get,
)
from ipops.selectors.registry import active_encumbrances, asset_get, asset_list
from ipops.services.organisations import (
    member_add,
    member_remove,
    member_reset_password,
    member_set_admin,
    organization_create,
)
from ipops.services.registry import asset_create, asset_update


def root(request):
    if not request.user.is_authenticated:
        return redirect("login")
    cities = cities_for(request.user)
    if page := platform.landing(request.user, cities):
        return redirect(page)
    if cities:
        return redirect("city-home", city=cities[0].slug)
    if request.user.is_platform_admin or request.user.is_superuser:
        return redirect("admin:index")
    return render(request, "ipops/no_city.html", status=403)


def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True})


class CityPageMixin(LoginRequiredMixin):
    """Every /<city>/ page: logged in, allowed in this city, `request.actor` set; errors as pages."""

    write_required = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        actor = actor_for(request.user, request.city)
        if actor is None:
            return render(
                request,
                "ipops/forbidden.html",
                {"message": _("You have no access to this city.")},
                status=403,
            )
        if self.write_required and not actor.can_write:
            return render(
                request,
                "ipops/forbidden.html",
                {"message": _("Your access to this city is read-only.")},
                status=403,
            )
        request.actor = self.actor = actor
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc
        except PermissionDenied as exc:
            return render(request, "ipops/forbidden.html", {"message": exc.message}, status=403)


def submit_form(form, service, **extra) -> tuple[bool, object]:
    """Call `service` with a valid form's data (and `extra`): (True, what it returned), or (False, None) when
    the form is invalid or the service refused, its error then shown on the form. Permission and not-found
    errors pass through to `CityPageMixin` (the 403 and 404 pages)."""
    if not form.is_valid():
        return False, None
    try:
        return True, service(**extra, **form.cleaned_data)
    except (PermissionDenied, NotFound):
        raise
    except ApplicationError as exc:
        form.add_service_errors(exc)
        return False, None


class CityHomeView(CityPageMixin, View):
    """Each role lands on a page made for its work."""

    def get(self, request, city):
        actor = self.actor
        role = actor.role
        today = timezone.localdate()
        ctx = {"role": role, "today": today}
        if role in (Role.ENTERPRISE, Role.UNIVERSITY, Role.SERVICE):
            ctx.update(dashboard.holder_home(actor, today=today))
            template = "ipops/home_holder.html"
        elif role in (Role.BANK, Role.INSURER, Role.GUARANTOR, Role.FUND_MANAGER):
            ctx.update(dashboard.institution_home(actor))
            template = "ipops/home_institution.html"
        elif role in (Role.BUREAU_STAFF, Role.BUREAU_ADMIN):
            ctx.update(dashboard.bureau_home(actor))
            template = "ipops/home_bureau.html"
        else:
            ctx.update(dashboard.official_home(actor, cities_for(request.user)))
            template = "ipops/home_official.html"
        ctx["panels"] = navigation.panels_for(actor)
        return render(request, template, ctx)


def _asset_filters(request) -> tuple[AssetFilterForm, dict]:
    """The list's filters from the query string (the list and its Excel export read the same ones)."""
    form = AssetFilterForm(request.GET or None)
    if not form.is_bound:
        return form, {}
    form.is_valid()  # an invalid filter is shown beside its field and left out; the valid ones apply
    return form, {k: v for k, v in form.cleaned_data.items() if v}


class AssetListView(CityPageMixin, View):
    def get(self, request, city):
        form, filters = _asset_filters(request)
        assets = asset_list(self.actor, **filters)
        page = Paginator(assets.order_by("-filing_date", "-id"), 25).get_page(request.GET.get("page"))
        encumbrances = active_encumbrances([a.pk for a in page])
        rows = [(a, encumbrances.get(a.pk, [])) for a in page]
        can_create = can(self.actor, "asset.create")
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "ipops/asset_list.html",
            {
                "form": form,
                "page": page,
                "rows": rows,
                "can_create": can_create,
                "query": query.urlencode(),
            },
        )


class AssetExportView(CityPageMixin, View):
    def get(self, request, city):
        _form, filters = _asset_filters(request)
        assets = asset_list(self.actor, **filters)[:50000]
        headers = [
            _("Number"),
            _("Title"),
            _("Kind"),
            _("Owner"),
            _("IPC"),
            _("Filing date"),
            _("Grant date"),
            _("Expiry date"),
            _("Legal status"),
            _("PCT"),
            _("Industry"),
        ]
        rows = (
            [
                a.display_number,
                a.title,
                a.get_kind_display(),
                a.owner.name,
                "; ".join(a.ipc_codes),
                a.filing_date,
                a.grant_date,
                a.expiry_date,
                a.get_legal_status_display(),
                _("yes") if a.is_pct else _("no"),
                a.get_industry_display(),
            ]
            for a in assets
        )
        return excel.response(
            f"assets-{city}-{timezone.localdate():%Y%m%d}.xlsx", _("IP assets"), headers, rows
        )


class AssetDetailView(CityPageMixin, View):
    def get(self, request, city, pk):
        asset = asset_get(self.actor, pk)
        today = timezone.localdate()
        encumbrances = (
            Encumbrance.objects.filter(asset=asset).select_related("holder").order_by("-created_at")
        )
        return render(
            request,
            "ipops/asset_detail.html",
            {
                "asset": asset,
                "remaining_days": asset.remaining_term_days(today),
                "encumbrances": encumbrances,
                "valuations": asset.valuations.select_related("appraiser")[:20],
                "can_edit": can(self.actor, "asset.change", asset),
                "actions": asset_actions(self.actor, asset),
            },
        )


def _initial_from(asset: IPAsset) -> dict:
    return {
        "kind": asset.kind,
        "number": asset.number,
        "title": asset.title,
        "abstract": asset.abstract,
        "ipc_codes": ", ".join(asset.ipc_codes),
        "filing_date": asset.filing_date,
        "grant_date": asset.grant_date,
        "legal_status": asset.legal_status,
        "is_pct": asset.is_pct,
        "industry": asset.industry,
    }


class AssetCreateView(CityPageMixin, View):
    write_required = True

    def get(self, request, city):
        return render(
            request, "ipops/asset_form.html", {"form": AssetForm(initial={"legal_status": "in_force"})}
        )

    def post(self, request, city):
        form = AssetForm(request.POST)
        done, asset = submit_form(form, asset_create, actor=self.actor)
        if done:
            return redirect("asset-detail", city=city, pk=asset.pk)
        return render(request, "ipops/asset_form.html", {"form": form}, status=400)


class AssetUpdateView(CityPageMixin, View):
    write_required = True

    def get(self, request, city, pk):
        asset = asset_get(self.actor, pk)
        # Others see some assets they may not change (a lender its collateral): no form for them.
        require(self.actor, "asset.change", asset)
        return render(
            request,
            "ipops/asset_form.html",
            {"form": AssetForm(initial=_initial_from(asset)), "asset": asset},
        )

    def post(self, request, city, pk):
        asset = asset_get(self.actor, pk)
        form = AssetForm(request.POST)
        done, asset = submit_form(form, asset_update, actor=self.actor, asset=asset)
        if done:
            return redirect("asset-detail", city=city, pk=asset.pk)
        return render(request, "ipops/asset_form.html", {"form": form, "asset": asset}, status=400)


def _member_rows(actor, memberships) -> list[tuple[Membership, bool]]:
    """Each member with whether the actor may change them (never themselves: another admin does that)."""
    return [(m, m.user_id != actor.user.pk and can(actor, "member.manage", m)) for m in memberships]


def _added(request, membership: Membership) -> None:
    messages.success(
        request,
        _("Added %(user)s to %(organization)s.")
        % {"user": membership.user.username, "organization": membership.organization.name},
    )


class OrganizationView(CityPageMixin, View):
    """My organisation: its details and members; its admins add and manage the members here."""

    def _render(self, request, add_form=None, status=200):
        org = self.actor.organization
        if org is None:
            raise Http404
        members = membership_list(self.actor, organization=org.pk)
        page = Paginator(members, 50).get_page(request.GET.get("page"))
        can_add = can(self.actor, "member.add", org)
        return render(
            request,
            "ipops/organization.html",
            {
                "org": org,
                "page": page,
                "rows": _member_rows(self.actor, page),
                "can_manage": can_add,
                "add_form": (add_form or MemberAddForm()) if can_add else None,
                "asset_count": IPAsset.objects.filter(owner=org).count(),
            },
            status=status,
        )

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        org = self.actor.organization
        if org is None:
            raise Http404
        require(self.actor, "member.add", org)
        form = MemberAddForm(request.POST)
        done, membership = submit_form(form, member_add, actor=self.actor, organization=org)
        if done:
            _added(request, membership)
            return redirect("my-organization", city=city)
        return self._render(request, add_form=form, status=400)


def _member_filters(request, organizations) -> tuple[MemberFilterForm, dict]:
    """The people list's filters from the query string (the list and its Excel export read the same ones)."""
    form = MemberFilterForm(request.GET or None, organizations=organizations)
    if not form.is_bound:
        return form, {}
    form.is_valid()  # an invalid filter is shown beside its field and left out; the valid ones apply
    return form, {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}


class PeopleView(CityPageMixin, View):
    """Bureau: everyone who acts in the city (成员与账号); the bureau admin adds and manages them here."""

    def _render(self, request, organizations, add_form=None, status=200):
        require(self.actor, "member.view_city")
        form, filters = _member_filters(request, organizations)
        page = Paginator(membership_list(self.actor, **filters), 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        can_add = can(self.actor, "member.add")
        if can_add and add_form is None:
            add_form = MemberAddForm(organizations=organizations)
        return render(
            request,
            "ipops/people_list.html",
            {
                "form": form,
                "page": page,
                "rows": _member_rows(self.actor, page),
                "query": query.urlencode(),
                "can_manage": can_add,
                "add_form": add_form if can_add else None,
            },
            status=status,
        )

    def get(self, request, city):
        return self._render(request, organization_choices())

    def post(self, request, city):
        require(self.actor, "member.add")
        organizations = organization_choices()
        form = MemberAddForm(request.POST, organizations=organizations)
        done, membership = submit_form(
            form,
            lambda organization, **fields: member_add(
                actor=self.actor, organization=organization_get(organization), **fields
            ),
        )
        if done:
            _added(request, membership)
            return redirect("people-list", city=city)
        return self._render(request, organizations, add_form=form, status=400)


class PeopleExportView(CityPageMixin, View):
    def get(self, request, city):
        require(self.actor, "member.view_city")
        _form, filters = _member_filters(request, organization_choices())
        headers = [
            _("Username"),
            _("Display name"),
            _("Organisation"),
            _("Organisation kind"),
            _("Role"),
            _("Admin"),
            _("Last login"),
            _("Joined"),
        ]
        rows = (
            [
                m.user.username,
                m.user.display_name,
                m.organization.name,
                m.organization.get_kind_display(),
                str(m.role.label),
                _("yes") if m.is_admin else _("no"),
                m.user.last_login,
                m.created_at,
            ]
            for m in membership_list(self.actor, **filters)
        )
        return excel.response(f"people-{city}-{timezone.localdate():%Y%m%d}.xlsx", _("People"), headers, rows)


class MemberActionView(CityPageMixin, View):
    """One change to one member — the admin flag, a new password, removal — asked first on a page of its
    own (so it works without JavaScript), then done by its service; back to where the admin came from."""

    write_required = True
    action = ""
    actions = {
        "admin": (MemberAdminForm, member_set_admin),
        "password": (MemberPasswordForm, member_reset_password),
        "remove": (ServiceForm, member_remove),
    }

    def _load(self, pk) -> Membership:
        membership = membership_get(self.actor, pk)
        require(self.actor, "member.manage", membership)
        return membership

    def _next(self, request) -> str:
        url = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
        if can(self.actor, "member.view_city"):
            return reverse("people-list", kwargs={"city": request.city.slug})
        return reverse("my-organization", kwargs={"city": request.city.slug})

    def _render(self, request, membership, form, status=200):
        return render(
            request,
            "ipops/people_confirm.html",
            {
                "member": membership,
                "action": self.action,
                "form": form,
                "next": self._next(request),
            },
            status=status,
        )

    def _done(self, membership: Membership, data: dict) -> str:
        names = {
            "user": membership.user.username,
            "organization": membership.organization.name,
            "city": self.actor.city.name,
        }
        if self.action == "admin" and data["is_admin"]:
            return _("%(user)s is now an admin of %(organization)s.") % names
        if self.action == "admin":
            return _("%(user)s is no longer an admin of %(organization)s.") % names
        if self.action == "password":
            return _("New password set for %(user)s; their API token no longer works.") % names
        return _("%(user)s no longer has access to %(city)s.") % names

    def get(self, request, city, pk):
        membership = self._load(pk)
        form_class, _service = self.actions[self.action]
        initial = {"is_admin": not membership.is_admin} if self.action == "admin" else None
        return self._render(request, membership, form_class(initial=initial))

    def post(self, request, city, pk):
        membership = self._load(pk)
        form_class, service = self.actions[self.action]
        form = form_class(request.POST)
        done, _result = submit_form(form, service, actor=self.actor, membership=membership)
        if done:
            messages.success(request, self._done(membership, form.cleaned_data))
            return redirect(self._next(request))
        return self._render(request, membership, form, status=400)


class RegistrySnapshotView(CityPageMixin, View):
    """Bureau: run the registry snapshot now, then watch its progress."""

    write_required = True

    def post(self, request, city):
        from ipops.tasks import registry_snapshot

        if not self.actor.is_bureau:
            raise PermissionDenied()
        with transaction.atomic():  # the run and its task message, or neither
            run = JobRun.objects.create(name="registry_snapshot", city=request.city)
            outbox.publish(registry_snapshot, request.city.pk, run.pk, job_run=run)
        return redirect("job-run", city=city, pk=run.pk)


class JobRunView(CityPageMixin, View):
    def get(self, request, city, pk):
        run = JobRun.objects.filter(pk=pk, city=request.city).first()
        if run is None:
            raise Http404
        template = "ipops/_job_progress.html" if request.htmx else "ipops/job_run.html"
        return render(request, template, {"run": run, "back": reverse("city-home", kwargs={"city": city})})


class OrganizationListView(CityPageMixin, View):
    """Bureau: the city's organisations by kind; the bureau admin registers new ones here."""

    def _render(self, request, form, status=200):
        if not can(self.actor, "organization.view"):
            raise PermissionDenied()
        orgs = Organization.objects.annotate(
            member_count=Count("memberships", distinct=True), asset_count=Count("assets", distinct=True)
        )
        kind = request.GET.get("kind", "")
        if kind:
            orgs = orgs.filter(kind=kind)
        page = Paginator(orgs.order_by("kind", "name"), 50).get_page(request.GET.get("page"))
        return render(
            request,
            "ipops/organization_list.html",
            {
                "page": page,
                "form": form,
                "kinds": Organization._meta.get_field("kind").choices,
                "kind": kind,
                "can_manage": can(self.actor, "organization.manage"),
                "query": f"kind={kind}" if kind else "",
            },
            status=status,
        )

    def get(self, request, city):
        return self._render(request, OrganizationForm())

    def post(self, request, city):
        if not can(self.actor, "organization.manage"):
            raise PermissionDenied()
        form = OrganizationForm(request.POST)
        done, org = submit_form(form, organization_create, actor=self.actor)
        if done:
            messages.success(request, _("Registered %(name)s.") % {"name": org.name})
            return redirect("organization-list", city=city)
        return self._render(request, form, status=400)
