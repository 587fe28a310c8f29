"""Every transition's refusals, the branches (return, not accepted, reopen, supervision, duplicates,
signed rating links, crisis flag, mediation), the four personas, bad input and audit entries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gonghui.appeals import actions
from gonghui.appeals.models import Appeal, AppealEvent, CallBack, CrisisFollowUp, MediationCase, Supervision
from gonghui.appeals.states import TRANSITIONS
from gonghui.appeals.states import AppealStatus as S
from gonghui.appeals.tests.helpers import entries, kinds, register, reload
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.core.models import AuditEntry
from gonghui.core.testing import make_staff

pytestmark = pytest.mark.django_db


def at_district(operator, handlers, tree, **kw):
    appeal = register(operator, tree.province, **kw)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    return actions.do_sign(acting_user=handlers["district"], appeal=appeal)


def resolved(operator, handlers, tree, **kw):
    appeal = at_district(operator, handlers, tree, **kw)
    return actions.do_resolve(acting_user=handlers["district"], appeal=appeal, result="已协调解决")


# --- the state machine itself ------------------------------------------------------------------


def test_it_declares_every_state_with_its_moves():
    assert set(TRANSITIONS) == set(S)
    for targets in TRANSITIONS.values():
        assert targets <= set(S)
    for final in (S.CLOSED, S.NOT_ACCEPTED, S.MERGED):
        assert TRANSITIONS[final] == set()


def test_it_refuses_a_transition_naming_the_current_state(tree, clock, operator, handlers):
    appeal = register(operator, tree.province)
    with pytest.raises(TransitionError) as error:
        actions.do_sign(acting_user=operator, appeal=appeal)
    assert "已受理" in str(error.value) and error.value.current_state == "registered"
    with pytest.raises(TransitionError):
        actions.do_close(acting_user=operator, appeal=appeal)
    with pytest.raises(TransitionError):
        actions.do_record_satisfaction(acting_user=operator, appeal=appeal, satisfaction="satisfied")
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    with pytest.raises(TransitionError):
        actions.do_resolve(acting_user=handlers["city"], appeal=appeal, result="x")  # sign for first
    with pytest.raises(TransitionError):
        actions.do_start(acting_user=handlers["city"], appeal=appeal)
    count = AppealEvent.objects.filter(appeal=appeal).count()
    with pytest.raises(TransitionError):
        actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    assert AppealEvent.objects.filter(appeal=appeal).count() == count  # nothing written


def test_it_assigns_only_below_the_holder_and_a_return_goes_back_to_the_forwarder(tree, clock, operator, handlers):
    appeal = register(operator, tree.province)
    city_ticket = register(operator, tree.province, topic="hours")
    city_ticket = actions.do_assign(acting_user=operator, appeal=city_ticket, to_org=tree.city)
    actions.do_sign(acting_user=handlers["city"], appeal=city_ticket)
    count = AppealEvent.objects.count()
    for holder_ticket, target in ((appeal, tree.province), (city_ticket, tree.other_city), (city_ticket, tree.city)):
        with pytest.raises(ValidationError) as error:
            actions.do_assign(acting_user=operator, appeal=holder_ticket, to_org=target)
        assert "的下级组织" in str(error.value)
    assert AppealEvent.objects.count() == count  # nothing written
    # The suggested 承办 union two levels down is reached at once (issue 18: 转办 may skip levels) …
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.district)
    assert appeal.status == S.ASSIGNED and appeal.org == tree.district
    # … and its return goes back to the province that forwarded it, not to 深圳市 which never held it.
    appeal = actions.do_return(acting_user=handlers["district"], appeal=appeal, reason="不属本区")
    assert appeal.status == S.RETURNED and appeal.org == tree.province


def test_it_returns_up_with_a_reason_and_is_reassigned(tree, clock, operator, handlers):
    appeal = register(operator, tree.province)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.sibling_district)
    with pytest.raises(ValidationError):
        actions.do_return(acting_user=handlers["sibling"], appeal=appeal, reason=" ")
    appeal = actions.do_return(acting_user=handlers["sibling"], appeal=appeal, reason="用人单位不在本区")
    assert appeal.status == S.RETURNED and appeal.org == tree.city
    event = AppealEvent.objects.filter(appeal=appeal, kind="returned").get()
    assert (event.from_org, event.to_org, event.reason) == (tree.sibling_district, tree.city, "用人单位不在本区")
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    assert appeal.status == S.ASSIGNED and appeal.org == tree.district
    assert entries("appeal.return")[0].reason == "用人单位不在本区"
    # The province hotline that took the call cannot return it anywhere.
    other = register(operator, tree.province, topic="hours")
    with pytest.raises(TransitionError):
        actions.do_return(acting_user=operator, appeal=other, reason="x")


def test_it_does_not_accept_with_a_reason(tree, clock, operator):
    appeal = register(operator, tree.province, topic="other", request_type="consultation")
    with pytest.raises(ValidationError):
        actions.do_not_accept(acting_user=operator, appeal=appeal, reason="")
    appeal = actions.do_not_accept(acting_user=operator, appeal=appeal, reason="已进入诉讼程序，不属于受理范围")
    assert appeal.status == S.NOT_ACCEPTED and appeal.not_accepted_reason.startswith("已进入诉讼")
    assert entries("appeal.not_accept")[0].after["status"] == "not_accepted"
    with pytest.raises(TransitionError):
        actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)


def test_it_resolves_a_consultation_on_the_phone_at_once(tree, clock, operator):
    appeal = register(operator, tree.province, request_type="consultation", topic="membership")
    appeal = actions.do_resolve(acting_user=operator, appeal=appeal, result="已电话解答入会流程")
    assert appeal.status == S.RESOLVED and appeal.resolved_org == tree.province
    assert CallBack.objects.filter(appeal=appeal, kind="resolution").count() == 1


# --- satisfaction, reopen, signed links --------------------------------------------------------------


def test_it_reopens_on_dissatisfaction_the_handler_caused(tree, clock, operator, handlers):
    appeal = resolved(operator, handlers, tree)
    with pytest.raises(ValidationError) as error:
        actions.do_record_satisfaction(acting_user=operator, appeal=appeal, satisfaction="dissatisfied")
    assert "dissatisfaction_reason" in error.value.message_dict
    appeal = actions.do_record_satisfaction(
        acting_user=operator, appeal=appeal, satisfaction="dissatisfied", dissatisfaction_reason="not_solved"
    )
    assert appeal.status == S.REOPENED and appeal.reopen_count == 1 and appeal.org == tree.district
    assert appeal.resolved_at is None and appeal.due_on > clock.today
    assert kinds(appeal)[-2:] == ["rated", "transition"]
    assert entries("appeal.reopen")[0].after["status"] == "reopened"
    # The resolution call-back task is closed; the next resolution makes a new one.
    appeal = actions.do_resolve(acting_user=handlers["district"], appeal=appeal, result="补发到位")
    assert CallBack.objects.filter(appeal=appeal, kind="resolution", done_at__isnull=True).count() == 1


def test_it_does_not_reopen_when_the_handler_is_not_to_blame(tree, clock, operator, handlers):
    appeal = resolved(operator, handlers, tree)
    appeal = actions.do_record_satisfaction(
        acting_user=operator, appeal=appeal, satisfaction="very_dissatisfied", dissatisfaction_reason="policy"
    )
    assert appeal.status == S.RATED
    assert actions.do_close(acting_user=operator, appeal=appeal).status == S.CLOSED


def test_it_takes_the_requesters_rating_through_a_signed_one_click_link(tree, clock, operator, handlers):
    appeal = resolved(operator, handlers, tree)
    tokens = actions.rating_tokens(appeal)
    assert set(tokens) == {"very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"}
    assert "13800138000" not in tokens["satisfied"]
    with pytest.raises(ValidationError):
        actions.do_rate_by_link(token=tokens["satisfied"][:-2] + "xx")
    appeal = actions.do_rate_by_link(token=tokens["satisfied"])
    assert appeal.status == S.RATED and appeal.rated_by_requester and appeal.satisfaction == "satisfied"
    with pytest.raises(ValidationError) as again:
        actions.do_rate_by_link(token=tokens["very_satisfied"])
    assert "已评价" in str(again.value)
    entry = entries("appeal.rate")[0]
    assert entry.actor_id is None and entry.after["status"] == "rated"


def test_it_records_an_unanswered_call_back_and_keeps_the_task_open(tree, clock, operator, handlers):
    appeal = resolved(operator, handlers, tree)
    callback = CallBack.objects.get(appeal=appeal, kind="resolution")
    with pytest.raises(ValidationError):
        actions.do_call_back(acting_user=operator, callback=callback, reached=False, satisfaction="satisfied")
    actions.do_call_back(acting_user=operator, callback=callback, reached=False, note="无人接听")
    assert CallBack.objects.get(pk=callback.pk).done_at is None and reload(appeal).status == S.RESOLVED
    actions.do_call_back(acting_user=operator, callback=callback, reached=True)
    assert reload(appeal).status == S.CALLED_BACK
    with pytest.raises(ValidationError):
        actions.do_call_back(acting_user=operator, callback=callback, reached=True)
    assert actions.do_close(acting_user=operator, appeal=reload(appeal)).status == S.CLOSED


# --- duplicates ------------------------------------------------------------------------------------


def test_it_links_a_repeat_call_within_seven_days_instead_of_counting_it_twice(tree, clock, operator):
    first = register(operator, tree.province)
    clock.advance(days=6)
    again = register(operator, tree.province, caller_phone="+86 138-0013-8000", text="还是没发工资")
    assert again.status == S.MERGED and again.duplicate_of == first
    assert reload(first).repeat_calls == 1 and "repeat_call" in kinds(first)
    assert entries("appeal.register_repeat")[0].after["duplicate_of"] == first.number
    other_topic = register(operator, tree.province, topic="injury")
    assert other_topic.status == S.REGISTERED and other_topic.duplicate_of is None
    forced = register(operator, tree.province, allow_duplicate=True)
    assert forced.status == S.REGISTERED
    clock.advance(days=2)  # more than 7 days after the first call, but the forced one is 2 days old
    third = register(operator, tree.province)
    assert third.status == S.MERGED and third.duplicate_of == forced
    assert Appeal.objects.exclude(status=S.MERGED).count() == 3


def test_it_never_merges_a_crisis_call(tree, clock, operator):
    register(operator, tree.province, topic="psychological", request_type="help", text="心情不好")
    crisis = register(operator, tree.province, topic="psychological", request_type="help", text="我不想活了")
    assert crisis.status == S.REGISTERED and crisis.crisis


# --- crisis ---------------------------------------------------------------------------------------------


def test_it_lets_the_operator_flag_a_crisis(tree, clock, operator):
    appeal = register(operator, tree.province, topic="dismissal")
    assert not appeal.crisis and appeal.priority == 2
    appeal = actions.do_flag_crisis(
        acting_user=operator, appeal=appeal, reason="来电人情绪激动，有轻生倾向", emergency_contact_phone="13700137000"
    )
    assert appeal.crisis and appeal.priority == 0
    assert CrisisFollowUp.objects.get(appeal=appeal).due_at == clock.at + dt.timedelta(hours=24)
    with pytest.raises(ValidationError):
        actions.do_flag_crisis(acting_user=operator, appeal=appeal, reason="again")
    assert entries("appeal.crisis")[0].reason.startswith("来电人情绪激动")


# --- supervision by hand ---------------------------------------------------------------------------------


def test_it_lets_the_org_above_open_and_close_supervision(tree, clock, operator, handlers):
    appeal = at_district(operator, handlers, tree)
    with pytest.raises(ActionPermissionError):  # the district cannot supervise itself
        actions.do_open_supervision(acting_user=handlers["district"], appeal=appeal, reason="自行督办")
    supervision = actions.do_open_supervision(
        acting_user=handlers["city"], appeal=appeal, reason="群体性欠薪，市总督办"
    )
    assert supervision.org == tree.city and reload(appeal).supervised
    with pytest.raises(ValidationError):
        actions.do_open_supervision(acting_user=handlers["city"], appeal=appeal, reason="again")
    supervision = actions.do_close_supervision(acting_user=handlers["city"], supervision=supervision, note="已整改")
    assert supervision.closed_on == clock.today and not reload(appeal).supervised
    assert [e.action for e in entries("appeal.supervise")] == ["appeal.supervise"]


# --- the four personas -------------------------------------------------------------------------------


def test_it_lets_only_own_and_ancestor_staff_act_on_a_ticket_held_by_the_district(tree, clock, operator, handlers, ap):
    appeal = at_district(operator, handlers, tree)
    for _name, user in ap.refused():
        with pytest.raises(ActionPermissionError):
            actions.do_start(acting_user=user, appeal=appeal)
        with pytest.raises(ActionPermissionError):
            actions.do_add_note(acting_user=user, appeal=appeal, text="越权")
        assert Appeal.objects.restrict(user, "view").filter(pk=appeal.pk).exists() is False
    for _name, user in ap.allowed():
        assert Appeal.objects.restrict(user, "view").filter(pk=appeal.pk).exists()
        actions.do_add_note(acting_user=user, appeal=appeal, text="已电话联系企业")
    assert AppealEvent.objects.filter(appeal=appeal, kind="note").count() == 2


def test_it_shows_the_province_everything_and_each_org_its_subtree(tree, clock, operator, handlers):
    at_district(operator, handlers, tree)
    at_province = register(operator, tree.province, topic="injury")
    assert Appeal.objects.restrict(operator, "view").count() == 2
    assert list(Appeal.objects.restrict(handlers["district"], "view")) != [at_province]
    assert Appeal.objects.restrict(handlers["district"], "view").count() == 1
    assert Appeal.objects.restrict(handlers["sibling"], "view").count() == 0


def test_it_refuses_registration_outside_the_operators_orgs(tree, clock, ap):
    with pytest.raises(ActionPermissionError):
        register(ap.sibling, tree.district)
    handler = make_staff("only-handler", tree.district, roles=("appeals",))
    with pytest.raises(ActionPermissionError):  # handlers do not take calls
        register(handler, tree.district)
    assert Appeal.objects.count() == 0 and not AuditEntry.objects.filter(action="appeal.register").exists()


# --- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", "fax"),
        ("topic", "weather"),
        ("request_type", ""),
        ("text", "   "),
        ("caller_phone", "12345"),
        ("division_code", "44a305"),
        ("complexity", "hard"),
        ("urgency", "asap"),
        ("triage_confidence", 1.5),
    ],
)
def test_it_rejects_bad_input_and_writes_nothing(tree, clock, operator, field, value):
    with pytest.raises(ValidationError) as error:
        register(operator, tree.province, **{field: value})
    assert field in error.value.message_dict
    assert Appeal.objects.count() == 0 and AuditEntry.objects.filter(action__startswith="appeal.").count() == 0


def test_it_accepts_a_landline_and_an_anonymous_caller(tree, clock, operator):
    appeal = register(operator, tree.province, caller_phone="0755-86001234", anonymous=True, caller_name="王某")
    assert appeal.caller_name == "" and appeal.anonymous
    assert appeal.caller_phone_masked == "0755****34"
    assert actions.do_reveal_caller_phone(acting_user=operator, appeal=appeal) == "075586001234"
    assert entries("appeal.reveal_phone")


def test_it_suggests_the_members_union(tree, clock, operator):
    from gonghui.members.tests.helpers import make_member

    membership = make_member(tree.grassroots)
    appeal = register(operator, tree.province, membership=membership, caller_phone="")
    assert appeal.suggested_org == tree.grassroots and appeal.person == membership.person


# --- mediation -------------------------------------------------------------------------------------------


def test_it_runs_a_mediation_case_through_its_stages(tree, clock, operator, handlers):
    appeal = at_district(operator, handlers, tree)
    case = actions.do_open_mediation(
        acting_user=handlers["district"], appeal=appeal, amount_claimed="56000", workers=8, mediator_names="陈调解员"
    )
    assert case.stage == "enquiry" and case.org == tree.district
    case = actions.do_advance_mediation(acting_user=handlers["district"], case=case, stage="mediation")
    with pytest.raises(ValidationError):
        actions.do_advance_mediation(acting_user=handlers["district"], case=case, stage="consultation")
    actions.do_add_mediation_session(
        acting_user=handlers["district"], case=case, held_on=clock.today, note="双方达成分期支付协议"
    )
    with pytest.raises(ValidationError):
        actions.do_close_mediation(acting_user=handlers["district"], case=case, outcome="pending")
    case = actions.do_close_mediation(
        acting_user=handlers["district"], case=case, outcome="mediated", amount_recovered="56000.00"
    )
    assert case.amount_recovered == Decimal("56000.00") and case.closed_on == clock.today
    with pytest.raises(ActionPermissionError):
        actions.do_open_mediation(acting_user=handlers["sibling"], appeal=appeal)
    assert MediationCase.objects.restrict(handlers["sibling"], "view").count() == 0
    assert entries("appeal.mediation_close")[0].after["outcome"] == "mediated"


def test_it_keeps_one_open_supervision_per_ticket_in_the_database(tree, clock, operator, handlers):
    from django.db import IntegrityError, transaction

    appeal = at_district(operator, handlers, tree)
    actions.do_open_supervision(acting_user=handlers["city"], appeal=appeal, reason="督办")
    with pytest.raises(IntegrityError), transaction.atomic():
        Supervision.objects.create(appeal=appeal, org=tree.city, opened_on=clock.today, reason="第二个")


def test_it_attaches_a_file_with_a_random_stored_name(tree, clock, operator, ap, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    appeal = register(operator, tree.province)
    attachment = actions.do_add_attachment(
        acting_user=operator,
        appeal=appeal,
        upload=SimpleUploadedFile("张三工资条.jpg", b"\xff\xd8\xffdat", "image/jpeg"),
    )
    assert attachment.name == "张三工资条.jpg" and attachment.content_type == "image/jpeg"
    assert "张三" not in attachment.file.name and attachment.file.name.endswith(".jpg")
    assert entries("appeal.attach")[0].after["size"] == 6
    with pytest.raises(ValidationError):
        actions.do_add_attachment(
            acting_user=operator, appeal=appeal, upload=SimpleUploadedFile("virus.exe", b"MZ", "application/x")
        )
    with pytest.raises(ActionPermissionError):
        actions.do_add_attachment(
            acting_user=ap.sibling, appeal=appeal, upload=SimpleUploadedFile("a.pdf", b"%PDF", "application/pdf")
        )
    assert appeal.attachments.count() == 1
