"""What an aid application form says to people: the declared situations (申报情形) by their Chinese
names instead of their codes, and — when a programme is only for archived households — which steps
of the archive are still to be done."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.hardship.states import IN_ARCHIVE
from gonghui.hardship.states import ArchiveStatus as S

# The flags of the standard programmes (aid.standard_programmes); a programme's own exclusion-rule
# label wins for a flag of the same code, and an unknown code is shown as written.
FLAG_LABELS = {
    "temporary_hardship": _lazy("临时困难职工家庭（未建档）"),
    "military_academy": _lazy("就读军事院校"),
    "free_teacher_training": _lazy("免费师范生"),
    "aided_elsewhere": _lazy("本年度已获其他单位同类资助"),
    "serious_illness": _lazy("患大病、重病"),
}


def flag_label(code: str, programmes=()) -> str:
    for programme in programmes:
        for rule in programme.exclusion_rules or []:
            if rule.get("code") == code and rule.get("label"):
                return str(rule["label"])
    return str(FLAG_LABELS.get(code, code))


# The steps of the archive workflow in order, with the state each one reaches.
STEPS = (
    (S.VISITED, _lazy("入户调查")),
    (S.CHECKED, _lazy("数据核查")),
    (S.REVIEWED, _lazy("基层审核")),
    (S.NOTICE, _lazy("公示")),
    (S.ARCHIVED, _lazy("审批建档")),
)
REACHED = {
    S.DISCOVERED: 0,
    S.APPLIED: 0,
    S.RELAPSED: 0,
    S.VISITED: 1,
    S.CHECKED: 2,
    S.REVIEWED: 3,
    S.NOTICE: 4,
}


def remaining_steps(archive) -> list[str]:
    """The archive steps still to do before the household is 在档 ([] when it is)."""
    if archive is None:
        return [str(_("建档")), *(str(label) for _s, label in STEPS)]
    if archive.status in IN_ARCHIVE or archive.status not in REACHED:
        return []
    steps = [str(label) for _s, label in STEPS[REACHED[archive.status] :]]
    if archive.category_pending:
        steps.insert(0, str(_("登记家庭收入（困难类别待核算）")))
    return steps


def not_archived_message(programme_name: str, archive) -> str:
    """Why an archived-only programme refuses this worker, naming what to do next."""
    head = _("“%(p)s”仅限在档困难职工申请") % {"p": programme_name}
    if archive is None:
        return head + _("：该职工尚无困难职工档案，请先建档（之后还须入户调查、数据核查、审核、公示、审批）")
    steps = remaining_steps(archive)
    if steps:
        return head + _("：档案 %(n)s 尚未完成：%(s)s") % {"n": archive.number, "s": "、".join(steps)}
    return head + _("：档案 %(n)s 当前状态为“%(st)s”，不在档") % {
        "n": archive.number,
        "st": archive.get_status_display(),
    }
