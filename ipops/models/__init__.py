from ipops.models.accounts import City, CityGrant, Membership, Organization, OrgKind, Role, User
from ipops.models.imports import ImportBatch, ImportStatus
from ipops.models.ops import AuditEvent, AuditSeal, JobRun
from ipops.models.outbox import OutboxMessage
from ipops.models.registry import (
    AssetKind,
    AssetValuation,
    Encumbrance,
    EncumbranceKind,
    Industry,
    IPAsset,
    LegalStatus,
)

__all__ = [
    "AssetKind",
    "AssetValuation",
    "AuditEvent",
    "AuditSeal",
    "City",
    "CityGrant",
    "Encumbrance",
    "EncumbranceKind",
    "IPAsset",
    "ImportBatch",
    "ImportStatus",
    "Industry",
    "JobRun",
    "LegalStatus",
    "Membership",
    "OrgKind",
    "Organization",
    "OutboxMessage",
    "Role",
    "User",
]
