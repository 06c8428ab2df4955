"""Audit each lockout in the cities of the locked account, and note when a session last authenticated."""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from ipops import audit
from ipops.models import Membership, User
from ipops.security import mfa
from ipops.tenancy import city_scope

log = logging.getLogger(__name__)


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    # Axes signals again on every refused attempt during a lockout; only the attempt that caused it has
    # counted its failures, so the lockout is recorded once.
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    log.warning("Login locked out: username=%r address=%s", username, ip_address)
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        return
    for membership in Membership.objects.filter(user=user).select_related("city"):
        with city_scope(membership.city):
            audit.record(
                actor=None,
                city=membership.city,
                action="account_locked",
                obj=membership,
                data={
                    "username": username,
                    "ip_address": ip_address,
                    "failures": request.axes_failures_since_start,
                    "path": request.path,
                },
            )


@receiver(user_logged_in)
def note_login(sender, request, user, **kwargs):
    """A password login is a fresh authentication (`reauth`), and decides whether a second factor is due."""
    if request is None or not hasattr(request, "session"):
        return
    mfa.mark_fresh(request)
    mfa.start_session(request, user)
