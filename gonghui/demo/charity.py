"""Demo charity (issue 14): the 深工有爱 fund of 深圳市总工会 with a 99公益日 campaign of a few thousand
synthetic platform donations and a 1:1 matching pledge (up to ¥50,000); two grants (one to a hardship
household of 南山区, one to a children's study room); a 南山区 wish round with wishes in every state
(the demo member 13800000001 has one delivered, waiting for their confirmation); volunteers with an
activity and hours.

The `city` login proposes (maker); a `charity` login (公益慈善专员 at 深圳市) approves (checker).
Everything goes through the charity actions (audited). Idempotent: skipped when the fund exists.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

CITY, DISTRICT = "440300", "440305"
FUND_CODE = "sgya"
DONATIONS = 3000
AMOUNTS = ["1.00", "5.00", "9.90", "10.00", "10.00", "20.00", "20.00", "50.00", "66.60", "99.00", "100.00"]
NICKNAMES = [
    "爱心网友",
    "小太阳",
    "阿明",
    "平安喜乐",
    "深圳打工人",
    "快递小哥",
    "一路向南",
    "晴天",
    "木子",
    "老陈",
    "南山小李",
    "向日葵",
    "追风少年",
    "小鱼",
    "Amy",
    "静待花开",
    "工会人",
    "福田阿姨",
]
WISHES = [
    ("work", "一副加绒防寒手套", "冬天骑车送快递，手冻得握不住车把", "60.00", "confirmed"),
    ("daily", "一盏小夜灯", "刚当妈妈，夜里起来喂奶不想吵醒宝宝", "45.00", "fulfilled"),
    ("study", "孩子的一套课外书", "孩子爱看书，家里的书都翻旧了", "150.00", "claimed"),
    ("health", "一个电子血压计", "母亲高血压，想在家随时量一量", "199.00", "published"),
    ("work", "一双防滑雨靴", "下雨天送外卖，鞋子总是湿的", "89.00", "published"),
    ("appliance", "一个电饭煲", "宿舍的电饭煲坏了", "180.00", "submitted"),
    ("other", "一部新手机", "想换一部新手机", "2999.00", "rejected"),
    ("daily", "一床冬被", "老家寄来的被子太薄", "220.00", "withdrawn"),
]


def _png() -> bytes:
    """A real 1×1 red PNG (the demo's 'delivery photo')."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00\xc8\x16\x1d")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def _checker(city):
    from gonghui.accounts.actions import do_create_staff, do_grant_role
    from gonghui.accounts.models import Role, User
    from gonghui.demo.data import DEMO_PASSWORD

    user = User.objects.filter(username="charity").first()
    if user is None:
        user = do_create_staff(
            acting_user=None,
            username="charity",
            display_name="深圳市总工会公益慈善专员",
            home_org=city,
            password=DEMO_PASSWORD,
        )
        do_grant_role(acting_user=None, user=user, role=Role.objects.get(code="charity"), org=city)
    return User.objects.get(pk=user.pk)


def _donations(campaign, maker, rng: random.Random) -> None:
    from gonghui.charity.actions import DonationSpec, book_donations, lock_campaign
    from gonghui.charity.models import Donation

    start = timezone.make_aware(dt.datetime.combine(campaign.starts_on, dt.time(0, 0)))
    specs = []
    for i in range(DONATIONS):
        amount = Decimal(rng.choice(AMOUNTS))
        if rng.random() < 0.15:
            amount = Decimal(rng.randint(100, 30000)) / 100
        refund = amount if i % 250 == 7 else Decimal("0")
        specs.append(
            DonationSpec(
                amount=amount,
                donor_kind=Donation.DonorKind.ANONYMOUS,
                donor_name=rng.choice(NICKNAMES),
                channel=Donation.Channel.ONLINE,
                external_ref=f"99GY{campaign.starts_on:%Y}{i:07d}",
                donated_at=start + dt.timedelta(seconds=rng.randint(0, 3 * 86400 - 1)),
                refund=refund,
            )
        )
    with transaction.atomic():
        book_donations(lock_campaign(campaign, maker), specs, acting_user=maker)


def _household(district, maker):
    """A hardship household under 南山区: one the demo already has, else a minimal applied archive."""
    from gonghui.core.tree import in_subtree
    from gonghui.hardship.actions import do_create_archive
    from gonghui.hardship.models import HardshipArchive
    from gonghui.members.models import Membership
    from gonghui.members.states import CURRENT

    archive = HardshipArchive.objects.filter(in_subtree("org_path", district.path)).order_by("pk").first()
    if archive is not None:
        return archive
    membership = (
        Membership.objects.filter(in_subtree("org_path", district.path), status__in=CURRENT).order_by("pk").first()
    )
    if membership is None:
        return None
    return do_create_archive(
        acting_user=None,  # hardship's actions take None for a system job
        membership=membership,
        origin="discovered",
        level="district",
        primary_cause="illness",
        person_name="演示帮扶专员",
        reason="走访发现：家庭主要劳动力患重病（演示数据）",
    )


def _grants(fund, district, maker, checker) -> None:
    from gonghui.charity import actions_grants as ag

    archive = _household(district, maker)
    if archive is not None:
        grant = ag.do_propose_grant(
            acting_user=maker,
            fund=fund,
            beneficiary_kind="hardship",
            archive=archive,
            purpose="medical",
            amount="30000.00",
            reason="职工家庭成员罹患重病，医疗费用负担沉重（演示）",
            documents="诊断证明、费用清单",
            payee_name="困难职工本人（演示）",
            bank_name="中国工商银行深圳南山支行",
            account="6222020000001234567",
        )
        grant = ag.do_approve_grant(acting_user=checker, grant=grant, note="基金管委会审议同意")
        ag.do_mark_grant_paid(acting_user=checker, grant=grant, payment_ref="DEMO-PAY-0001")
    grant = ag.do_propose_grant(
        acting_user=maker,
        fund=fund,
        beneficiary_kind="project",
        project_name="南山区职工子女暑期学习室",
        purpose="project",
        amount="12000.00",
        reason="为双职工家庭子女提供暑期托管和学习场所",
        payee_name="南山区总工会",
        bank_name="中国建设银行深圳分行",
        account="4420150000123456789",
    )
    grant = ag.do_approve_grant(acting_user=checker, grant=grant, note="同意")
    grant = ag.do_mark_grant_paid(acting_user=checker, grant=grant, payment_ref="DEMO-PAY-0002")
    ag.do_confirm_grant_receipt(acting_user=maker, grant=grant, note="学习室已开放，收款回执已归档")


def _wishes(district, maker, rng) -> None:
    from gonghui.charity import actions_wishes as aw
    from gonghui.core.actionkit import Actor
    from gonghui.core.tree import in_subtree
    from gonghui.demo.members import DEMO_MEMBER
    from gonghui.members.models import Membership
    from gonghui.members.states import CURRENT

    today = timezone.localdate()
    wish_round = aw.do_create_round(
        acting_user=maker,
        org=district,
        name=f"{today.year}年南山区微心愿第一期",
        starts_on=today - dt.timedelta(days=20),
        ends_on=today + dt.timedelta(days=40),
    )
    members = list(
        Membership.objects.filter(in_subtree("org_path", district.path), status__in=CURRENT)
        .select_related("person", "org")
        .exclude(person__mobile=DEMO_MEMBER["mobile"])
        .order_by("pk")[: len(WISHES) + 12]
    )
    demo = (
        Membership.objects.filter(person__mobile=DEMO_MEMBER["mobile"], status__in=CURRENT)
        .select_related("person", "org")
        .first()
    )
    if demo is not None and demo.org_path.startswith(district.path):
        members.insert(1, demo)  # the demo member's wish is the delivered one, waiting for their confirmation
    donors = members[len(WISHES) :]
    for (category, title, story, price, state), membership in zip(WISHES, members, strict=False):
        wish = aw.do_post_wish(
            acting_user=maker,
            wish_round=wish_round,
            membership=membership,
            category=category,
            title=title,
            story=story,
            price=min(Decimal(price), wish_round.price_cap),
        )
        if state == "withdrawn":
            aw.do_withdraw_wish(acting_user=maker, wish=wish)
            continue
        if state == "submitted":
            continue
        if state == "rejected":
            aw.do_review_wish(acting_user=maker, wish=wish, approve=False, note="超出微心愿范围，建议申请困难帮扶")
            continue
        wish = aw.do_review_wish(acting_user=maker, wish=wish, approve=True)
        if state == "published":
            continue
        donor = donors.pop() if donors else None
        actor = Actor.member(donor.person_id, donor.person.name[:1] + "**") if donor else maker
        wish = aw.do_claim_wish(acting_user=actor, wish=wish, claimant_kind="volunteer" if donor else "staff")
        if state == "claimed":
            continue
        photo = SimpleUploadedFile("proof.png", _png(), content_type="image/png")
        wish = aw.do_fulfil_wish(acting_user=actor, wish=wish, proof=photo)
        if state == "confirmed":
            aw.do_confirm_wish(acting_user=Actor.member(membership.person_id, "会员"), wish=wish)


def _volunteers(district, maker) -> None:
    from gonghui.charity import actions_wishes as aw
    from gonghui.core.tree import in_subtree
    from gonghui.members.models import Membership
    from gonghui.members.states import CURRENT

    members = (
        Membership.objects.filter(in_subtree("org_path", district.path), status__in=CURRENT)
        .select_related("person", "org")
        .order_by("-pk")[:5]
    )
    skills = [["驾驶", "搬运"], ["心理疏导"], ["摄影"], ["维修家电"], ["陪伴老人"]]
    volunteers = [
        aw.do_register_volunteer(acting_user=maker, org=district, membership=m, skills=s, availability="周末")
        for m, s in zip(members, skills, strict=False)
    ]
    volunteers.append(
        aw.do_register_volunteer(
            acting_user=maker,
            org=district,
            name="周志愿（非会员）",
            mobile="13912340001",
            skills=["法律咨询"],
            availability="工作日晚上",
        )
    )
    today = timezone.localdate()
    done = aw.do_create_activity(
        acting_user=maker,
        org=district,
        title="微心愿集中送达日",
        kind="wish_delivery",
        on=today - dt.timedelta(days=7),
        place="南山区职工服务中心",
        capacity=10,
    )
    upcoming = aw.do_create_activity(
        acting_user=maker,
        org=district,
        title="环卫工人爱心早餐",
        on=today + dt.timedelta(days=5),
        place="南头街道",
        capacity=8,
    )
    for i, v in enumerate(volunteers):
        signup = aw.do_sign_up(acting_user=maker, activity=done, volunteer=v)
        aw.do_record_hours(acting_user=maker, signup=signup, hours=str(2 + i % 3))
        if i < 3:
            aw.do_sign_up(acting_user=maker, activity=upcoming, volunteer=v)


@transaction.atomic
def seed_demo(stdout=None) -> None:
    from gonghui.accounts.models import User
    from gonghui.charity import actions
    from gonghui.charity.models import Fund
    from gonghui.orgs.models import Org

    city, district = Org.objects.filter(code=CITY).first(), Org.objects.filter(code=DISTRICT).first()
    maker = User.objects.filter(username="city").first()
    if city is None or district is None or maker is None or Fund.objects.filter(code=FUND_CODE).exists():
        return
    checker = _checker(city)
    rng = random.Random(99)
    fund = actions.do_create_fund(
        acting_user=maker,
        org=city,
        code=FUND_CODE,
        name="深工有爱专项基金",
        purpose="深圳市总工会职工帮扶基金会“12345+N”专项基金：帮助遭遇大病、意外等急难的职工家庭，资助职工子女助学和公益项目。",
        restrictions={"max_grant": "50000.00"},
    )
    year = (
        timezone.localdate().year
        if timezone.localdate() > dt.date(timezone.localdate().year, 9, 9)
        else timezone.localdate().year - 1
    )
    campaign = actions.do_create_campaign(
        acting_user=maker,
        fund=fund,
        name=f"{year}年99公益日·深工有爱",
        target="150000.00",
        starts_on=dt.date(year, 9, 7),
        ends_on=dt.date(year, 9, 9),
        description="一起帮一帮身边遭遇困难的职工家庭。",
        match_partner="深圳某爱心企业（演示）",
        match_ratio="1",
        match_cap="50000.00",
    )
    actions.do_set_campaign_status(acting_user=maker, campaign=campaign, status="open")
    _donations(campaign, maker, rng)
    actions.do_set_campaign_status(acting_user=maker, campaign=campaign, status="closed")
    year_round = actions.do_create_campaign(
        acting_user=maker,
        fund=fund,
        name="职工互助日常捐赠",
        target="50000.00",
        starts_on=dt.date(timezone.localdate().year, 1, 1),
        ends_on=dt.date(timezone.localdate().year, 12, 31),
    )
    actions.do_set_campaign_status(acting_user=maker, campaign=year_round, status="open")
    actions.do_record_donation(
        acting_user=maker,
        campaign=year_round,
        amount="20000.00",
        donor_kind="company",
        donor_name="深圳某科技有限公司（演示）",
        channel="bank",
        external_ref="DEMO-BANK-0001",
    )
    _grants(fund, district, maker, checker)
    _wishes(district, maker, rng)
    _volunteers(district, maker)
    if stdout is not None:
        stdout.write(
            f"charity: fund {fund.code}, campaign {campaign.pk} with {DONATIONS} donations, wishes, volunteers"
        )
