"""Demo hardship households (困难职工帮扶): a dozen archives of 南山区 workers in every state, so a
newcomer logging in as `district` sees what the module does — visits, the four data checks, the
means test (one household still 待核算), a public notice with an objection, approval, aid applied
for, approved and paid through a bank batch, an annual review, an exit, a relief, a removal and a
rejection.

Everything goes through the hardship actions as a system job (`acting_user=None`, as the app's own
jobs do), except the second signature of the payment, which the maker-checker rule reserves for a
person: the demo `admin` account. The households' history is dated in the past: the actions read the
date from `hardship.actions._today`, which this loader moves forward step by step (as the tests do),
so that notice periods have run before approval. Idempotent: nothing is done when any archive exists.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from gonghui.core.tree import in_subtree
from gonghui.demo.members import DEMO_MEMBER
from gonghui.hardship import actions, aid, bankfile
from gonghui.hardship.models import DataCheck, HardshipArchive
from gonghui.hardship.models_aid import AidProgramme
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.members.models import Membership
from gonghui.members.states import MembershipStatus
from gonghui.orgs.models import Org
from gonghui.people.identity import synthetic_id

DISTRICT = "440305"  # the `district` login's union
HANDLER = "周敏"  # the `district` login's person (经办人)
VISITORS = "周敏、李建华"

# (final state, origin, annual income (None = not recorded: 待核算), cause, child's schooling)
HOUSEHOLDS = [
    (S.DISCOVERED, "discovered", None, "illness", "junior"),
    (S.APPLIED, "applied", None, "disability", "primary"),
    (S.VISITED, "applied", None, "illness", "senior"),  # visited, finances not recorded: 待核算
    (S.VISITED, "discovered", "26000", "schooling", "university"),
    (S.CHECKED, "applied", "30000", "illness", "senior"),
    (S.REVIEWED, "applied", "21000", "disability", "junior"),
    (S.NOTICE, "applied", "24000", "illness", "university"),  # with an objection under investigation
    (S.ARCHIVED, "applied", "18000", "illness", "university"),  # 金秋助学 paid
    (S.ARCHIVED, "discovered", "52000", "schooling", "senior"),
    (S.UNDER_REVIEW, "applied", "27000", "disability", "primary"),
    (S.EXITED, "applied", "22000", "unemployment", "junior"),
    (S.RELIEVED, "discovered", "15000", "disability", "primary"),
    (S.REMOVED, "applied", "25000", "illness", "senior"),
    (S.REJECTED, "applied", "96000", "illness", "junior"),
]


# The worker's own health by the household's cause (解困 needs a seriously ill or disabled member).
HEALTH = {
    "illness": {"health": "serious", "illness": "尿毒症"},
    "disability": {"health": "disabled", "disability_category": "肢体残疾", "disability_grade": "二级"},
}


@contextmanager
def _clock(start: dt.date):
    """Let the actions see `start` as today, then later days (`clock.advance`), and restore the clock."""
    real = actions._today

    class Clock:
        today = start

        def __call__(self):
            return self.today

        def advance(self, days: int):
            self.today += dt.timedelta(days=days)

    clock = Clock()
    actions._today = clock
    try:
        yield clock
    finally:
        actions._today = real


def _workers(count: int) -> list[Membership]:
    """Active members of 南山区 unions (not in an archive), the same ones on every database."""
    district = Org.objects.filter(code=DISTRICT).first()
    if district is None:
        return []
    return list(
        Membership.objects.filter(in_subtree("org_path", district.path), status=MembershipStatus.ACTIVE)
        .exclude(person__mobile=DEMO_MEMBER["mobile"])  # the portal's demo member keeps a plain record
        .select_related("org", "person")
        .order_by("-id")[:count]  # the newest: the oldest members are left for the walkthroughs and tests
    )


def _named(kw: dict) -> dict:
    return {"person_name": HANDLER, **kw}


def _walk(archive, target: str, clock, income) -> HardshipArchive:
    """Move `archive` to `target` through the real actions, a few days per step."""
    path = [S.VISITED, S.CHECKED, S.REVIEWED, S.NOTICE, S.ARCHIVED]
    if target in (S.DISCOVERED, S.APPLIED):
        return archive
    ends_archived = target in (S.ARCHIVED, S.UNDER_REVIEW, S.EXITED, S.RELIEVED, S.REMOVED)
    stop = S.ARCHIVED if ends_archived else (S.VISITED if target == S.REJECTED else target)
    for step in path:
        clock.advance(3)
        if step == S.VISITED:
            actions.do_record_visit(
                acting_user=None,
                archive=archive,
                visited_on=clock.today,
                visitors=VISITORS,
                findings="入户核实：家中共同生活人口与申报一致，本人身体状况影响工作，子女在读。",
            )
            if income is not None:
                actions.do_record_finances(
                    acting_user=None,
                    archive=archive,
                    year=timezone.localdate().year - 1,  # the demo loads 低保 lines for last year and this
                    incomes=[{"kind": "wages", "amount": income}],
                    expenses=[{"kind": "medical", "amount": "6000"}],
                    **_named({"reason": "入户调查时登记上年度家庭收支"}),
                )
        elif step == S.CHECKED:
            for kind in DataCheck.Kind.values:
                actions.do_record_check(
                    acting_user=None,
                    archive=archive,
                    kind=kind,
                    result="none_found",
                    source="区政务数据共享平台",
                    person_name=HANDLER,
                )
        elif step == S.REVIEWED:
            actions.do_review(acting_user=None, archive=archive, **_named({"reason": "入户调查和数据核查属实"}))
        elif step == S.NOTICE:
            actions.do_start_notice(
                acting_user=None,
                archive=archive,
                place="单位公告栏及工会微信群",
                **_named({"reason": "基层审核通过，公示"}),
            )
        elif step == S.ARCHIVED:
            clock.today = actions.current_notice(archive).ends_on + dt.timedelta(days=1)
            actions.do_approve(acting_user=None, archive=archive, **_named({"reason": "公示期满无异议，批准建档"}))
        archive = HardshipArchive.objects.get(pk=archive.pk)
        if archive.status == stop:
            break
    if target == S.REJECTED:
        return actions.do_reject(acting_user=None, archive=archive, **_named({"reason": "家庭人均收入高于低保标准2倍"}))
    if target == S.UNDER_REVIEW:
        return actions.do_start_annual_review(acting_user=None, archive=archive, **_named({"reason": "年度复核"}))
    if target == S.EXITED:
        return actions.do_exit(
            acting_user=None, archive=archive, **_named({"reason": "本人康复返岗，连续6个月收入稳定"})
        )
    if target == S.RELIEVED:
        return actions.do_relieve(acting_user=None, archive=archive, **_named({"reason": "重度残疾，纳入政府兜底保障"}))
    if target == S.REMOVED:
        return actions.do_remove(
            acting_user=None, archive=archive, removal_reason="retired", **_named({"reason": "本人已退休"})
        )
    return archive


def _objection(archive) -> None:
    actions.do_log_objection(
        acting_user=None,
        archive=archive,
        text="反映该户家中另有一辆小汽车，请核实。",
        objector="匿名来电",
    )


def _pay_autumn_aid(archive, clock) -> int:
    """金秋助学 for the household's student: applied, checked, noticed, approved, then paid in a
    bank batch (maker: the system job; checker: the demo admin). Returns the number paid."""
    from gonghui.accounts.models import User

    checker = User.objects.filter(username="admin").first()
    programme = AidProgramme.objects.filter(org__code=DISTRICT, code="autumn_education").first()
    if checker is None or programme is None:
        return 0
    student = archive.household.filter(relation="child").first()
    application = aid.do_apply(
        acting_user=None,
        programme=programme,
        membership=archive.membership,
        year=timezone.localdate().year,  # the year the demo budgets are for
        reason="子女考入大学，家庭困难",
        household_member=student,
    )
    application = aid.do_check_application(
        acting_user=None, application=application, person_name=HANDLER, reason="录取通知书与档案核实无误"
    )
    (application,) = aid.do_start_aid_notice(acting_user=None, applications=[application], place="工会公告栏")
    clock.today = application.notice_ends_on + dt.timedelta(days=1)
    application = aid.do_approve_application(acting_user=None, application=application, note="公示无异议")
    disbursement = aid.do_propose_disbursement(
        acting_user=None,
        application=application,
        payee_name=archive.person.name,
        bank_name="中国工商银行深圳南山支行",
        account_number="6222020000001234567",
    )
    aid.do_approve_disbursement(acting_user=checker, disbursement=disbursement, note="演示：财务审核")
    batch = aid.do_create_batch(acting_user=None, org=programme.org, disbursements=[disbursement])
    bankfile.do_export_bank_file(acting_user=checker, batch=batch)
    aid.do_reconcile_batch(acting_user=checker, batch=batch, settled_on=clock.today)
    return 1


def load_demo_hardship(stdout=None) -> dict:
    """Load the demo households (see the module docstring); {} when archives already exist."""
    if HardshipArchive.objects.exists():
        if stdout is not None:
            stdout.write("demo hardship archives already present; nothing to do")
        return {}
    workers = _workers(len(HOUSEHOLDS))  # a small demo (tests) may have fewer: the first states then
    if not workers:
        return {}
    figures = {"archives": 0, "aid_paid": 0}
    # Histories start a few months back so that notices have ended; the newest steps reach today.
    start = timezone.localdate() - dt.timedelta(days=150)
    with transaction.atomic(), _clock(start) as clock:
        for n, ((target, origin, income, cause, schooling), worker) in enumerate(
            zip(HOUSEHOLDS, workers, strict=False)
        ):
            # A notice still running today (opened ten days ago, three days a step); the others in the past.
            clock.today = (
                timezone.localdate() - dt.timedelta(days=10) if target == S.NOTICE else start + dt.timedelta(days=7 * n)
            )
            born = dt.date(2006 + n % 8, 1 + n % 12, 1 + n)
            archive = actions.do_create_archive(
                acting_user=None,
                membership=worker,
                origin=origin,
                level="district",
                primary_cause=cause,
                household=[
                    {
                        "relation": "self",
                        "monthly_income": "1800",
                        **HEALTH.get(cause, {"health": "good"}),
                    },
                    {
                        "relation": "child",
                        "name": f"{worker.person.name[0]}小{'明华强丽芳军静磊敏杰婷浩洋雪'[n]}",
                        "doc_type": "resident_id",
                        "doc_number": synthetic_id("440305", born, 801 + 2 * n),
                        "schooling": schooling,
                        "school": "深圳大学" if schooling == "university" else "南山区公办学校",
                    },
                ],
                applied_on=clock.today,
                **_named({"reason": "本人申请" if origin == "applied" else "走访慰问中发现"}),
            )
            archive = _walk(archive, target, clock, income)
            if target == S.NOTICE:
                _objection(archive)
            if target == S.ARCHIVED and n == 7:
                figures["aid_paid"] += _pay_autumn_aid(archive, clock)
            figures["archives"] += 1
    if stdout is not None:
        stdout.write(
            f"created {figures['archives']} demo hardship archives in every state, {figures['aid_paid']} aid payment"
        )
    return figures
