"""Registry API serialisers: shapes only; validation of meaning lives in the services."""

from __future__ import annotations

from rest_framework import serializers

from ipops.models import AssetKind, Industry, IPAsset, LegalStatus, Membership, Organization, OrgKind, Role
from ipops.models.registry import REGISTRABLE_STATUS_CHOICES


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind"]


class EncumbranceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    holder = serializers.CharField(source="holder.name", default=None)
    reference = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)


class AssetOutputSerializer(serializers.ModelSerializer):
    owner = OrganizationRefSerializer(read_only=True)
    display_number = serializers.CharField(read_only=True)
    expiry_date = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = IPAsset
        fields = [
            "id",
            "kind",
            "number",
            "display_number",
            "title",
            "abstract",
            "owner",
            "ipc_codes",
            "filing_date",
            "grant_date",
            "expiry_date",
            "legal_status",
            "is_pct",
            "industry",
            "created_at",
            "updated_at",
        ]


class AssetDetailSerializer(AssetOutputSerializer):
    encumbrances = serializers.SerializerMethodField()

    class Meta(AssetOutputSerializer.Meta):
        fields = [*AssetOutputSerializer.Meta.fields, "encumbrances"]

    def get_encumbrances(self, asset) -> list[dict]:
        rows = asset.encumbrances.filter(released_at__isnull=True).select_related("holder")
        return list(EncumbranceSerializer(rows, many=True).data)


class AssetInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AssetKind.choices)
    number = serializers.CharField(max_length=60)
    title = serializers.CharField(max_length=300)
    abstract = serializers.CharField(required=False, allow_blank=True, default="")
    owner = serializers.IntegerField(
        required=False, help_text="Bureau staff only: the owning organisation's id."
    )
    ipc_codes = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, default=list
    )
    filing_date = serializers.DateField(required=False, allow_null=True)
    grant_date = serializers.DateField(required=False, allow_null=True)
    legal_status = serializers.ChoiceField(choices=REGISTRABLE_STATUS_CHOICES, default=LegalStatus.PENDING)
    is_pct = serializers.BooleanField(required=False, default=False)
    industry = serializers.ChoiceField(choices=Industry.choices, default=Industry.OTHER)


class AssetUpdateSerializer(AssetInputSerializer):
    """PATCH: any subset of the fields; defaults never fill the absent ones."""

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text="The current code of the user's authenticator app (required when the user has a second "
        "factor, and for money roles in production)",
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="When the token ends at the latest (unused: sooner)")


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "name_en", "kind", "uscc", "district", "is_tech_sme", "created_at"]


class OrganizationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    uscc = serializers.CharField(max_length=40)
    district = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    is_tech_sme = serializers.BooleanField(required=False, default=False)


class MemberSerializer(serializers.ModelSerializer):
    """A person's membership of this city: who, for which organisation, in which role. Never a password."""

    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")
    last_login = serializers.DateTimeField(source="user.last_login", allow_null=True)
    organization = OrganizationRefSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    acts_in_other_cities = serializers.BooleanField(
        help_text="The account also acts in or reads another city; only its owner changes its password."
    )
    created_at = serializers.DateTimeField(help_text="When the person joined this city.")

    class Meta:
        model = Membership
        fields = [
            "id",
            "username",
            "display_name",
            "organization",
            "role",
            "is_admin",
            "last_login",
            "acts_in_other_cities",
            "created_at",
        ]
        read_only_fields = fields


class MemberInputSerializer(serializers.Serializer):
    organization = serializers.IntegerField(help_text="The organisation of this city the person acts for.")
    username = serializers.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _; an existing "
        "account of another city is linked and keeps its password.",
    )
    password = serializers.CharField(
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        help_text="At least 8 characters, not a common password.",
    )
    display_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    is_admin = serializers.BooleanField(required=False, default=False)


class MemberAdminSerializer(serializers.Serializer):
    is_admin = serializers.BooleanField(
        help_text="Grant (true) or revoke (false) the organisation admin flag."
    )


class MemberPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        help_text="At least 8 characters, not a common password.",
    )
