from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "ipops.security"
    label = "ipops_security"
    verbose_name = _("Account security")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the lockout audit (axes' user_locked_out) and the login timestamp (user_logged_in).
        from ipops.security import signals  # noqa: F401
