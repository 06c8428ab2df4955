"""Axes' lockout check as the first authentication backend."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username or address before the password is checked.

    Both doors people use pass the request (the login page's form, `TokenApi`, `ReauthApi`), so they are
    counted and locked. A call without a request (a management command, the test client's `login`) has no
    address to count and is left to the next backend instead of failing: axes' own backend would raise.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PasswordBackend(ModelBackend):
    """Django's own password check, except that a password of nothing but spaces never signs anyone in:
    the policy refuses to set one now, and an account given one before the policy must have it reset."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is None or not str(password).strip():
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
