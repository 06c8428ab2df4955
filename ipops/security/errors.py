"""The codes the account pages and the auth API answer with (beyond `CoreErrorCode`'s shared ones)."""

from __future__ import annotations

from ipops.errors import ErrorCode


class AccountErrorCode(ErrorCode):
    # The password policy (ipops.security.passwords); Django's own validators keep their codes.
    PASSWORD_WHITESPACE = "password_whitespace"  # noqa: S105 - an error code
    PASSWORD_PLACE_NAME = "password_place_name"  # noqa: S105 - an error code
    PASSWORD_TOO_SIMPLE = "password_too_simple"  # noqa: S105 - an error code
    # Second factor (ipops.security.mfa)
    OTP_REQUIRED = "otp_required"
    OTP_INVALID = "otp_invalid"
    MFA_ENROLMENT_REQUIRED = "mfa_enrolment_required"
