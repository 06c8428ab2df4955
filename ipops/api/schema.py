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
