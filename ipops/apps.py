from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seal_after_migrate(sender, using, **kwargs):
    from ipops.audit import install_seal_triggers

    install_seal_triggers(using)


def _wall_after_migrate(sender, using, **kwargs):
    from ipops import rls

    rls.install(using)


class IpopsConfig(AppConfig):
    name = "ipops"
    label = "ipops"
    verbose_name = _("IPOps core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # permissions registers the rule predicates; imports registers the import batches' visibility rule
        from ipops import imports, navigation, permissions  # noqa: F401
        from ipops.models import Role

        navigation.register(
            _("IP asset registry"),
            "asset-list",
            order=10,
            icon="journal-text",
            roles=[
                Role.ENTERPRISE,
                Role.UNIVERSITY,
                Role.SERVICE,
                Role.BUREAU_STAFF,
                Role.BUREAU_ADMIN,
                Role.OFFICIAL,
            ],
        )
        navigation.register(
            _("Organisations"),
            "organization-list",
            order=90,
            icon="buildings",
            roles=[Role.BUREAU_STAFF, Role.BUREAU_ADMIN, Role.OFFICIAL],
        )
        navigation.register(
            _("People"), "people-list", order=91, icon="people", roles=[Role.BUREAU_STAFF, Role.BUREAU_ADMIN]
        )

        # Seal triggers hang off tables migrations create; attach them once all apps migrated.
        post_migrate.connect(_seal_after_migrate, sender=self, dispatch_uid="ipops_audit_seal")
        # Row-level security likewise: every city-owned table, whichever app's migration created it.
        post_migrate.connect(_wall_after_migrate, sender=self, dispatch_uid="ipops_row_level_security")
        # A session opened inside a city scope gets the city's database wall before its first query.
        from ipops.tenancy import raise_wall_on_connect

        connection_created.connect(raise_wall_on_connect, dispatch_uid="ipops_row_level_security")
