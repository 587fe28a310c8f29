"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"staff": _("工作人员"), "grant": _("授权"), "token": _("接口令牌")}
LABELS = {
    "staff.create": _("新建工作人员账号"),
    "staff.activate": _("启用工作人员账号"),
    "staff.deactivate": _("停用工作人员账号"),
    "staff.rename": _("修改工作人员姓名"),
    "staff.set_password": _("重设工作人员密码"),
    "grant.create": _("授予角色"),
    "grant.revoke": _("撤销角色"),
    "token.issue": _("签发接口令牌"),
    "token.revoke": _("吊销接口令牌"),
    "member.login": _("会员登录"),
    "member.login_locked": _("会员登录被锁定"),
}
