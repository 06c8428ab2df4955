"""API tokens: one per login, stored as a digest, ending after idle time or at a fixed age."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token for the API (`Authorization: Token <key>`), issued by `POST /api/v1/auth/token/`.

    Only the SHA-256 of the key is stored: a copy of the database does not hand out working tokens.
    Each login issues a new one (a bank's two integrations each keep theirs); every token ends after
    `API_TOKEN_IDLE_TIMEOUT` without use and at `API_TOKEN_MAX_AGE` whatever happens, and
    "sign out everywhere" deletes them all.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"))
    last_used_at = models.DateTimeField(_("last used at"))
    #: When the holder last proved who they are (the login, or `POST /api/v1/auth/reauth/`).
    authenticated_at = models.DateTimeField(_("authenticated at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "created_at"], name="apitoken_user_created")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"
