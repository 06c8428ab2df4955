"""The hot list serializers build their dicts directly; their output must equal DRF's generic rendering."""

import datetime
from decimal import Decimal

import pytest
from rest_framework import serializers

from trading.api.serializers import ListingMatchSerializer, ListingSerializer, PublicListingSerializer
from trading.models import Listing

pytestmark = pytest.mark.django_db


def _listing(price, published, expires):
    from ipops.models import Organization

    seller = Organization(id=7, name="青岛海纳智能装备有限公司")
    return Listing(
        id=42,
        reference="GP2026-000042",
        seller=seller,
        seller_id=7,
        title="一种动力电池热管理系统",
        description="液冷板与相变材料结合",
        keywords="电池 热管理",
        deal_type="assignment",
        asking_price=price,
        negotiable=price is None,
        industry="nev",
        ipc_codes=["H01M 10/613"],
        asset_kinds=["invention"],
        region="崂山区",
        visibility="national",
        status="published",
        published_at=published,
        expires_on=expires,
    )


CASES = [
    (
        Decimal("1234567.5"),
        datetime.datetime(2026, 3, 1, 2, 3, 4, tzinfo=datetime.UTC),
        datetime.date(2027, 3, 1),
    ),
    (None, None, None),
    (Decimal("0.005"), datetime.datetime(2025, 12, 31, 23, 59, tzinfo=datetime.UTC), None),
]


@pytest.mark.parametrize(("price", "published", "expires"), CASES)
@pytest.mark.parametrize("serializer_class", [ListingSerializer, PublicListingSerializer])
def test_listing_rows_equal_drf_rendering(serializer_class, price, published, expires):
    listing = _listing(price, published, expires)
    fast = serializer_class(listing).data
    generic = serializers.ModelSerializer.to_representation(serializer_class(), listing)
    assert fast == generic


def test_match_rows_equal_drf_rendering():
    listing = _listing(Decimal("300000.00"), datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC), None)
    item = {
        "score": 0.8125,
        "listing": listing,
        "reasons": [
            {"factor": "text", "score": 0.5, "matched": [{"term": "电池", "where": "title"}]},
            {"factor": "ipc", "score": 0.3, "level": "group", "shared": "H01M 10"},
            {"factor": "budget", "score": 0.0125, "fit": "within"},
        ],
    }
    fast = ListingMatchSerializer(item).data
    generic = serializers.Serializer.to_representation(ListingMatchSerializer(), item)
    assert fast == generic
