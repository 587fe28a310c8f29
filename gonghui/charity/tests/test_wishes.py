"""微心愿 and volunteers through the actions: the whole wish flow, refusals, anonymisation, the sweeps."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.charity import actions_wishes as aw
from gonghui.charity.models_wishes import Volunteer, Wish
from gonghui.charity.tests.helpers import entries, make_round, png_bytes, post_wish
from gonghui.core.actionkit import Actor
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def proof(name="photo.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@pytest.fixture
def wish_round(tree):
    return make_round(tree.district)


@pytest.fixture
def member(tree):
    return make_member(tree.grassroots, gig_subtype="courier", worker_type="gig")


def as_member(membership):
    return Actor.member(membership.person_id, "张*")


def test_a_wish_goes_posted_reviewed_claimed_fulfilled_confirmed(tree, cp, wish_round, member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    wish = post_wish(wish_round, member)
    assert wish.status == "submitted" and wish.job == "快递员" and wish.age_band.endswith("岁")
    wish = aw.do_review_wish(acting_user=cp.own, wish=wish, approve=True)
    donor = make_member(tree.grassroots)
    wish = aw.do_claim_wish(acting_user=as_member(donor), wish=wish, claimant_kind="member")
    assert wish.status == "claimed" and wish.claimant_person_id == donor.person_id and wish.claim_deadline
    with pytest.raises(ValidationError):
        aw.do_claim_wish(acting_user=cp.own, wish=wish, claimant_kind="staff")
    with pytest.raises(ActionPermissionError):
        aw.do_fulfil_wish(acting_user=as_member(member), wish=wish, proof=proof())
    with pytest.raises(ValidationError) as error:
        aw.do_fulfil_wish(acting_user=as_member(donor), wish=wish, proof=proof("x.exe"))
    assert "proof" in error.value.message_dict
    wish = aw.do_fulfil_wish(acting_user=as_member(donor), wish=wish, proof=proof())
    assert wish.status == "fulfilled" and wish.proof.name and wish.fulfilled_value == Decimal("80.00")
    with pytest.raises(ActionPermissionError):
        aw.do_confirm_wish(acting_user=as_member(donor), wish=wish)
    wish = aw.do_confirm_wish(acting_user=as_member(member), wish=wish)
    assert wish.status == "confirmed" and not wish.auto_confirmed
    assert [e.action for e in entries("charity.wish_claim")] == ["charity.wish_claim"]


def test_it_refuses_a_wish_over_the_cap_or_for_someone_else(tree, cp, wish_round, member):
    with pytest.raises(ValidationError) as error:
        post_wish(wish_round, member, price="300.01")
    assert "price" in error.value.message_dict
    other = make_member(tree.grassroots)
    with pytest.raises(ActionPermissionError):
        post_wish(wish_round, member, user=as_member(other))
    with pytest.raises(ActionPermissionError):
        post_wish(wish_round, member, user=cp.sibling)
    assert not Wish.objects.exists()
    post_wish(wish_round, member, user=cp.own)  # staff on the member's behalf
    with pytest.raises(ValidationError):
        post_wish(wish_round, member)  # one per round
    assert Wish.objects.get().posted_by_staff == cp.own


def test_the_default_price_cap_is_a_setting(tree, settings):
    settings.CHARITY_WISH_PRICE_CAP = "200.00"
    assert make_round(tree.district).price_cap == Decimal("200.00")


def test_review_needs_a_reason_to_refuse_and_the_right_subtree(cp, wish_round, member):
    wish = post_wish(wish_round, member)
    with pytest.raises(ActionPermissionError):
        aw.do_review_wish(acting_user=cp.sibling, wish=wish, approve=True)
    with pytest.raises(ValidationError):
        aw.do_review_wish(acting_user=cp.own, wish=wish, approve=False, note="")
    wish = aw.do_review_wish(acting_user=cp.ancestor, wish=wish, approve=False, note="超出心愿范围")
    assert wish.status == "rejected"
    with pytest.raises(TransitionError):
        aw.do_review_wish(acting_user=cp.own, wish=wish, approve=True)


def test_a_member_cannot_claim_their_own_wish_and_a_company_needs_a_name(cp, wish_round, member):
    wish = aw.do_review_wish(acting_user=cp.own, wish=post_wish(wish_round, member), approve=True)
    with pytest.raises(ValidationError):
        aw.do_claim_wish(acting_user=as_member(member), wish=wish, claimant_kind="member")
    with pytest.raises(ValidationError):
        aw.do_claim_wish(acting_user=cp.outsider, wish=wish, claimant_kind="company", claimant_name="")
    wish = aw.do_claim_wish(acting_user=cp.outsider, wish=wish, claimant_kind="company", claimant_name="顺丰爱心车队")
    assert wish.claimant_name == "顺丰爱心车队"


def test_the_sweeps_release_overdue_claims_and_confirm_after_seven_days(cp, wish_round, member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    wish = aw.do_review_wish(acting_user=cp.own, wish=post_wish(wish_round, member), approve=True)
    wish = aw.do_claim_wish(acting_user=cp.own, wish=wish, claimant_kind="staff")
    assert aw.release_overdue_claims(today=wish.claim_deadline) == 0
    assert aw.release_overdue_claims(today=wish.claim_deadline + dt.timedelta(days=1)) == 1
    wish = Wish.objects.get(pk=wish.pk)
    assert wish.status == "published" and wish.claimant_name == ""
    wish = aw.do_claim_wish(acting_user=cp.own, wish=wish, claimant_kind="staff")
    wish = aw.do_fulfil_wish(acting_user=cp.own, wish=wish, proof=proof())
    assert aw.auto_confirm_wishes(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert aw.auto_confirm_wishes(now=timezone.now() + dt.timedelta(days=7, minutes=1)) == 1
    wish = Wish.objects.get(pk=wish.pk)
    assert wish.status == "confirmed" and wish.auto_confirmed
    assert entries("charity.wish_confirm")[0].actor_label.endswith("charity-auto-confirm")


def test_volunteers_sign_up_within_capacity_and_record_hours(tree, cp, member):
    v1 = aw.do_register_volunteer(acting_user=as_member(member), org=None, membership=member, skills=["驾驶"])
    v2 = aw.do_register_volunteer(acting_user=cp.own, org=tree.district, name="李志愿", mobile="13912345678")
    assert v2.mobile_masked.startswith("139") and "1234" not in v2.mobile_masked
    with pytest.raises(ValidationError):
        aw.do_register_volunteer(acting_user=cp.own, org=tree.district, name="王", mobile="123")
    activity = aw.do_create_activity(
        acting_user=cp.own, org=tree.district, title="心愿送达", on=timezone.localdate(), capacity=1
    )
    signup = aw.do_sign_up(acting_user=as_member(member), activity=activity, volunteer=v1)
    with pytest.raises(ValidationError):
        aw.do_sign_up(acting_user=cp.own, activity=activity, volunteer=v2)
    with pytest.raises(ValidationError):
        aw.do_record_hours(acting_user=cp.own, signup=signup, hours="30")
    aw.do_record_hours(acting_user=cp.own, signup=signup, hours="2.5")
    assert Volunteer.objects.get(pk=v1.pk).hours == Decimal("2.5")
    with pytest.raises(ActionPermissionError):
        aw.do_record_hours(acting_user=cp.sibling, signup=signup, hours="1")
