"""Reporting errors: stable codes clients and tests rely on; messages may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.errors import Conflict, ErrorCode, NotFound


class ReportingErrorCode(ErrorCode):
    """Every code the reporting app answers with, besides the shared `CoreErrorCode`s."""

    INDICATOR_NOT_FOUND = "indicator_not_found"
    INDICATOR_CODE_TAKEN = "indicator_code_taken"
    STATISTIC_NOT_FOUND = "statistic_not_found"
    UNKNOWN_METRIC = "unknown_metric"
    SOURCE_REQUIRED = "source_required"
    INVALID_TARGET = "invalid_target"
    INVALID_PERIOD = "invalid_period"
    INVALID_THRESHOLDS = "invalid_thresholds"
    DENOMINATOR_REQUIRED = "denominator_required"
    BASELINE_REQUIRED = "baseline_required"
    NEGATIVE_VALUE = "negative_value"
    REPORT_NOT_FOUND = "report_not_found"
    REPORT_NOT_READY = "report_not_ready"
    NO_SNAPSHOT = "no_snapshot"


class IndicatorNotFound(NotFound):
    code = ReportingErrorCode.INDICATOR_NOT_FOUND
    default_message = _("No such indicator.")


class StatisticNotFound(NotFound):
    code = ReportingErrorCode.STATISTIC_NOT_FOUND
    default_message = _("No such statistic.")


class IndicatorCodeTaken(Conflict):
    code = ReportingErrorCode.INDICATOR_CODE_TAKEN
    default_message = _("The city already has an indicator with this code.")
