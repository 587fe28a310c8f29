"""The appeal (诉求工单) state machine and its vocabularies (DOMAIN.md §7, DESIGN.md §3.4).

    registered (受理) → assigned (转办, waiting to be signed for) → signed (签收)
        → in_progress (办理中) → resolved (办结, result written)
        → called_back (回访) → rated (评价) → closed (结案)

Branches:
    assigned | signed → returned (退回 with a reason; the org above re-assigns or handles it)
    signed | returned → assigned (passed further down, one level at a time)
    registered | signed | returned → not_accepted (不予受理, with a reason)
    registered | signed | returned → in_progress | resolved (handled at this level; a consultation
        answered on the phone is resolved at once)
    resolved | called_back | rated → reopened (重办: dissatisfied for a reason the handler caused)
    reopened → in_progress | resolved
    registered → merged (a repeat call: linked to the earlier ticket, not counted twice)

Extension (延期), pause (waiting for the requester), supervision (督办) and crisis are flags and
side records of an open ticket, not states: the ticket keeps its place in the flow meanwhile.
`check()` refuses a transition that is not allowed, naming the current state.
"""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.errors import TransitionError


class AppealStatus(models.TextChoices):
    REGISTERED = "registered", _lazy("已受理")
    ASSIGNED = "assigned", _lazy("已转办待签收")
    SIGNED = "signed", _lazy("已签收")
    IN_PROGRESS = "in_progress", _lazy("办理中")
    RETURNED = "returned", _lazy("已退回")
    RESOLVED = "resolved", _lazy("已办结")
    CALLED_BACK = "called_back", _lazy("已回访")
    RATED = "rated", _lazy("已评价")
    CLOSED = "closed", _lazy("已结案")
    REOPENED = "reopened", _lazy("重办")
    NOT_ACCEPTED = "not_accepted", _lazy("不予受理")
    MERGED = "merged", _lazy("重复来电已合并")


S = AppealStatus

TRANSITIONS = {
    S.REGISTERED: {S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.NOT_ACCEPTED, S.MERGED},
    S.ASSIGNED: {S.SIGNED, S.RETURNED},
    S.SIGNED: {S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.RETURNED, S.NOT_ACCEPTED},
    S.RETURNED: {S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.NOT_ACCEPTED, S.RETURNED},
    S.IN_PROGRESS: {S.RESOLVED},
    S.REOPENED: {S.IN_PROGRESS, S.RESOLVED},
    S.RESOLVED: {S.CALLED_BACK, S.RATED, S.REOPENED},
    S.CALLED_BACK: {S.RATED, S.CLOSED, S.REOPENED},
    S.RATED: {S.CLOSED, S.REOPENED},
    S.CLOSED: set(),
    S.NOT_ACCEPTED: set(),
    S.MERGED: set(),
}

# Tickets whose handling clock runs (the SLA sweep looks at these).
OPEN = (S.REGISTERED, S.ASSIGNED, S.SIGNED, S.IN_PROGRESS, S.RETURNED, S.REOPENED)
# Being handled by the org that holds them: extension and pause apply.
HANDLING = (S.SIGNED, S.IN_PROGRESS, S.RETURNED, S.REOPENED, S.REGISTERED)
# Result written, waiting for call-back / satisfaction / closing.
AFTER_RESULT = (S.RESOLVED, S.CALLED_BACK, S.RATED)
FINAL = (S.CLOSED, S.NOT_ACCEPTED, S.MERGED)
# Counted in the statistics: everything but repeat calls merged into an earlier ticket.
COUNTED = tuple(s for s in S if s != S.MERGED)


def check(current: str, target: str, what: str) -> None:
    if target not in TRANSITIONS[current]:
        raise TransitionError(
            _("工单当前状态为“%(state)s”，不能%(what)s") % {"state": AppealStatus(current).label, "what": what},
            current_state=current,
        )


class Channel(models.TextChoices):
    HOTLINE = "hotline", _lazy("12351热线")
    WEBSITE = "website", _lazy("网站")
    APP = "app", _lazy("APP")
    WECHAT = "wechat", _lazy("微信")
    VISIT = "visit", _lazy("来访")
    LETTER = "letter", _lazy("来信")


