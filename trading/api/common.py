"""What the marketplace's API views share: parsing, paging ranked ids, detail responses with their actions,
and the role groups the views declare."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from ipops.access import ASSET_HOLDER_ROLES, BUREAU_ROLES, CITY_READER_ROLES
from ipops.api.base import validated  # noqa: F401 — the trading views import it from here

from ..lifecycles import available_names

TAG = ["trading"]

#: Parties to negotiations and deals (enterprises, universities, service institutions) and those who
#: read the whole city: everyone who can ever see a negotiation, an offer or a deal.
DEAL_READERS = ASSET_HOLDER_ROLES | CITY_READER_ROLES
#: Bureau staff moderate: withdraw a listing, complete or cancel a deal on the parties' behalf.
MODERATORS = ASSET_HOLDER_ROLES | BUREAU_ROLES


def parsed(serializer_class, data) -> dict:
    """The values given (empty ones left out, so the service's defaults apply); 400 on bad input."""
    given = serializer_class(data=data)
    given.is_valid(raise_exception=True)
    return {k: v for k, v in given.validated_data.items() if v not in (None, "")}


def query_parameters(serializer_class):
    fields = serializer_class().fields
    return [
        OpenApiParameter(name, str, required=False, description=getattr(f, "help_text", "") or "")
        for name, f in fields.items()
    ]


def paginated(schema_item):
    return inline_serializer(
        name=f"Paginated{schema_item.__name__.replace('Serializer', '')}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "mode": serializers.CharField(
                help_text="and | pairs | or (the query form that found the results) | related (no listing says "
                "the words; these say their synonyms) | number (the query was a listing or patent number, "
                "looked up exactly)"
            ),
            "capped": serializers.BooleanField(help_text="more results exist than are offered"),
            "results": schema_item(many=True),
        },
    )


def detail(serializer_class, actor, obj, **context) -> dict:
    """One object as its detail serializer renders it, with the steps the actor may take on it now."""
    return serializer_class(obj, context={"actions": available_names(actor, obj), **context}).data


class RankedList:
    """Page through a ranked id list; rows for the page are fetched in a fixed number of queries."""

    def ranked_response(self, result, fetch, serializer_class, context=None):
        page_ids = self.paginate_queryset(result.ids)
        rows = fetch(list(page_ids))
        response = self.get_paginated_response(serializer_class(rows, many=True, context=context or {}).data)
        response.data["mode"] = result.mode
        response.data["capped"] = result.capped
        return response
