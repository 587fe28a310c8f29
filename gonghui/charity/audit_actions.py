"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"charity": _("公益慈善")}
LABELS = {
    "charity.fund_create": _("设立专项基金"),
    "charity.campaign_create": _("新建募捐活动"),
    "charity.campaign_status": _("开始或结束募捐"),
    "charity.donation_record": _("登记捐赠"),
    "charity.donation_refund": _("捐赠退款"),
    "charity.statement_import": _("导入平台对账单"),
    "charity.receipt_issue": _("开具捐赠收据"),
    "charity.official_receipt": _("登记捐赠票据"),
    "charity.transfer_propose": _("提出基金划转"),
    "charity.transfer_decide": _("审批基金划转"),
    "charity.fee": _("登记手续费"),
    "charity.grant_propose": _("提出资助申请"),
    "charity.grant_approve": _("批准资助"),
    "charity.grant_reject": _("驳回资助"),
    "charity.grant_cancel": _("取消资助"),
    "charity.grant_bank_file": _("导出资助拨付文件"),
    "charity.grant_paid": _("登记资助已拨付"),
    "charity.grant_confirm": _("登记资助回执"),
    "charity.round_create": _("发起心愿征集"),
    "charity.wish_post": _("提交微心愿"),
    "charity.wish_review": _("审核微心愿"),
    "charity.wish_withdraw": _("撤回微心愿"),
    "charity.wish_claim": _("认领微心愿"),
    "charity.wish_release": _("放弃认领微心愿"),
    "charity.wish_fulfil": _("完成微心愿"),
    "charity.wish_confirm": _("确认收到心愿"),
    "charity.volunteer_register": _("登记志愿者"),
    "charity.activity_create": _("新建志愿活动"),
    "charity.signup": _("报名志愿活动"),
    "charity.signup_cancel": _("取消志愿活动报名"),
    "charity.hours": _("登记志愿服务时长"),
}
