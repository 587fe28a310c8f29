"""Demo appeals (诉求工单) for the 12351 hotline: a few hundred synthetic tickets over the last six weeks.

Every ticket is made and moved by the ordinary actions (`gonghui.appeals.actions`) while the appeals
clock is set to the simulated moment, and the SLA sweep runs at the start of every working day, so
the timeline, the notices, the supervision rows and the audit entries are what real use would have
left (the audit entries carry the time of the load; the timeline carries the simulated times).
Each ticket lives as a small script (register → assign down → sign → handle → resolve → call back →
rate → close, with returns, pauses, extensions, not-accepted, repeat calls, reopens and late
handling drawn at random with a fixed seed); scripts whose next step falls after now stop there, which
leaves tickets in every state: to sign for, in progress, due soon, overdue, under supervision,
call-backs due. Plus one crisis call from this morning (counsellor's follow-up and emergency-contact
call-back due within 24 hours) and mediation cases (询、商、调 … with sessions and amounts recovered).

Callers, phones and employers are invented; the texts come from the triage data set
(`appeals/data/triage_test.csv`, written for this project). No text message is sent.
Idempotent: nothing is done when the province already has appeals.
"""

from __future__ import annotations

import csv
import datetime as dt
import heapq
import itertools
import random
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gonghui.appeals import actions, clock, notify
from gonghui.appeals import sweep as sweep_module
from gonghui.appeals.crisis import risk_words_in
from gonghui.appeals.models import Appeal, CallBack, ExtensionRequest
from gonghui.appeals.states import OPEN, AppealStatus, RequestType, Topic
from gonghui.core import calendar
from gonghui.orgs.models import Org

S = AppealStatus
DATA = Path(__file__).resolve().parent.parent / "appeals" / "data" / "triage_test.csv"
DAYS_BACK = 42
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢"
CALLED = ("师傅", "女士", "先生", "阿姨", "")
EMPLOYERS = (
    "鹏城电子科技有限公司",
    "南粤物流有限公司",
    "珠江建筑工程有限公司",
    "岭南食品加工厂",
    "东方家具制造有限公司",
    "海湾物业管理有限公司",
    "金穗餐饮管理有限公司",
    "华粤纺织有限公司",
    "前海网络科技有限公司",
    "粤运快递服务部",
    "",
)
CHANNELS = (("hotline", 60), ("wechat", 12), ("website", 10), ("app", 8), ("visit", 6), ("letter", 4))
RATINGS = (
    ("very_satisfied", 42),
    ("satisfied", 30),
    ("basic", 12),
    ("dissatisfied", 10),
    ("very_dissatisfied", 6),
)
CRISIS_TEXT = "我被公司辞退了，工资也拿不到，房租交不起，真的觉得活不下去了，不知道该怎么办"


class _Stop(Exception):
    pass


def _texts() -> list[tuple[str, str, str]]:
    topics = {str(label): value for value, label in Topic.choices}
    types = {str(label): value for value, label in RequestType.choices}
    rows = []
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            topic, kind = topics.get(row["topic"]), types.get(row["request_type"])
            if topic and kind and not risk_words_in(row["text"]):
                rows.append((row["text"], topic, kind))
    return rows


