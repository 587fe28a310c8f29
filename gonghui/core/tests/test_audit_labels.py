"""Issue 18 point 8: audit action codes read as Chinese labels (code in the tooltip), the person acts,
not the login; and issue 18 point 11: the API docs' schema is built once, not on every request."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from gonghui.core import audit
from gonghui.core.audit_labels import action_label, registry
from gonghui.core.testing import make_staff

GONGHUI = Path(__file__).resolve().parents[2]
# `action="member.join_approve"`, `_audit(user, "hardship.check", …)`, `action=f"member.{event}"` aside.
LITERAL_CODE = re.compile(r'(?:action=|_audit\(\s*\w+,\s*)"([a-z_]+\.[a-z_]+)"')


def codes_in_source() -> set[str]:
    codes = set()
    for path in GONGHUI.glob("**/*.py"):
        if "tests" not in path.parts and "migrations" not in path.parts:
            codes |= set(LITERAL_CODE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_it_labels_codes_from_each_apps_registry_and_guesses_for_a_new_app():
    assert action_label("hardship.create") == "新建困难职工档案"
    assert action_label("member.join_approve") == "批准入会"
    assert action_label("member.lapse") == "自动退会"  # member.<MembershipEvent.Type>
    assert action_label("appeal.assign") == "转办"
    assert action_label("hardship.something_new_create") == "困难职工帮扶 · 新建"  # the app's noun, a verb
    # An app with no label for the code: its noun and the guessed verb (stations is an app since the
    # stations merge); a prefix no app owns: the verb alone.
    assert action_label("stations.checkin") == "服务站点 · 签到"
    assert action_label("newapp.checkin") == "签到"
    assert action_label("zzz.qqq") == "其他操作" and action_label("") == "其他操作"
    with translation.override("en"):
        assert action_label("member.join_approve") == "Approve a join application"


def test_every_action_code_written_by_the_code_reads_as_chinese():
    codes = codes_in_source()
    assert {"hardship.create", "member.join_approve", "appeal.register", "benefits.voucher_redeem"} <= codes
    unlabelled = sorted(code for code in codes if code not in registry())
    assert not unlabelled, f"add these to the app's audit_actions.py LABELS: {unlabelled}"
    assert all(not re.search("[A-Za-z]", action_label(code)) for code in codes)


@pytest.mark.django_db
def test_the_audit_log_and_history_show_the_label_and_the_person(tree, client_for, django_assert_max_num_queries):
    clerk = make_staff("li.na", tree.district, roles=("organiser",))
    from gonghui.accounts.models import User

    User.objects.filter(pk=clerk.pk).update(display_name="李娜")  # a staff member with a real name
    audit.record(actor=clerk, action="member.join_approve", object_type="members.joinapplication", org=tree.district)
    audit.record(actor=None, action="org.update", obj=tree.district, org=tree.district)
    client = client_for(clerk)
    with django_assert_max_num_queries(12):
        page = client.get("/audit/").content.decode()
    assert '<td title="member.join_approve">批准入会</td>' in page
    assert '<td title="li.na">李娜</td>' in page and "<code>member.join_approve</code>" not in page
    assert ">系统</td>" in page and ">system<" not in page
    assert "李娜" in client.get("/audit/", {"action": "入会"}).content.decode()
    assert "批准入会" not in client.get("/audit/", {"action": "撤销"}).content.decode()
    assert "批准入会" in client.get("/audit/", {"actor": "李娜"}).content.decode()
    history = client.get(f"/orgs/{tree.district.code}/").content.decode()
    assert '<td title="org.update">修改组织信息</td>' in history


@pytest.mark.django_db
def test_the_api_docs_schema_is_built_once_per_process(client, monkeypatch):
    import ninja.main

    from gonghui.api import api

    built = []
    real = ninja.main.get_schema
    monkeypatch.setattr(ninja.main, "get_schema", lambda **kw: built.append(1) or real(**kw))
    monkeypatch.setattr(api, "_schema_cache", {}, raising=False)
    first = client.get("/api/v1/openapi.json")
    again = client.get("/api/v1/openapi.json")
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert len(built) == 1
    api.warm_schema().join()
    assert len(built) == 1  # the start-up warm-up fills the same cache
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in docs and "/static/ninja/swagger-ui-bundle.js" in docs  # nothing from outside
