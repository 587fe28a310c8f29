"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"learning": _("职工学习")}
LABELS = {
    "learning.offering_create": _("新建课程"),
    "learning.offering_edit": _("修改课程"),
    "learning.offering_publish": _("发布课程"),
    "learning.offering_open": _("课程开班"),
    "learning.offering_cancel": _("取消课程"),
    "learning.offering_complete": _("课程结业"),
    "learning.session_add": _("添加课次"),
    "learning.session_close": _("结束课次签到"),
    "learning.enrol": _("报名课程"),
    "learning.waitlist": _("排队候补"),
    "learning.enrol_cancel": _("取消课程报名"),
    "learning.seat_offer": _("递补名额"),
    "learning.seat_claim": _("接受递补名额"),
    "learning.seat_offer_lapse": _("递补名额过期"),
    "learning.check_in": _("课堂签到"),
    "learning.check_out": _("课堂签退"),
    "learning.watch": _("在线学习"),
    "learning.exam_score": _("登记考试成绩"),
    "learning.certificate_issue": _("颁发证书"),
    "learning.certificate_revoke": _("撤销证书"),
    "learning.skill_add": _("记录技能"),
    "learning.skill_declare": _("申报技能"),
    "learning.skill_verify": _("核实技能"),
    "learning.survey_create": _("发起学习需求调查"),
    "learning.vote": _("投票"),
    "learning.survey_close": _("结束学习需求调查"),
    "learning.course_request": _("提出办班申请"),
    "learning.course_request_decide": _("处理办班申请"),
    "learning.contest_create": _("新建技能竞赛"),
    "learning.contest_score": _("登记竞赛成绩"),
    "learning.contest_award": _("竞赛授奖"),
}
