"""OpenAPI generation tuned to our plain `APIView`-style endpoints."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_operation_id(self) -> str:
        """`…_list` for collection GETs: our list views are not ListModelMixins, so spectacular
        would name both `/things/` and `/things/{id}/` `…_retrieve`."""
        operation_id = super().get_operation_id()
        if (
            self.method == "GET"
            and not self.path.rstrip("/").endswith("}")
            and operation_id.endswith("_retrieve")
        ):
            return operation_id[: -len("_retrieve")] + "_list"
        return operation_id

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        """Each operation says who may call it, as its view declares: the roles (`x-roles`), or anyone,
        logged in or not (`x-public: true`), or anyone logged in, about their own account (`x-account: true`)."""
        from ipops.api.base import is_public, roles_for

        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            roles = roles_for(self.view, method)
            if roles is not None:
                operation["x-roles"] = sorted(roles)
            if is_public(self.view):
                operation["x-public"] = True
            if getattr(self.view, "account", False):
                # The caller's own account (sign out everywhere, re-authenticate): anyone logged in, a
                # read-only reader too; it touches no city's records.
                operation["x-account"] = True
        return operation