class RequestType(models.TextChoices):
    CONSULTATION = "consultation", _lazy("问题咨询")
    HELP = "help", _lazy("服务帮扶")
    COMPLAINT = "complaint", _lazy("信访投诉")
    LEGAL_AID = "legal_aid", _lazy("法律援助")
    SUGGESTION = "suggestion", _lazy("意见建议")


class Topic(models.TextChoices):
    WAGES = "wages", _lazy("欠薪/工资")
    CONTRACT = "contract", _lazy("劳动合同")
    SOCIAL_INSURANCE = "social_insurance", _lazy("社会保险")
    INJURY = "injury", _lazy("工伤")
    HOURS = "hours", _lazy("工时休假")
    SAFETY = "safety", _lazy("劳动安全卫生")
    WOMEN = "women", _lazy("女职工权益")
    DISMISSAL = "dismissal", _lazy("解除劳动关系")
    DISPUTE = "dispute", _lazy("劳动争议/仲裁")
    HARDSHIP = "hardship", _lazy("困难帮扶")
    MEMBERSHIP = "membership", _lazy("入会/会籍")
    PSYCHOLOGICAL = "psychological", _lazy("心理援助")
    OTHER = "other", _lazy("其他")


class Complexity(models.TextChoices):
    ORDINARY = "ordinary", _lazy("一般")
    DIFFICULT = "difficult", _lazy("难点")
    VERY_COMPLEX = "very_complex", _lazy("特别复杂")


class Urgency(models.TextChoices):
    NORMAL = "normal", _lazy("一般")
    URGENT = "urgent", _lazy("紧急")


class Priority(models.IntegerChoices):
    """Sort order of queues: crisis first."""

    CRISIS = 0, _lazy("心理危机（最高）")
    URGENT = 1, _lazy("紧急")
    NORMAL = 2, _lazy("一般")


class SlaState(models.TextChoices):
    OK = "ok", _lazy("正常")
    DUE_SOON = "due_soon", _lazy("即将到期")
    OVERDUE = "overdue", _lazy("已超期")


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _lazy("非常满意")
    SATISFIED = "satisfied", _lazy("满意")
    BASIC = "basic", _lazy("基本满意")
    DISSATISFIED = "dissatisfied", _lazy("不满意")
    VERY_DISSATISFIED = "very_dissatisfied", _lazy("非常不满意")


SATISFIED = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASIC)
DISSATISFIED = (Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED)


class DissatisfactionReason(models.TextChoices):
    """Why the requester is dissatisfied; the first three are caused by the handler (→ 重办)."""

    SLOW = "slow", _lazy("办理拖延")
    ATTITUDE = "attitude", _lazy("工作态度差")
    NOT_SOLVED = "not_solved", _lazy("可解决的问题未解决")
    POLICY = "policy", _lazy("受政策限制无法满足")
    BEYOND_SCOPE = "beyond_scope", _lazy("诉求超出工会职责或法律规定")
    OTHER = "other", _lazy("其他")


HANDLER_CAUSED = (DissatisfactionReason.SLOW, DissatisfactionReason.ATTITUDE, DissatisfactionReason.NOT_SOLVED)


class MediationStage(models.TextChoices):
    ENQUIRY = "enquiry", _lazy("询")
    CONSULTATION = "consultation", _lazy("商")
    MEDIATION = "mediation", _lazy("调")
    ARBITRATION = "arbitration", _lazy("裁")
    LITIGATION = "litigation", _lazy("诉")
    LEGAL_AID = "legal_aid", _lazy("援")
    ENFORCEMENT = "enforcement", _lazy("执")


MEDIATION_ORDER = list(MediationStage.values)


class MediationOutcome(models.TextChoices):
    PENDING = "pending", _lazy("进行中")
    MEDIATED = "mediated", _lazy("调解成功")
    ARBITRATION = "arbitration", _lazy("转仲裁")
    LITIGATION = "litigation", _lazy("转诉讼")
    WITHDRAWN = "withdrawn", _lazy("撤回")
