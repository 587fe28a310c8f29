"""The action kit (core/actionkit.py): actors, require(), state machines and the audit's actor."""

import pytest
from django.db import models

from gonghui.core import audit
from gonghui.core.actionkit import Actor, StateMachine, as_actor, require, require_member, staff_user
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.core.models import AuditEntry


class Light(models.TextChoices):
    OFF = "off", "关闭"
    ON = "on", "开启"
    BROKEN = "broken", "损坏"


LIGHT = StateMachine(
    Light, {Light.OFF: {Light.ON, Light.BROKEN}, Light.ON: {Light.OFF, Light.BROKEN}, Light.BROKEN: set()}
)


class Lamp:
    status = Light.OFF


def test_it_refuses_a_table_that_misses_a_state():
    with pytest.raises(ValueError, match="broken"):
        StateMachine(Light, {Light.OFF: {Light.ON}, Light.ON: set()})


def test_it_refuses_a_table_naming_an_unknown_state():
    with pytest.raises(ValueError, match="melted"):
        StateMachine(Light, {Light.OFF: {"melted"}, Light.ON: set(), Light.BROKEN: set()})


def test_it_allows_a_listed_transition_and_sets_the_state():
    lamp = Lamp()
    assert LIGHT.transition(lamp, Light.ON, "开灯") == Light.OFF
    assert lamp.status == Light.ON


def test_it_refuses_an_unlisted_transition_naming_the_current_state():
    lamp = Lamp()
    lamp.status = Light.BROKEN
    with pytest.raises(TransitionError) as caught:
        LIGHT.transition(lamp, Light.ON, "开灯")
    assert caught.value.current_state == Light.BROKEN
    assert "当前状态为“损坏”，不能开灯" in caught.value.messages[0]
    assert lamp.status == Light.BROKEN
    assert LIGHT.is_final(Light.BROKEN) and not LIGHT.is_final(Light.ON)


def test_it_lets_a_system_job_through(tree):
    assert require(Actor.system("sweep"), "org.change", tree.district.path, tree.district.name).is_system


def test_it_lets_a_staff_user_with_the_grant_through_and_refuses_the_sibling(tree, personas):
    require(personas.own, "org.change", tree.district.path, tree.district.name)
    require(personas.ancestor, "org.change", tree.district.path, tree.district.name)
    for _name, user in personas.refused():
        with pytest.raises(ActionPermissionError) as caught:
            require(user, "org.change", tree.district.path, tree.district.name)
        assert "南山区总工会" in str(caught.value) and "org.change" in str(caught.value)


def test_it_never_gives_a_member_a_staff_permission(tree):
    with pytest.raises(ActionPermissionError):
        require(Actor.member(7, "张*"), "org.change", tree.district.path, tree.district.name)


def test_it_lets_a_member_act_only_for_themselves():
    require_member(Actor.member(7), 7)
    with pytest.raises(ActionPermissionError):
        require_member(Actor.member(8), 7)


def test_it_refuses_an_anonymous_or_missing_actor():
    with pytest.raises(ValueError):
        as_actor(None)


def test_it_turns_a_user_into_a_staff_actor(tree, personas):
    actor = as_actor(personas.own)
    assert actor.is_staff and actor.user == personas.own
    assert staff_user(personas.own) == personas.own
    assert staff_user(Actor.system("demo")) is None


def test_it_shows_the_kind_of_actor_in_the_audit_entry(tree, personas):
    audit.record(actor=Actor.system("lapse-sweep"), action="x.test", object_type="t", object_id=1)
    audit.record(actor=Actor.member(5, "李*"), action="x.test", object_type="t", object_id=2)
    audit.record(actor=personas.own, action="x.test", object_type="t", object_id=3)
    rows = {e.object_id: e for e in AuditEntry.objects.filter(action="x.test")}
    assert rows["1"].actor_id is None and rows["1"].actor_label == "系统任务：lapse-sweep"
    assert rows["2"].actor_id is None and rows["2"].actor_label == "会员本人：李*"
    assert rows["3"].actor_id == personas.own.pk and rows["3"].actor_label == personas.own.get_username()
    assert audit.verify().ok
