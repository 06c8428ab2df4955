"""Reads of the city's organisations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.errors import NotFound
from ipops.models import Organization


def organization_get(pk) -> Organization:
    """An organisation of the current city, or 404 — the same answer for another city's as for none."""
    try:
        return Organization.objects.get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such organisation."), code="organization_not_found") from exc
