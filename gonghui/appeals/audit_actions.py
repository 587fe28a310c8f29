"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"appeal": _("诉求工单")}
LABELS = {
    "appeal.register": _("受理诉求"),
    "appeal.register_repeat": _("登记重复来电"),
    "appeal.assign": _("转办"),
    "appeal.sign": _("签收"),
    "appeal.return": _("退回"),
    "appeal.start": _("开始办理"),
    "appeal.note": _("办理记录"),
    "appeal.pause": _("暂停计时"),
    "appeal.resume": _("恢复计时"),
    "appeal.extension_request": _("申请延期"),
    "appeal.extension_decide": _("审批延期"),
    "appeal.resolve": _("办结"),
    "appeal.not_accept": _("不予受理"),
    "appeal.call_back": _("回访"),
    "appeal.call_back_attempt": _("回访未接通"),
    "appeal.rate": _("记录满意度"),
    "appeal.reopen": _("重办"),
    "appeal.close": _("结案"),
    "appeal.supervise": _("督办"),
    "appeal.supervision_close": _("结束督办"),
    "appeal.sla_sweep": _("时限巡检"),
    "appeal.crisis": _("标记心理危机"),
    "appeal.crisis_followup": _("心理危机跟进"),
    "appeal.crisis_call_back": _("紧急联系人回访"),
    "appeal.reveal_phone": _("查看来电人完整手机号"),
    "appeal.attach": _("上传附件"),
    "appeal.mediation_open": _("立案调解"),
    "appeal.mediation_session": _("记录调解"),
    "appeal.mediation_stage": _("调解进入新阶段"),
    "appeal.mediation_close": _("调解结案"),
}
