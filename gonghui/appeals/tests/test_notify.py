"""Text messages to the requester: on registration (ticket number), on resolution (signed rating link),
on reopen; after commit only; never the appeal's text (in the message or the console log)."""

import logging
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gonghui.appeals import actions
from gonghui.appeals.states import AppealStatus as S
from gonghui.appeals.tests.helpers import register
from gonghui.core import sms

pytestmark = pytest.mark.django_db
TEXT = "公司拖欠我们三个月工资，老板一直推脱不给。"
MOBILE = "13800138000"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def texts():
    return [m["text"] for m in sms.outbox if m["mobile"] == MOBILE]


def handled(operator, handlers, tree, capture):
    with capture(execute=True):
        appeal = register(operator, tree.province)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    return appeal


def test_it_texts_the_ticket_number_on_registration_after_commit(
    tree, clock, operator, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.WARNING, logger="gonghui.sms")
    with django_capture_on_commit_callbacks() as callbacks:
        appeal = register(operator, tree.province)
        assert sms.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    [message] = texts()
    assert appeal.number in message and appeal.due_on.isoformat() in message
    assert TEXT not in message and "张师傅" not in message
    assert TEXT not in caplog.text and MOBILE not in caplog.text


def test_it_texts_the_rating_link_on_resolution_and_the_link_rates(
    tree, clock, operator, handlers, django_capture_on_commit_callbacks, client
):
    appeal = handled(operator, handlers, tree, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_resolve(acting_user=handlers["city"], appeal=appeal, result="已协调企业补发工资")
    message = texts()[-1]
    assert appeal.number in message and "补发" not in message and TEXT not in message
    path = re.search(r"(/\S+/rate/\S+/)", message).group(1)
    page = client.get(path)
    assert page.status_code == 200
    # The texted link offers the five ratings, each its own signed link.
    links = re.findall(r'href="([^"]*/rate/[^"]+/)"', page.content.decode())
    assert len(links) == 5 and path not in links
    assert client.post(links[1]).status_code == 200  # 满意
    appeal.refresh_from_db()
    assert appeal.status == S.RATED and appeal.satisfaction == "satisfied" and appeal.rated_by_requester
    # The texted link itself cannot rate (it carries no rating).
    with pytest.raises(ValidationError):
        actions.do_rate_by_link(token=path.rstrip("/").rsplit("/", 1)[1])


def test_it_texts_the_new_deadline_on_reopen(tree, clock, operator, handlers, django_capture_on_commit_callbacks):
    appeal = handled(operator, handlers, tree, django_capture_on_commit_callbacks)
    actions.do_resolve(acting_user=handlers["city"], appeal=appeal, result="已处理")
    with django_capture_on_commit_callbacks(execute=True):
        appeal = actions.do_record_satisfaction(
            acting_user=operator, appeal=appeal, satisfaction="dissatisfied", dissatisfaction_reason="slow"
        )
    assert appeal.status == S.REOPENED
    message = texts()[-1]
    assert "重新办理" in message and appeal.number in message and appeal.due_on.isoformat() in message


def test_it_texts_the_earlier_ticket_for_a_repeat_call(tree, clock, operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = register(operator, tree.province)
        repeat = register(operator, tree.province, text="还是工资的事，怎么还没人管")
    assert repeat.status == S.MERGED
    assert first.number in texts()[-1] and "关联" in texts()[-1]


def test_it_texts_no_landline_no_anonymous_caller_and_nothing_on_a_refused_action(
    tree, clock, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(operator, tree.province, caller_phone="0755-86001234", topic="contract")
        register(operator, tree.province, anonymous=True, topic="hours")
        with pytest.raises(ValidationError):
            register(operator, tree.province, text="")
    assert sms.outbox == []


def test_it_refuses_a_forged_or_changed_rating_link(client):
    page = client.get(reverse("appeals:rate", args=["forged"]))
    assert page.status_code == 200 and "无效" in page.content.decode()
