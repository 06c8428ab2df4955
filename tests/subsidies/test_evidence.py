"""Evidence for a claim: uploaded by its claimant while the claim is theirs to change, checked by content
before anything is written, and handed out only to those who may see the claim (the API and the page)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ipops import clock, uploads
from ipops.errors import ApplicationError, CoreErrorCode
from ipops.models import AuditEvent
from ipops.tenancy import city_scope
from ipops.uploads import UploadErrorCode
from subsidies import demo, services
from subsidies.errors import SubsidyErrorCode
from subsidies.models import Claim, ClaimState, Evidence, Policy
from subsidies.services.evidence import evidence_add
from tests.conftest import actor, api, make_city, make_user
from tests.ipops.test_uploads import EXE, pdf, png
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 9, 29)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


def _catalogue(city):
    bureau = make_user(city, "bureau_staff")
    with city_scope(city), clock.at(demo.OPENS):
        for spec in demo.CATALOGUE:
            services.policy_save(actor=actor(bureau, city), data=dict(spec))
    return bureau


def _draft(city, user, code="QD-GB-E") -> Claim:
    with city_scope(city), clock.at(TODAY):
        return services.claim_start(actor=actor(user, city), policy=Policy.objects.get(code=code).pk)


def _submit(city, user, claim) -> Claim:
    with city_scope(city), clock.at(TODAY):
        return services.claim_submit(
            actor=actor(user, city), claim=claim, bank_name="青岛银行", bank_account="6222021234567890"
        )


def _file(content: bytes, name: str = "高新技术企业证书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _upload(user, city, claim_pk, content: bytes, name="高新技术企业证书.pdf", label="高新技术企业证书"):
    return api(user).post(
        f"/api/v1/{city.slug}/claims/{claim_pk}/evidence/",
        {"label": label, "file": _file(content, name)},
        format="multipart",
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def world(db):
    qingdao = make_city("qingdao", "青岛")
    jinan = make_city("jinan", "济南")
    bureau = _catalogue(qingdao)
    enterprise = make_user(qingdao, "enterprise")
    claim = _draft(qingdao, enterprise)
    return {
        "qingdao": qingdao,
        "jinan": jinan,
        "bureau": bureau,
        "enterprise": enterprise,
        "claim": claim,
        "jinan_bureau": make_user(jinan, "bureau_staff"),
        "other_enterprise": make_user(qingdao, "enterprise"),
    }


def test_the_claimant_uploads_and_the_bureau_downloads_the_same_bytes(world, private_root):
    qingdao, claim, document = world["qingdao"], world["claim"], pdf()
    answer = _upload(world["enterprise"], qingdao, claim.pk, document)
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    assert (created["claim"], created["label"], created["name"], created["mime"]) == (
        claim.pk,
        "高新技术企业证书",
        "高新技术企业证书.pdf",
        "application/pdf",
    )
    assert created["size"] == len(document)
    with city_scope(qingdao):
        evidence = Evidence.objects.get(pk=created["id"])
        assert evidence.uploaded_by == world["enterprise"]
        assert AuditEvent.objects.filter(action="claim_evidence_add", object_id=str(claim.pk)).count() == 1
    assert created["sha256"] == evidence.sha256 == uploads.check_upload(_file(document)).sha256
    assert (private_root / evidence.path).read_bytes() == document

    listed = api(world["bureau"]).get(f"/api/v1/qingdao/claims/{claim.pk}/evidence/")
    assert [row["id"] for row in listed.json()["results"]] == [evidence.pk]
    download = api(world["bureau"]).get(f"/api/v1/qingdao/claims/evidence/{evidence.pk}/download/")
    assert download.status_code == 200 and _body(download) == document
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/pdf"

    page = Client()
    page.force_login(world["bureau"])
    answer = page.get(f"/qingdao/subsidies/claims/{claim.pk}/evidence/{evidence.pk}/")
    assert answer.status_code == 200 and _body(answer) == document
    assert answer["X-Content-Type-Options"] == "nosniff"
    # The claimant reads their own file too.
    page.force_login(world["enterprise"])
    assert page.get(f"/qingdao/subsidies/claims/{claim.pk}/evidence/{evidence.pk}/").status_code == 200


def test_another_enterprise_and_another_city_get_404(world):
    claim = world["claim"]
    evidence = _upload(world["enterprise"], world["qingdao"], claim.pk, png(), "营业执照.png").json()
    stranger = api(world["other_enterprise"])
    for url in (
        f"/api/v1/qingdao/claims/{claim.pk}/evidence/",
        f"/api/v1/qingdao/claims/evidence/{evidence['id']}/",
        f"/api/v1/qingdao/claims/evidence/{evidence['id']}/download/",
    ):
        assert stranger.get(url).status_code == 404, url
    assert _upload(world["other_enterprise"], world["qingdao"], claim.pk, pdf()).status_code == 404
    assert stranger.delete(f"/api/v1/qingdao/claims/evidence/{evidence['id']}/").status_code == 404
    elsewhere = api(world["jinan_bureau"]).get(f"/api/v1/jinan/claims/evidence/{evidence['id']}/download/")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, SubsidyErrorCode.EVIDENCE_NOT_FOUND)

    page = Client()
    page.force_login(world["other_enterprise"])
    assert page.get(f"/qingdao/subsidies/claims/{claim.pk}/evidence/{evidence['id']}/").status_code == 404
    page.force_login(world["jinan_bureau"])
    assert page.get(f"/jinan/subsidies/claims/{claim.pk}/evidence/{evidence['id']}/").status_code == 404
    # The file under another claim's address is not found either, even for the bureau.
    page.force_login(world["bureau"])
    assert page.get(f"/qingdao/subsidies/claims/{claim.pk + 1}/evidence/{evidence['id']}/").status_code == 404


def test_a_submitted_claim_takes_no_new_evidence_and_keeps_what_it_has(world):
    qingdao, enterprise, claim = world["qingdao"], world["enterprise"], world["claim"]
    kept = _upload(enterprise, qingdao, claim.pk, pdf()).json()
    _submit(qingdao, enterprise, claim)
    with city_scope(qingdao), nothing_changed(Evidence, Claim):
        answer = _upload(enterprise, qingdao, claim.pk, png(), "补充.png")
        assert (answer.status_code, answer.json()["code"]) == (409, CoreErrorCode.INVALID_TRANSITION)
        removed = api(enterprise).delete(f"/api/v1/qingdao/claims/evidence/{kept['id']}/")
        assert (removed.status_code, removed.json()["code"]) == (409, CoreErrorCode.INVALID_TRANSITION)


def test_the_claimant_removes_a_file_from_a_draft_and_the_bureau_cannot(world):
    qingdao, claim = world["qingdao"], world["claim"]
    evidence = _upload(world["enterprise"], qingdao, claim.pk, pdf()).json()
    with city_scope(qingdao), nothing_changed(Evidence):
        refused = api(world["bureau"]).delete(f"/api/v1/qingdao/claims/evidence/{evidence['id']}/")
        assert (refused.status_code, refused.json()["code"]) == (403, CoreErrorCode.ROLE_NOT_ALLOWED)
    answer = api(world["enterprise"]).delete(f"/api/v1/qingdao/claims/evidence/{evidence['id']}/")
    assert answer.status_code == 204
    with city_scope(qingdao):
        assert not Evidence.objects.exists()
        assert AuditEvent.objects.filter(action="claim_evidence_remove").count() == 1


@pytest.mark.parametrize(
    ("content", "name", "status", "code"),
    [
        (EXE, "营业执照.pdf", 400, UploadErrorCode.FILE_TYPE_NOT_ALLOWED),
        (pdf(encrypt=True), "合同.pdf", 400, UploadErrorCode.PDF_ENCRYPTED),
        (pdf(script="open"), "发票.pdf", 400, UploadErrorCode.PDF_HAS_JAVASCRIPT),
        (b"%PDF-1.7\n" + b"0" * uploads.MAX_BYTES, "扫描件.pdf", 413, UploadErrorCode.FILE_TOO_LARGE),
    ],
    ids=["renamed-exe", "encrypted", "javascript", "oversized"],
)
def test_nothing_is_written_when_a_check_fails(world, private_root, content, name, status, code):
    qingdao, claim = world["qingdao"], world["claim"]
    with city_scope(qingdao), nothing_changed(Evidence, Claim):
        answer = _upload(world["enterprise"], qingdao, claim.pk, content, name)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
        assert answer.json()["fields"]["file"][0]["code"] == code
    assert not private_root.exists() or not any(p.is_file() for p in private_root.rglob("*"))


def test_a_label_and_a_file_are_required(world):
    qingdao, claim = world["qingdao"], world["claim"]
    with city_scope(qingdao), nothing_changed(Evidence):
        answer = api(world["enterprise"]).post(
            f"/api/v1/qingdao/claims/{claim.pk}/evidence/", {"label": ""}, format="multipart"
        )
        assert answer.status_code == 400
        assert set(answer.json()["fields"]) == {"label", "file"}
        with clock.at(TODAY):
            who = actor(world["enterprise"], qingdao)
            with pytest.raises(ApplicationError) as caught:
                evidence_add(actor=who, claim=claim, label=" ", upload=None)
        assert set(caught.value.fields) == {"label", "file"}


def test_an_automatic_claim_awaiting_confirmation_takes_evidence(world):
    qingdao, claim = world["qingdao"], world["claim"]
    with city_scope(qingdao):
        Claim.objects.filter(pk=claim.pk).update(state=ClaimState.TO_CONFIRM)
        evidence = evidence_add(
            actor=actor(world["enterprise"], qingdao),
            claim=claim.pk,
            label="贷款合同",
            upload=io.BytesIO(pdf()),
        )
    assert evidence.original_name == "file.pdf" and evidence.size == len(pdf())


def test_the_claim_page_attaches_lists_and_removes_evidence_and_refuses_a_renamed_program(world):
    qingdao, claim = world["qingdao"], world["claim"]
    page = Client()
    page.force_login(world["enterprise"])
    base = f"/qingdao/subsidies/claims/{claim.pk}/"
    assert 'id="evidence-form"' in page.get(base).content.decode()
    with city_scope(qingdao), nothing_changed(Evidence):
        refused = page.post(base + "evidence/", {"label": "贯标认证证书", "file": _file(EXE, "证书.pdf")})
    assert refused.status_code == 400
    assert "文件" in refused.content.decode()  # the content check's message, in Chinese, on the form
    added = page.post(base + "evidence/", {"label": "贯标认证证书", "file": _file(pdf(), "证书.pdf")})
    assert added.status_code == 302
    with city_scope(qingdao):
        evidence = Evidence.objects.get(claim=claim)
    shown = page.get(base).content.decode()
    assert f'data-evidence="{evidence.pk}"' in shown and "证书.pdf" in shown
    # The bureau sees the file and no form.
    bureau = Client()
    bureau.force_login(world["bureau"])
    read = bureau.get(base).content.decode()
    assert f'data-evidence="{evidence.pk}"' in read and 'id="evidence-form"' not in read
    page.post(base + f"evidence/{evidence.pk}/remove/")
    with city_scope(qingdao):
        assert not Evidence.objects.filter(claim=claim).exists()
