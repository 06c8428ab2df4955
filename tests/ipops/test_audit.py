"""The audit trail: every tracked change is sealed; editing or deleting a record is detected."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ipops import audit
from ipops.models import AuditEvent, AuditSeal
from ipops.tenancy import city_scope
from tests.conftest import api, make_asset, make_org, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(qingdao):
    owner = make_user(qingdao, "enterprise")
    asset_id = (
        api(owner)
        .post(
            "/api/v1/qingdao/assets/",
            {
                "kind": "invention",
                "number": "201710601862.3",
                "title": "一种图像识别方法",
                "filing_date": "2017-07-27",
                "grant_date": "2019-10-11",
                "legal_status": "in_force",
            },
        )
        .json()["id"]
    )
    api(owner).patch(f"/api/v1/qingdao/assets/{asset_id}/", {"title": "一种改进的图像识别方法"})
    with city_scope(qingdao):
        audit.record(
            actor=owner,
            city=qingdao,
            action="test_decision",
            obj=make_org(qingdao),
            data={"amount": "100.00"},
        )
    return asset_id


def test_row_history_carries_the_acting_user_and_city(qingdao, history):
    with connection.cursor() as cur:
        cur.execute(
            """SELECT e.title, c.metadata FROM ipops_ipassetevent e JOIN pghistory_context c
                       ON c.id = e.pgh_context_id WHERE e.pgh_obj_id = %s ORDER BY e.pgh_id""",
            [history],
        )
        rows = cur.fetchall()
    assert [r[0] for r in rows] == ["一种图像识别方法", "一种改进的图像识别方法"]
    metadata = [json.loads(r[1]) if isinstance(r[1], str) else r[1] for r in rows]
    assert all(m["city"] == qingdao.pk and m["user"] for m in metadata)


def test_an_untouched_trail_verifies(history):
    result = audit.verify()
    assert result.ok, result.problems
    assert result.checked == AuditSeal.objects.count() > 3
    call_command("verify_audit")


def test_editing_a_history_row_is_detected(history):
    with connection.cursor() as cur:
        cur.execute("UPDATE ipops_ipassetevent SET title = '伪造' WHERE pgh_obj_id = %s", [history])
    result = audit.verify()
    assert any("edited" in p and "ipops_ipassetevent" in p for p in result.problems)
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_editing_a_decision_is_detected(history):
    AuditEvent.objects.filter(action="test_decision").update(data={"amount": "1000000.00"})
    assert any("ipops_auditevent" in p and "edited" in p for p in audit.verify().problems)


def test_deleting_a_record_is_detected(history):
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM ipops_ipassetevent WHERE pgh_id = (SELECT min(pgh_id) FROM ipops_ipassetevent)"
        )
    assert any("deleted" in p for p in audit.verify().problems)


def test_removing_a_link_breaks_the_chain(qingdao, history):
    middle = AuditSeal.objects.filter(chain=qingdao.pk).order_by("id")[1]
    with connection.cursor() as cur:
        cur.execute("DELETE FROM ipops_auditseal WHERE id = %s", [middle.pk])
    problems = audit.verify().problems
    assert any(f"chain {qingdao.pk} broken" in p for p in problems)
    assert any("has no seal" in p for p in problems)


def test_each_city_has_its_own_chain(qingdao, jinan, history):
    with city_scope(jinan):
        audit.record(actor=None, city=jinan, action="test_decision", obj=make_org(jinan))
    chains = dict(AuditSeal.objects.filter(source_table="ipops_auditevent").values_list("source_pk", "chain"))
    events = dict(AuditEvent.objects.values_list("id", "city_id"))
    assert {int(pk): chain for pk, chain in chains.items()} == events
    firsts = AuditSeal.objects.filter(prev_digest="").values_list("chain", flat=True)
    assert sorted(firsts) == sorted({0, qingdao.pk, jinan.pk})  # users belong to no city: chain 0
    assert audit.verify().ok


def test_raw_sql_writes_are_tracked_and_sealed_too(qingdao, history):
    asset = make_asset(qingdao, make_org(qingdao))
    with connection.cursor() as cur:
        cur.execute("UPDATE ipops_ipasset SET title = '批量修改' WHERE id = %s", [asset.pk])
        cur.execute("SELECT count(*) FROM ipops_ipassetevent WHERE pgh_obj_id = %s", [asset.pk])
        assert cur.fetchone()[0] == 2
    assert audit.verify().ok


def test_cutting_off_the_newest_links_is_caught_by_an_anchored_head(qingdao, history, tmp_path):
    anchors = tmp_path / "heads.json"
    call_command("verify_audit", write_heads=anchors)
    call_command("verify_audit", anchors=anchors)
    head = AuditSeal.objects.filter(chain=qingdao.pk).order_by("-id").first()
    assert head.source_table == "ipops_auditevent"  # the fixture's last write: a decision
    with connection.cursor() as cur:  # the newest decision and its link, deleted together
        cur.execute("DELETE FROM ipops_auditevent WHERE id = %s", [int(head.source_pk)])
        cur.execute("DELETE FROM ipops_auditseal WHERE id = %s", [head.pk])
    assert audit.verify().ok  # without an anchor the truncation leaves no trace…
    with pytest.raises(CommandError):
        call_command("verify_audit", anchors=anchors)  # …with one, it does
    assert any(
        f"chain {qingdao.pk}: anchored link {head.pk}" in p
        for p in audit.verify({str(qingdao.pk): {"id": head.pk, "digest": head.digest}}).problems
    )
