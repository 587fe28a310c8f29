"""Real-name verification backends (实名认证).

The real check asks the public-security identity service, which this project cannot reach.
The bundled backend only checks the document's format, check character, and the
consistency of name, birth date and sex — and says so in every result it records, so
nobody mistakes it for a real identity check. Set GONGHUI_IDENTITY_BACKEND to the dotted
path of a class with the same `verify()` signature to plug in a real service.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass
class VerificationResult:
    verified: bool
    method: str
    note: str


class FormatCheckBackend:
    method = "format_check"

    def verify(self, *, name: str, doc_type: str, number: str, mobile: str = "") -> VerificationResult:
        # parse_document already ran before a Person exists; here we only record what was checked.
        return VerificationResult(
            verified=True,
            method=self.method,
            note="格式校验：证件号码校验位、出生日期有效（未联网核查公安数据）",
        )


def get_backend():
    path = getattr(settings, "GONGHUI_IDENTITY_BACKEND", "gonghui.people.verification.FormatCheckBackend")
    return import_string(path)()
