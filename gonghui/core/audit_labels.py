"""Chinese labels of audit action codes (issue 18 point 8): 操作日志 and 变更记录 show "批准入会", not
`member.join_approve`. The code stays in the API and in the cell's tooltip (`title=`).

Each app declares the labels of its own codes, either in a module `<app>/audit_actions.py` with a dict
`LABELS = {"member.join_approve": _("批准入会"), …}` or as `AppConfig.audit_actions` (the same dict).
They are collected once, at first use. A code nobody labelled still reads as Chinese: the app's noun
(`NOUNS` of its module, or the app's verbose name) and a verb guessed from the code's last word, e.g.
"服务站点 · 新建"; with nothing known, "其他操作".
"""

from __future__ import annotations

import threading
from importlib import import_module

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_labels: dict[str, object] | None = None
_nouns: dict[str, object] = {}
_lock = threading.Lock()

VERBS = {
    "create": gettext_lazy("新建"),
    "add": gettext_lazy("添加"),
    "update": gettext_lazy("修改"),
    "edit": gettext_lazy("修改"),
    "change": gettext_lazy("修改"),
    "delete": gettext_lazy("删除"),
    "remove": gettext_lazy("移除"),
    "approve": gettext_lazy("批准"),
    "reject": gettext_lazy("驳回"),
    "close": gettext_lazy("关闭"),
    "open": gettext_lazy("开启"),
    "publish": gettext_lazy("发布"),
    "cancel": gettext_lazy("取消"),
    "export": gettext_lazy("导出"),
    "import": gettext_lazy("导入"),
    "submit": gettext_lazy("提交"),
    "apply": gettext_lazy("申请"),
    "enrol": gettext_lazy("报名"),
    "checkin": gettext_lazy("签到"),
    "rate": gettext_lazy("评价"),
    "grant": gettext_lazy("发放"),
    "pay": gettext_lazy("支付"),
    "refund": gettext_lazy("退款"),
    "donate": gettext_lazy("捐赠"),
    "suspend": gettext_lazy("暂停"),
    "resume": gettext_lazy("恢复"),
    "status": gettext_lazy("变更状态"),
}


def _collect() -> dict[str, object]:
    labels: dict[str, object] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("gonghui."):
            continue
        labels.update(getattr(config, "audit_actions", None) or {})
        try:
            module = import_module(f"{config.name}.audit_actions")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.audit_actions":
                raise
            continue
        labels.update(getattr(module, "LABELS", {}))
        _nouns.update(getattr(module, "NOUNS", {}))
        # An unlabelled code of this app still names the app: its prefixes map to its verbose name.
        for prefix in {code.split(".", 1)[0] for code in getattr(module, "LABELS", {})} | {config.label}:
            _nouns.setdefault(prefix, config.verbose_name)
    return labels


def registry() -> dict[str, object]:
    global _labels
    if _labels is None:
        with _lock:
            if _labels is None:
                _labels = _collect()
    return _labels


def action_label(code: str) -> str:
    """The Chinese (or, in English, translated) label of an audit action code."""
    code = code or ""
    label = registry().get(code)
    if label is not None:
        return str(label)
    prefix, _dot, rest = code.partition(".")
    noun = _nouns.get(prefix)
    if noun is None:
        config = next((c for c in apps.get_app_configs() if prefix and c.label in (prefix, prefix + "s")), None)
        noun = config.verbose_name if config is not None and config.name.startswith("gonghui.") else None
    verb = next((VERBS[word] for word in reversed(rest.split("_")) if word in VERBS), None) if rest else None
    if noun is not None:
        return f"{noun} · {verb}" if verb is not None else _("%(noun)s · 其他操作") % {"noun": noun}
    return str(verb) if verb is not None else _("其他操作")


def actor_name(entry) -> str:
    """Who acted, as a person: the staff user's display name (the login stays in the tooltip and the
    sealed `actor_label`); a member or a system job as recorded; "系统" for an unnamed job."""
    user = entry.actor if entry.actor_id else None
    if user is not None:
        return str(user)
    if entry.actor_label in ("", "system"):
        return _("系统")
    return entry.actor_label
