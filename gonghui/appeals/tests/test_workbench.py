"""Issue 18 point 6: the workbench's caller lookup (its own request, filling the form), the suggestion
that says what it changed, overdue call-backs first, the division picked from a list; and the triage
model shipped with the installation (built at migrate, loaded at start without training)."""

import pytest
from django.urls import reverse

from gonghui.appeals import actions, triage
from gonghui.appeals.models import Appeal
from gonghui.appeals.tests.helpers import register

NEW_CALL = {
    "channel": "hotline",
    "caller_phone": "13800138000",
    "request_type": "consultation",
    "topic": "other",
    "complexity": "ordinary",
    "urgency": "normal",
    "text": "老板三个月没发工资",
}


@pytest.mark.django_db
def test_it_looks_up_a_caller_in_its_own_request_and_offers_what_it_found_to_the_form(
    tree, clock, operator, ap, client_for
):
    appeal = register(operator, tree.province, employer_name="南山测试科技有限公司", division_code="440305")
    url = reverse("appeals:caller_lookup")
    response = client_for(operator).post(url, {"caller_phone": "138 0013 8000"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body  # a fragment for htmx, not the whole form
    assert "该号码的历史工单" in body and appeal.number in body and "必填" not in body
    assert 'data-fill-callername="张师傅"' in body and 'data-fill-employername="南山测试科技有限公司"' in body
    assert 'data-fill-divisioncode="440305"' in body
    assert "13800138000" not in body and Appeal.objects.count() == 1
    empty = client_for(operator).post(url, {"caller_phone": ""}).content.decode()
    assert "请先输入来电号码" in empty
    bad = client_for(operator).post(url, {"caller_phone": "123"}).content.decode()
    assert "格式不正确" in bad
    # The hotline of 南山区 does not see the province's ticket; a user without hotline rights is refused.
    assert appeal.number not in client_for(ap.own).post(url, {"caller_phone": "13800138000"}).content.decode()
    assert client_for(ap.outsider).post(url, {"caller_phone": "13800138000"}).status_code == 403
    page = client_for(operator).get(reverse("appeals:workbench")).content.decode()
    assert f'hx-post="{url}"' in page and 'type="button"' in page and "appeals/workbench.js" in page


@pytest.mark.django_db
def test_it_says_which_fields_the_suggestion_changed(tree, clock, operator, client_for, monkeypatch):
    monkeypatch.setattr(
        triage, "suggest", lambda text: triage.Suggestion(topic="欠薪/工资", request_type="问题咨询", confidence=0.8)
    )
    page = client_for(operator).post(reverse("appeals:workbench"), {**NEW_CALL, "suggest": "1"}).content.decode()
    assert "已按建议填入：" in page and "<mark>诉求事项 欠薪/工资</mark>（原为 其他）" in page
    assert "<mark>诉求类型" not in page  # the request type was already 问题咨询
    assert 'class="suggested"' in page and "必填" not in page and Appeal.objects.count() == 0


@pytest.mark.django_db
def test_it_picks_the_division_from_the_divisions_under_the_operator(tree, clock, operator, ap, client_for):
    page = client_for(operator).get(reverse("appeals:workbench")).content.decode()
    assert '<select name="division_code"' in page and '<option value="440305">深圳市南山区' not in page
    assert '<option value="440305">南山区（440305）</option>' in page
    district = client_for(ap.own).get(reverse("appeals:workbench")).content.decode()
    assert 'value="440305"' in district and 'value="440304"' not in district  # not the sibling's
    response = client_for(operator).post(reverse("appeals:workbench"), {**NEW_CALL, "division_code": "999999"})
    assert response.status_code == 200 and "999999 不在可用的选项中" in response.content.decode()
    assert Appeal.objects.count() == 0


@pytest.mark.django_db
def test_it_lists_overdue_call_backs_first_and_marks_them(tree, clock, operator, client_for):
    late = register(operator, tree.province, request_type="consultation", topic="membership")
    actions.do_resolve(acting_user=operator, appeal=late, result="已解答")
    clock.advance(days=12)  # past its deadline (the 国庆 holidays lie between)
    fresh = register(operator, tree.province, request_type="consultation", topic="hours", caller_phone="13900139000")
    actions.do_resolve(acting_user=operator, appeal=fresh, result="已解答")
    page = client_for(operator).get(reverse("appeals:workbench")).content.decode()
    callbacks = page[page.index('<ul class="callbacks">') :]
    assert callbacks.index(late.number) < callbacks.index(fresh.number)
    assert '<li class="overdue"><span class="tag tag-warn">已超时</span>' in callbacks
    assert "1 项已超时" in page


# --------------------------------------------------------------------------- the shipped model


@pytest.fixture
def model_file(settings, tmp_path):
    settings.GONGHUI_TRIAGE_MODEL = str(tmp_path / "model.joblib")
    triage.reset_model()
    yield tmp_path / "model.joblib"
    triage.reset_model()


def test_migrate_builds_the_model_file_once_and_the_web_process_loads_it_without_training(model_file, monkeypatch):
    from gonghui.appeals.apps import build_triage_model

    build_triage_model(sender=None, verbosity=0)  # what `gonghui migrate` runs after migrating
    assert model_file.is_file() and triage.model_file_is_current(model_file)

    def no_training(*args, **kwargs):
        raise AssertionError("the model must be loaded, not trained")

    monkeypatch.setattr(triage, "train", no_training)
    monkeypatch.setattr(triage.TriageModel, "fit", no_training)
    build_triage_model(sender=None, verbosity=0)  # current: nothing to rebuild
    triage.preload().join()  # gonghui/wsgi.py at start
    assert triage._model is not None
    assert triage.suggest("老板拖欠三个月工资不给").topic == "欠薪/工资"


def test_a_stale_model_file_is_rebuilt_at_migrate(model_file, monkeypatch):
    built = triage.train()
    monkeypatch.setattr(triage, "train", lambda: built)  # train once here, not twice
    assert triage.ensure_model_file(model_file) is True
    assert triage.ensure_model_file(model_file) is False
    stamp = model_file.with_name(model_file.name + ".json")
    stamp.write_text('{"format": 0}', encoding="utf-8")
    assert not triage.model_file_is_current(model_file)
    assert triage.ensure_model_file(model_file) is True and triage.model_file_is_current(model_file)


def test_the_web_process_does_not_train_when_the_file_is_missing(model_file, monkeypatch, caplog):
    monkeypatch.setattr(triage, "train", lambda *a, **k: pytest.fail("trained at start"))
    triage.preload(background=False)
    assert triage._model is None and "run `gonghui migrate`" in caplog.text
