"""Pluggable data checkers (信息核查): property, vehicles, business registration, social insurance.

A checker turns "check this household for `kind`" into a `CheckOutcome`. The default
`ManualChecker` records what the officer found in the other agency's system (the result and
its source are required). An installation with a data-sharing interface (不动产登记, 车管所,
市场监管, 社保) names its own class in `settings.HARDSHIP_CHECKER`; it receives the same
arguments and may ignore the officer's input.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gonghui.hardship.models import DataCheck


@dataclass(frozen=True)
class CheckOutcome:
    result: str
    source: str
    detail: str
    checker: str


class ManualChecker:
    name = "manual"

    def run(self, archive, kind: str, *, result: str = "", source: str = "", detail: str = "") -> CheckOutcome:
        errors = {}
        if result not in DataCheck.Result.values:
            errors["result"] = _("请选择核查结果（未发现、有但未超过标准、超过标准、无法核查）")
        source = " ".join((source or "").split())
        if not source:
            errors["source"] = _("请填写数据来源（如：不动产登记中心、车管所）")
        elif len(source) > 100:
            errors["source"] = _("数据来源最多100个字符")
        detail = " ".join((detail or "").split())
        if len(detail) > 300:
            errors["detail"] = _("核查说明最多300个字符")
        if errors:
            raise ValidationError(errors)
        return CheckOutcome(result, source, detail, self.name)


def get_checker():
    path = getattr(settings, "HARDSHIP_CHECKER", None)
    return import_string(path)() if path else ManualChecker()
