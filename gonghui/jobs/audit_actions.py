"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"jobs": _("就业服务")}
LABELS = {
    "jobs.employer_register": _("登记用人单位"),
    "jobs.employer_approve": _("审核用人单位"),
    "jobs.employer_suspend": _("暂停用人单位"),
    "jobs.minimum_wage_set": _("设置最低工资标准"),
    "jobs.post_create": _("新建岗位"),
    "jobs.post_edit": _("修改岗位"),
    "jobs.post_submit": _("提交岗位审核"),
    "jobs.post_publish": _("审核通过岗位"),
    "jobs.post_return": _("退回岗位"),
    "jobs.post_withdraw": _("撤下岗位"),
    "jobs.posts_expire": _("岗位到期下架"),
    "jobs.apply": _("投递求职申请"),
    "jobs.application_move": _("处理求职申请"),
    "jobs.application_withdraw": _("撤回求职申请"),
    "jobs.hire": _("登记录用"),
    "jobs.follow_up": _("就业回访"),
    "jobs.fair_create": _("新建招聘会"),
    "jobs.fair_add": _("用人单位参加招聘会"),
    "jobs.fair_move": _("开始或结束招聘会"),
    "jobs.fair_check_in": _("招聘会签到"),
    "jobs.talent_join": _("加入人才库"),
    "jobs.talent_update": _("更新人才库信息"),
    "jobs.talent_leave": _("退出人才库"),
}
