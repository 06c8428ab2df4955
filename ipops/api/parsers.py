"""The API's JSON parser: bounded in size and in nesting before anything is decoded.

Python's `json` recurses once per level of nesting: a body of a thousand `[` ended in a `RecursionError`
(HTTP 500, anonymously too, on the token endpoint), and a deep but legal body costs a deep stack. No
request of the platform nests more than a few levels (a listing's assets, a schedule's rows), so a body
nested deeper than `MAX_DEPTH` is refused with 400 `json_too_deep` before `json` sees it, a body that is
not JSON with 400 `invalid_json`, and a body larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` with 413
`request_too_large`, all in the platform's error shape.
"""

from __future__ import annotations

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

from ipops.errors import ApplicationError, CoreErrorCode, ValidationFailed

#: Deeper than any request the API takes (three or four levels), far below the interpreter's stack.
MAX_DEPTH = 32

#: A JSON string, escapes and all (the unrolled form: linear, no backtracking).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
#: An innermost array or object: brackets with no bracket inside (strings already removed).
_INNERMOST = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")
_BRACKET = re.compile(r"[\[\]{}]")


class InvalidJson(ValidationFailed):
    code = CoreErrorCode.INVALID_JSON
    default_message = _("The request body is not valid JSON.")


class JsonTooDeep(ValidationFailed):
    code = CoreErrorCode.JSON_TOO_DEEP
    default_message = _("The request body is nested too deeply.")


class RequestTooLarge(ApplicationError):
    status = 413
    code = CoreErrorCode.REQUEST_TOO_LARGE
    default_message = _("The request body is too large.")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Does `text` nest arrays and objects deeper than `limit`? Each pass removes the innermost level
    (in C, over the whole text), so the answer costs at most `limit` + 1 linear passes, however deep the
    text is. Unbalanced brackets stop reducing: that is not depth but bad JSON, left to the decoder (which
    answers `json_too_deep` for brackets opened deeper than its stack allows, `invalid_json` otherwise)."""
    skeleton = _STRING.sub("", text)
    for _level in range(limit):
        skeleton, removed = _INNERMOST.subn("", skeleton)
        if not removed:
            return False
    if not _BRACKET.search(skeleton):
        return False
    return _INNERMOST.search(skeleton) is not None


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class JSONParser(DRFJSONParser):
    """DRF's JSON parser with the limits above (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = body_limit()
        request = parser_context.get("request")
        if limit is not None and request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise RequestTooLarge()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = codecs.decode(raw, encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InvalidJson() from exc
        if too_deep(text):
            raise JsonTooDeep()
        try:
            return json.loads(text, parse_constant=strict_constant if api_settings.STRICT_JSON else None)
        except RecursionError as exc:  # (a depth check that missed: never a 500)
            raise JsonTooDeep() from exc
        except ValueError as exc:
            raise InvalidJson() from exc
