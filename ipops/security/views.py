"""The account pages: the person's own account (second factor, sign out everywhere), the second-factor
check after login, re-authentication before money steps, and the bureau admin's lockouts."""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipops.models import Membership
from ipops.security import lockout, mfa, tokens
from ipops.views.pages import CityPageMixin


class CodeForm(forms.Form):
    otp = forms.CharField(label=_("Code from your authenticator app"), max_length=10)


class ReauthForm(forms.Form):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, required=False, strip=False)
    otp = forms.CharField(label=_("Or the code from your authenticator app"), max_length=10, required=False)


def _next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class AccountView(LoginRequiredMixin, View):
    """The person's own account: their second factor and "sign out everywhere"."""

    def get(self, request):
        user = request.user
        return render(
            request,
            "security/account.html",
            {
                "device": mfa.device(user),
                "mfa_required": mfa.required_for(user),
                "tokens": user.api_tokens.order_by("-created_at"),
                "token_idle": settings.API_TOKEN_IDLE_TIMEOUT,
                "token_max_age": settings.API_TOKEN_MAX_AGE,
            },
        )


class LogoutAllView(LoginRequiredMixin, View):
    def post(self, request):
        tokens.sign_out_everywhere(request.user)
        logout(request)
        messages.success(request, _("You are signed out everywhere: every session and API token has ended."))
        return redirect("login")


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, dark="#212529")


class MfaEnrolView(LoginRequiredMixin, View):
    """Enrol an authenticator app: scan the QR code (or type the key), then confirm with a first code."""

    def _pending(self, request) -> TOTPDevice:
        device = mfa.device(request.user, confirmed=False)
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
        return device

    def _render(self, request, device, form, status=200):
        return render(
            request,
            "security/mfa_enrol.html",
            {
                "form": form,
                "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - segno's own SVG markup
                "secret": _base32(device.bin_key),
                "next": _next(request, ""),
            },
            status=status,
        )

    def get(self, request):
        if mfa.device(request.user) is not None:
            return redirect("account")
        return self._render(request, self._pending(request), CodeForm())

    def post(self, request):
        if mfa.device(request.user) is not None:
            return redirect("account")
        device = self._pending(request)
        form = CodeForm(request.POST)
        if form.is_valid() and device.verify_token(form.cleaned_data["otp"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            mfa.verified(request)
            messages.success(
                request, _("Your authenticator app is set up: every login now asks for its code.")
            )
            return redirect(_next(request, "/accounts/profile/"))
        form.add_error("otp", _("Wrong or expired code."))
        return self._render(request, device, form, status=400)


def _base32(key: bytes) -> str:
    from base64 import b32encode

    return b32encode(key).decode().rstrip("=")


class MfaVerifyView(LoginRequiredMixin, View):
    """After the password: the code of the person's authenticator app."""

    def get(self, request):
        if not mfa.second_factor_pending(request):
            return redirect(_next(request))
        return render(request, "security/mfa_verify.html", {"form": CodeForm(), "next": _next(request, "")})

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid() and mfa.check_code(request.user, form.cleaned_data["otp"]):
            mfa.verified(request)
            return redirect(_next(request))
        form.add_error("otp", _("Wrong or expired code."))
        return render(
            request, "security/mfa_verify.html", {"form": form, "next": _next(request, "")}, status=400
        )


class MfaDisableView(LoginRequiredMixin, View):
    """Remove the authenticator app, with one of its codes (not for roles that must keep one)."""

    def post(self, request):
        form = CodeForm(request.POST)
        if mfa.required_for(request.user):
            messages.error(request, _("Your role needs a second factor: it cannot be removed."))
        elif form.is_valid() and mfa.check_code(request.user, form.cleaned_data["otp"]):
            TOTPDevice.objects.filter(user=request.user).delete()
            messages.success(request, _("The authenticator app is removed."))
        else:
            messages.error(request, _("Wrong or expired code."))
        return redirect("account")


class ReauthView(LoginRequiredMixin, View):
    """Confirm the password (or a code) before a money step; then back to the page it was taken from."""

    def get(self, request):
        return self._render(request, ReauthForm())

    def _render(self, request, form, status=200):
        context = {
            "form": form,
            "next": _next(request, ""),
            "has_device": mfa.device(request.user) is not None,
            "minutes": int(settings.REAUTH_WINDOW.total_seconds() // 60),
        }
        return render(request, "security/reauth.html", context, status=status)

    def post(self, request):
        form = ReauthForm(request.POST)
        proven = False
        if form.is_valid():
            code, password = form.cleaned_data["otp"], form.cleaned_data["password"]
            if code:
                proven = mfa.check_code(request.user, code)
            elif password:
                found = authenticate(request, username=request.user.get_username(), password=password)
                proven = found is not None and found.pk == request.user.pk
        if proven:
            mfa.mark_fresh(request)
            messages.success(request, _("Confirmed. Take the step again."))
            return redirect(_next(request))
        form.add_error(None, _("Wrong password or code."))
        return self._render(request, form, status=400)


class LockoutsView(CityPageMixin, View):
    """Bureau admin: the city's members locked out by failed logins, each with an unlock button."""

    def get(self, request, city):
        lockout.require_bureau_admin(self.actor)
        return render(
            request,
            "security/lockouts.html",
            {
                "lockouts": lockout.city_lockouts(self.actor.city),
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(lockout.cool_off().total_seconds() // 60),
            },
        )


class UnlockView(CityPageMixin, View):
    write_required = True

    def post(self, request, city, pk):
        lockout.require_bureau_admin(self.actor)
        membership = get_object_or_404(Membership, pk=pk, city=self.actor.city)
        lockout.unlock(actor=self.actor, membership=membership)
        messages.success(request, _("%(user)s may log in again.") % {"user": membership.user.username})
        return redirect("people-lockouts", city=city)
