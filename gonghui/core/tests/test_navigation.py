"""The console menu: apps declare items, the user sees those they may use, one item is active."""

from django.test import RequestFactory

from gonghui.core.context_processors import navigation


def nav_for(user, path):
    request = RequestFactory().get(path)
    request.user = user
    return navigation(request)["nav_items"]


def test_it_marks_the_longest_matching_item_active(tree, personas):
    items = nav_for(personas.own, "/members/joins/")
    active = [str(item["label"]) for item in items if item["active"]]
    assert active == ["入会审批"]
    assert [str(i["label"]) for i in nav_for(personas.own, "/members/") if i["active"]] == ["会员"]


def test_it_shows_nothing_to_a_user_without_a_grant(tree, personas):
    labels = [str(item["label"]) for item in nav_for(personas.outsider, "/")]
    assert "会员" not in labels and "组织架构" not in labels


def test_it_hides_items_whose_permission_the_user_lacks(tree, personas):
    labels = [str(item["label"]) for item in nav_for(personas.own, "/")]
    assert "会员" in labels
    assert "入会分派规则" not in labels  # member.routing belongs to 系统管理员 only
