"""Hostile bodies: nesting deep enough to exhaust the interpreter's stack, bodies too large, bodies that are
not JSON. Each answers 400 or 413 in the error shape {"code", "detail", "fields"}, never a 500 or an
HTML page, anonymously (the token endpoint) as for a logged-in caller."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ipops import imports
from ipops.api.parsers import MAX_DEPTH, JSONParser, RequestTooLarge, too_deep
from ipops.errors import CoreErrorCode, ImportErrorCode
from ipops.models import AuditEvent
from tests.conftest import api, make_user
from tests.support import nothing_changed
from trading.models import BuyRequest

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
BUY_REQUESTS = "/api/v1/qingdao/buy-requests/"
TEN_MB = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def _no_throttle_left_over():
    """The token endpoint's throttle counts per address in the cache: start each test afresh."""
    cache.clear()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def error_of(response) -> tuple[int, str]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)
    assert set(body) == {"code", "detail", "fields"}, body
    assert body["detail"]
    return response.status_code, body["code"]


def post_raw(client, path: str, body: str | bytes, content_type: str = "application/json"):
    return client.generic("POST", path, body, content_type=content_type)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_refused_anonymously_on_the_token_endpoint(depth):
    assert error_of(post_raw(api(), TOKEN, nested(depth))) == (400, CoreErrorCode.JSON_TOO_DEEP)
    inside = '{"username": ' + nested(depth) + ', "password": "x"}'
    assert error_of(post_raw(api(), TOKEN, inside)) == (400, CoreErrorCode.JSON_TOO_DEEP)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_refused_for_a_logged_in_caller_and_nothing_is_written(qingdao, depth):
    client = api(make_user(qingdao, "enterprise"))
    body = '{"title": "求购", "keywords": ' + "[" * depth + '"x"' + "]" * depth + "}"
    with nothing_changed(BuyRequest, AuditEvent):
        for payload in (nested(depth), body, '{"a": ' + "{" * depth + "}" * depth + "}"):
            assert error_of(post_raw(client, BUY_REQUESTS, payload)) == (400, CoreErrorCode.JSON_TOO_DEEP)


def test_nesting_up_to_the_limit_is_parsed_and_one_more_level_is_not(qingdao):
    assert not too_deep(nested(MAX_DEPTH))
    assert too_deep(nested(MAX_DEPTH + 1))
    # Brackets inside strings are text, not nesting.
    assert not too_deep(json.dumps({"title": "[" * 5000 + '\\"{' * 100}))
    # Unbalanced brackets are bad JSON, not depth (the decoder refuses them; opened past the stack, as deep).
    assert not too_deep("[" * 5000)
    assert error_of(post_raw(api(), TOKEN, "[" * 5000))[0] == 400
    client = api(make_user(qingdao, "enterprise"))
    assert error_of(post_raw(client, BUY_REQUESTS, nested(MAX_DEPTH)))[1] != CoreErrorCode.JSON_TOO_DEEP


@pytest.mark.parametrize(
    "body",
    [
        '{"username": "a", "password": ',
        "{'username': 'a'}",
        "[1, [2",
        '{"a": NaN}',
        b'{"a": "\xff\xfe"}',
        "nul",
    ],
)
def test_malformed_json_is_invalid_json(qingdao, body):
    assert error_of(post_raw(api(), TOKEN, body)) == (400, CoreErrorCode.INVALID_JSON)
    client = api(make_user(qingdao, "enterprise"))
    with nothing_changed(BuyRequest, AuditEvent):
        assert error_of(post_raw(client, BUY_REQUESTS, body)) == (400, CoreErrorCode.INVALID_JSON)


def test_a_ten_megabyte_body_is_413_in_the_json_shape(qingdao):
    big = json.dumps({"username": "a", "password": "x" * TEN_MB})
    assert error_of(post_raw(api(), TOKEN, big)) == (413, CoreErrorCode.REQUEST_TOO_LARGE)
    client = api(make_user(qingdao, "enterprise"))
    with nothing_changed(BuyRequest, AuditEvent):
        assert error_of(post_raw(client, BUY_REQUESTS, big)) == (413, CoreErrorCode.REQUEST_TOO_LARGE)
        form = "title=" + "x" * TEN_MB
        answer = post_raw(client, BUY_REQUESTS, form, "application/x-www-form-urlencoded")
        assert error_of(answer) == (413, CoreErrorCode.REQUEST_TOO_LARGE)


@override_settings(DEBUG=True)
def test_a_large_body_is_json_with_debug_on_too():
    big = json.dumps({"username": "a", "password": "x" * TEN_MB})
    assert error_of(post_raw(api(), TOKEN, big)) == (413, CoreErrorCode.REQUEST_TOO_LARGE)


def test_the_parser_counts_what_it_reads_whatever_the_declared_length():
    """A body whose length nobody declared (a chunked request) is cut at the limit too."""
    with pytest.raises(RequestTooLarge):
        JSONParser().parse(io.BytesIO(b'"' + b"x" * TEN_MB + b'"'), parser_context={})
    assert JSONParser().parse(io.BytesIO(b'{"a": [1, {"b": "\xe4\xb8\xad"}]}'), parser_context={}) == {
        "a": [1, {"b": "中"}]
    }


def test_multipart_fields_over_the_limit_are_413_and_files_keep_their_own_limit(qingdao):
    """Django counts a multipart request's fields, not its files: too many bytes of fields is 413
    `request_too_large` (raised inside DRF's parsing); a file over the import's 5 MB is still its own 413
    `file_too_large`, and a file under it is read."""
    bureau = api(make_user(qingdao, "bureau_staff"))
    answer = bureau.post(
        "/api/v1/qingdao/funds/imports/", {"kind": "x" * (3 * 1024 * 1024)}, format="multipart"
    )
    assert error_of(answer) == (413, CoreErrorCode.REQUEST_TOO_LARGE)
    too_big = SimpleUploadedFile("big.xlsx", b"0" * (imports.MAX_BYTES + 1))
    answer = bureau.post(
        "/api/v1/qingdao/funds/imports/", {"kind": "expenditures", "file": too_big}, format="multipart"
    )
    assert error_of(answer) == (413, ImportErrorCode.FILE_TOO_LARGE)
    under = SimpleUploadedFile("spent.xlsx", b"0" * (imports.MAX_BYTES - 1024))
    answer = bureau.post(
        "/api/v1/qingdao/funds/imports/", {"kind": "expenditures", "file": under}, format="multipart"
    )
    assert error_of(answer) == (400, ImportErrorCode.FILE_TYPE_NOT_ALLOWED)  # read, and judged by its bytes


def test_a_good_body_still_works(qingdao):
    make_user(qingdao, "enterprise", username="plain")
    answer = api().post(TOKEN, {"username": "plain", "password": "wrong"}, format="json")
    assert error_of(answer) == (403, CoreErrorCode.INVALID_CREDENTIALS)
