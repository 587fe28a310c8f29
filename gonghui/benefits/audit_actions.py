"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"benefits": _("普惠服务")}
LABELS = {
    "benefits.service_create": _("新建普惠服务"),
    "benefits.service_update": _("修改普惠服务"),
    "benefits.service_status": _("发布或下架普惠服务"),
    "benefits.partner_create": _("签约合作商户"),
    "benefits.partner_update": _("修改合作商户"),
    "benefits.partner_status": _("暂停或恢复合作商户"),
    "benefits.partner_staff_add": _("添加商户核销人员"),
    "benefits.partner_staff_remove": _("移除商户核销人员"),
    "benefits.offer_create": _("新建优惠"),
    "benefits.offer_update": _("修改优惠"),
    "benefits.campaign_create": _("新建消费券活动"),
    "benefits.campaign_update": _("修改消费券活动"),
    "benefits.campaign_publish": _("发布消费券活动"),
    "benefits.campaign_close": _("结束消费券活动"),
    "benefits.voucher_claim": _("领取消费券"),
    "benefits.voucher_bulk_issue": _("定向发放消费券"),
    "benefits.voucher_redeem": _("核销消费券"),
    "benefits.voucher_redeem_conflict": _("离线核销冲突"),
    "benefits.voucher_redeem_refused": _("核销被拒"),
    "benefits.voucher_revoke": _("作废消费券"),
    "benefits.voucher_revoke_unused": _("作废未使用消费券"),
    "benefits.voucher_expire": _("消费券过期"),
    "benefits.card_use": _("会员卡核验"),
    "benefits.medical_reduction": _("登记医疗减免"),
    "benefits.feedback": _("会员评价"),
    "benefits.feedback_handle": _("处理会员评价"),
}