class _Simulation:
    def __init__(self, province: Org, *, count: int, seed: int, users: dict):
        self.rng = random.Random(seed)
        self.province = province
        self.count = count
        self.hotline = users.get("hotline")
        self.district_user = users.get("district")
        self.end = timezone.now()
        self.start_day = timezone.localdate(self.end) - dt.timedelta(days=DAYS_BACK)
        orgs = list(Org.objects.filter(path__startswith=province.path, status="active").order_by("path"))
        self.children: dict[int, list[Org]] = {}
        for org in orgs:
            if org.parent_id:
                self.children.setdefault(org.parent_id, []).append(org)
        self.by_code = {org.code: org for org in orgs}
        self.nanshan = self.by_code.get("440305")
        self.districts = [o for o in orgs if o.kind == "district"]
        self.texts = _texts()
        self.queue: list = []
        self.seq = itertools.count()
        self.figures = {"appeals": 0, "steps": 0, "refused": 0}

    # --- time -----------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int | None = None) -> dt.datetime:
        hour = self.rng.randint(9, 17) if hour is None else hour
        local = dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)))
        return timezone.make_aware(local, timezone.get_current_timezone())

    def later(self, moment: dt.datetime, working_days: int) -> dt.datetime:
        day = timezone.localdate(moment)
        if working_days <= 0:
            return moment + dt.timedelta(minutes=self.rng.randint(10, 180))
        return self.at(clock.deadline(day, working_days))

    def schedule(self, when: dt.datetime, script) -> None:
        heapq.heappush(self.queue, (when, next(self.seq), script))

    # --- who acts ------------------------------------------------------------------------------

    def handler(self, org: Org):
        if self.nanshan and self.district_user and org.path.startswith(self.nanshan.path):
            return self.district_user
        return self.hotline

    def upper_handler(self, appeal: Appeal):
        return self.handler(appeal.org.parent or appeal.org)

    # --- the scripts ------------------------------------------------------------------------------

    def run(self) -> dict:
        day = self.start_day
        today = timezone.localdate(self.end)
        while day <= today:
            if calendar.is_workday(day):
                self.schedule(self.at(day, 0), self.sweep_script(day))
            day += dt.timedelta(days=1)
        for _i in range(self.count):
            offset = self.rng.randint(0, DAYS_BACK)
            day = self.start_day + dt.timedelta(days=offset)
            if not calendar.is_workday(day) and self.rng.random() < 0.7:
                day = clock.deadline(day, 1)
            moment = self.at(day, self.rng.choice((8, 9, 10, 10, 11, 14, 15, 16, 19, 21)))
            self.schedule(moment, self.ticket_script(moment))
        crisis_at = self.end - dt.timedelta(hours=3)
        self.schedule(crisis_at, self.crisis_script())
        self.schedule(self.at(self.start_day + dt.timedelta(days=3)), self.mediation_script(close=True))
        self.schedule(self.at(self.start_day + dt.timedelta(days=20)), self.mediation_script(close=False))
        self.schedule(self.at(self.recent(6)), self.extension_script())
        for minutes in (50, 25, 8):  # calls of the last hour, not yet sent down: the operator's own queue
            self.schedule(self.end - dt.timedelta(minutes=minutes), self.fresh_script())
        original = clock.now
        try:
            while self.queue and self.queue[0][0] <= self.end:
                when, _n, script = heapq.heappop(self.queue)
                clock.now = lambda when=when: when  # noqa: E731  (the simulated moment)
                try:
                    next_when = next(script)
                except (StopIteration, _Stop):
                    continue
                except (ValidationError, PermissionDenied):
                    self.figures["refused"] += 1
                    continue
                self.figures["steps"] += 1
                if next_when is not None:
                    self.schedule(next_when, script)
        finally:
            clock.now = original
        return self.figures

    def sweep_script(self, day: dt.date):
        sweep_module.sweep(day, clock.now())
        return
        yield  # pragma: no cover  (a generator with a single step)

    def caller(self) -> dict:
        name = self.rng.choice(SURNAMES) + self.rng.choice(CALLED)
        phone = f"1{self.rng.choice('3578')}{self.rng.randint(0, 9)}{self.rng.randint(0, 99_999_999):08d}"
        return {"caller_name": name, "caller_phone": phone}

    def route(self, intake: Org) -> list[Org]:
        """The orgs below `intake` the ticket will travel down to (one level at a time)."""
        if intake.kind == "city":
            candidates = [d for d in self.districts if d.parent_id == intake.pk]
        elif self.nanshan and self.rng.random() < 0.3:
            candidates = [self.nanshan]
        else:
            candidates = self.districts
        if not candidates:
            return []
        district = self.rng.choice(candidates)
        path = [] if intake.kind == "city" else [self.by_id(district.parent_id)]
        path.append(district)
        streets = [s for s in self.children.get(district.pk, []) if s.kind == "street"]
        if streets and self.rng.random() < 0.35:
            path.append(self.rng.choice(streets))
        if self.rng.random() < 0.25:  # handled at the city level
            path = path[:1]
        return [org for org in path if org is not None]

    def by_id(self, pk: int) -> Org | None:
        for org in self.by_code.values():
            if org.pk == pk:
                return org
        return None

    def register(self, intake: Org, **extra) -> Appeal:
        text, topic, request_type = self.rng.choice(self.texts)
        channel = self.rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0]
        data = {
            "channel": channel,
            "request_type": request_type,
            "topic": topic,
            "text": text,
            "employer_name": self.rng.choice(EMPLOYERS),
            "complexity": self.rng.choices(["ordinary", "difficult", "very_complex"], [80, 15, 5])[0],
            "urgency": "urgent" if self.rng.random() < 0.08 else "normal",
            "suggested_topic": topic,
            "suggested_request_type": request_type,
            "triage_confidence": round(self.rng.uniform(0.45, 0.97), 3),
            **self.caller(),
        }
        if self.rng.random() < 0.04:
            data.update(anonymous=True, caller_name="")
        data.update(extra)
        appeal = actions.do_register_appeal(acting_user=self.hotline, intake_org=intake, **data)
        self.figures["appeals"] += 1
        return appeal

    def ticket_script(self, moment: dt.datetime):
        rng = self.rng
        intake = self.by_code.get("440300") if rng.random() < 0.2 else self.province
        intake = intake or self.province
        appeal = self.register(intake)
        if appeal.status == S.MERGED:
            return
        if rng.random() < 0.05:  # the same caller rings again about the same thing
            repeat = self.later(moment, rng.randint(1, 3))
            phone = actions.crypto.decrypt(bytes(appeal.caller_phone_cipher), actions.PHONE_PURPOSE)
            self.schedule(repeat, self.repeat_script(appeal, phone))
        roll = rng.random()
        if roll < 0.12 or appeal.request_type == "consultation" and roll < 0.5:
            yield moment + dt.timedelta(minutes=rng.randint(5, 30))
            actions.do_resolve(acting_user=self.hotline, appeal=appeal, result="已电话解答，告知相关政策和办理途径")
            yield from self.after_result(appeal)
            return
        if roll < 0.16:
            yield moment + dt.timedelta(hours=1)
            actions.do_not_accept(
                acting_user=self.hotline, appeal=appeal, reason="诉求已进入劳动仲裁程序，告知等待仲裁结果"
            )
            return
        when = moment + dt.timedelta(minutes=rng.randint(20, 240))
        for org in self.route(intake):
            yield when
            appeal = actions.do_assign(
                acting_user=self.handler(appeal.org), appeal=appeal, to_org=org, note="请按时办理"
            )
            when = self.later(when, rng.choice((0, 0, 1, 1, 2)))
            yield when
            if rng.random() < 0.06 and org.parent_id != intake.pk:
                actions.do_return(acting_user=self.handler(org), appeal=appeal, reason="不属本辖区，请重新指派")
                when = self.later(when, 1)
                yield when
                appeal = Appeal.objects.select_related("org").get(pk=appeal.pk)
                actions.do_start(acting_user=self.handler(appeal.org), appeal=appeal, note="由本级直接办理")
                break
            actions.do_sign(acting_user=self.handler(org), appeal=appeal)
            when = self.later(when, 0)
        else:
            yield when
            actions.do_start(acting_user=self.handler(appeal.org), appeal=appeal, note="已联系诉求人核实情况")
        appeal = Appeal.objects.select_related("org", "org__parent").get(pk=appeal.pk)
        handler = self.handler(appeal.org)
        # Handling takes a random number of working days: most within the limit, some late.
        days = max(1, int(rng.triangular(1, appeal.limit_days + 8, appeal.limit_days * 0.6)))
        if rng.random() < 0.06:
            when = self.later(when, 1)
            yield when
            actions.do_pause(acting_user=handler, appeal=appeal, reason="等待诉求人补充工资条和考勤记录")
            when = self.later(when, rng.randint(2, 4))
            yield when
            actions.do_resume(acting_user=handler, appeal=appeal, note="材料已补齐")
        if rng.random() < 0.1:
            when = self.later(when, max(1, appeal.limit_days - 4))
            yield when
            extension = actions.do_request_extension(
                acting_user=handler, appeal=appeal, days=rng.choice((5, 10)), reason="涉及多名职工，需调取企业账目核实"
            )
            when = self.later(when, 1)
            yield when
            approve = rng.random() < 0.75
            actions.do_decide_extension(
                acting_user=self.upper_handler(appeal),
                extension=extension,
                approve=approve,
                note="同意延期" if approve else "时限内可以办结，请加快办理",
            )
            days += extension.days if approve else 0
        if rng.random() < 0.5:
            when = self.later(when, 1)
            yield when
            actions.do_add_note(acting_user=handler, appeal=appeal, text="已约谈企业负责人，企业承诺限期整改")
        yield max(self.later(moment, days), self.later(when, 0))
        appeal = Appeal.objects.get(pk=appeal.pk)
        recovered = Decimal(rng.randrange(2000, 60000, 100)) if appeal.topic == "wages" else Decimal("0")
        actions.do_resolve(
            acting_user=self.handler(appeal.org),
            appeal=appeal,
            result="经协调，企业已按规定处理，诉求人表示认可",
            amount_recovered=recovered,
        )
        yield from self.after_result(appeal)

    def after_result(self, appeal: Appeal):
        rng = self.rng
        resolved = Appeal.objects.get(pk=appeal.pk).resolved_at
        yield resolved + dt.timedelta(hours=rng.randint(2, 30))
        callback = CallBack.objects.filter(appeal=appeal, kind="resolution", done_at__isnull=True).first()
        if callback is None:
            return
        rating = rng.choices([r for r, _w in RATINGS], [w for _r, w in RATINGS])[0]
        reason = ""
        if rating in ("dissatisfied", "very_dissatisfied"):
            reason = rng.choice(("slow", "not_solved", "policy", "beyond_scope", "attitude"))
        if rng.random() < 0.15:  # the requester rates through the texted link
            actions.do_rate_by_link(token=actions.rating_token(appeal, rating), dissatisfaction_reason=reason)
        else:
            if rng.random() < 0.1:
                actions.do_call_back(acting_user=self.hotline, callback=callback, reached=False, note="无人接听")
                yield clock.now() + dt.timedelta(hours=3)
            actions.do_call_back(
                acting_user=self.hotline,
                callback=callback,
                reached=True,
                note="已电话回访",
                satisfaction=rating,
                dissatisfaction_reason=reason,
            )
        appeal = Appeal.objects.select_related("org", "org__parent").get(pk=appeal.pk)
        if appeal.status == S.REOPENED:
            yield self.later(clock.now(), rng.randint(2, 6))
            actions.do_resolve(acting_user=self.handler(appeal.org), appeal=appeal, result="重新核查后已补发差额")
            return
        if rng.random() < 0.85:
            yield clock.now() + dt.timedelta(hours=rng.randint(1, 40))
            actions.do_close(acting_user=self.hotline, appeal=appeal, note="已回访，结案")

    def repeat_script(self, appeal: Appeal, phone: str):
        self.register(
            appeal.intake_org,
            topic=appeal.topic,
            caller_phone=phone,
            caller_name=appeal.caller_name,
            anonymous=False,
            text="我前两天打过电话反映过，想问问现在处理得怎么样了",
        )
        return
        yield  # pragma: no cover

    def recent(self, working_days: int) -> dt.date:
        return clock.working_days_before(timezone.localdate(self.end), working_days)

    def fresh_script(self):
        self.register(self.province, channel="hotline")
        return
        yield  # pragma: no cover

    def extension_script(self):
        """A ticket at a street of 南山区 whose extension request waits for 南山区 (the `district` login)."""
        if self.nanshan is None:
            return
        streets = [s for s in self.children.get(self.nanshan.pk, []) if s.kind == "street"]
        appeal = self.register(self.province, topic="wages", request_type="complaint", allow_duplicate=True)
        for org in (self.by_id(self.nanshan.parent_id), self.nanshan, *streets[:1]):
            yield clock.now() + dt.timedelta(hours=1)
            appeal = actions.do_assign(acting_user=self.handler(appeal.org), appeal=appeal, to_org=org)
            actions.do_sign(acting_user=self.handler(org), appeal=appeal)
        yield self.later(clock.now(), 2)
        actions.do_request_extension(
            acting_user=self.handler(appeal.org),
            appeal=appeal,
            days=10,
            reason="企业负责人外出，需待其返回后核对工资台账",
        )

    def crisis_script(self):
        self.register(
            self.province,
            channel="hotline",
            request_type="help",
            topic="psychological",
            text=CRISIS_TEXT,
            urgency="urgent",
            emergency_contact_name="（姐姐）",
            emergency_contact_phone=f"1390000{self.rng.randint(0, 9999):04d}",
        )
        return
        yield  # pragma: no cover

    def mediation_script(self, *, close: bool):
        org = self.nanshan or self.province
        appeal = self.register(
            org,
            request_type="legal_aid",
            topic="wages",
            text="我们厂二十多个工人被拖欠了四个月工资，老板说资金周转不开，想请工会帮忙调解",
            complexity="difficult",
            employer_name="岭南食品加工厂",
            allow_duplicate=True,
        )
        user = self.handler(org)
        yield clock.now() + dt.timedelta(minutes=30)
        actions.do_start(acting_user=user, appeal=appeal, note="拟立案调解")
        case = actions.do_open_mediation(
            acting_user=user, appeal=appeal, workers=23, amount_claimed="312000.00", mediator_names="陈调解员、刘律师"
        )
        for stage, note in (
            ("enquiry", "询问职工，核对工资表和考勤记录"),
            ("consultation", "与企业负责人协商，企业认可欠薪数额"),
            ("mediation", "三方调解，企业同意分两期支付"),
        ):
            yield self.later(clock.now(), 2)
            if stage != "enquiry":
                actions.do_advance_mediation(acting_user=user, case=case, stage=stage, note=note)
            actions.do_add_mediation_session(
                acting_user=user,
                case=case,
                held_on=clock.today(),
                note=note,
                place="南山区职工服务中心调解室",
                participants="职工代表3人、企业负责人、调解员",
            )
            if not close and stage == "consultation":
                return
        yield self.later(clock.now(), 3)
        actions.do_close_mediation(acting_user=user, case=case, outcome="mediated", amount_recovered="298500.00")
        actions.do_resolve(
            acting_user=user,
            appeal=Appeal.objects.get(pk=appeal.pk),
            result="经调解，企业分两期支付拖欠工资共298500元",
            amount_recovered="298500.00",
        )


def load_demo_appeals(province: Org, *, count: int = 240, seed: int = 12351, stdout=None) -> dict:
    """The demo's appeals, once: nothing when the province already has appeals."""
    from gonghui.accounts.models import User

    if Appeal.objects.filter(org_path__startswith=province.path).exists():
        if stdout is not None:
            stdout.write("demo appeals already present; nothing to do")
        return {}
    users = {u.username: u for u in User.objects.filter(username__in=["hotline", "district"])}
    send = notify._send
    notify._send = lambda appeal, text: False  # invented phone numbers: no texts
    try:
        with transaction.atomic():
            figures = _Simulation(province, count=count, seed=seed, users=users).run()
    finally:
        notify._send = send
    figures["open"] = Appeal.objects.filter(status__in=OPEN).count()
    figures["pending_extensions"] = ExtensionRequest.objects.filter(status="pending").count()
    if stdout is not None:
        stdout.write(
            f"appeals: {figures['appeals']} tickets ({figures['open']} open, "
            f"{figures['pending_extensions']} extension requests pending) through {figures['steps']} moves"
        )
    return figures
