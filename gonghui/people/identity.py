"""Identity documents, names and mobile numbers (DOMAIN.md §3).

Pure functions: they normalise input and raise `ValidationError` with a message that
says what is wrong. No database access, so importers can call them for every row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.validators import PROVINCE_PREFIXES


class DocType(models.TextChoices):
    RESIDENT_ID = "resident_id", _lazy("居民身份证")
    HMT_RESIDENCE = "hmt_residence", _lazy("港澳台居民居住证")
    FOREIGN_PR = "foreign_pr", _lazy("外国人永久居留身份证")
    PASSPORT = "passport", _lazy("护照")


class Sex(models.TextChoices):
    MALE = "M", _lazy("男")
    FEMALE = "F", _lazy("女")


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
HMT_PREFIXES = ("810000", "820000", "830000")


@dataclass(frozen=True)
class Identity:
    doc_type: str
    number: str
    birth_date: dt.date | None
    sex: str | None

    @property
    def masked(self) -> str:
        return mask_document(self.number)


def id_check_character(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def _half_width(value: str) -> str:
    return unicodedata.normalize("NFKC", str(value)).replace(" ", "").strip().upper()


def _birth_date(digits: str, raw: str, today: dt.date | None = None) -> dt.date:
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise ValidationError(
            _("证件号码“%(v)s”中的出生日期 %(d)s 不存在"), code="id_birth", params={"v": raw, "d": digits}
        ) from None
    today = today or timezone.localdate()
    if born > today or born.year < 1900:
        raise ValidationError(
            _("证件号码“%(v)s”中的出生日期 %(d)s 不合理"), code="id_birth", params={"v": raw, "d": born.isoformat()}
        )
    return born


def upgrade_15(number: str) -> str:
    """Old 15-digit ID → 18 digits: insert 19 before the 2-digit year, append the check character."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + id_check_character(first17)


_DOC_TYPES = frozenset(DocType.values)  # Choices.values builds a new list on every access


def parse_document(doc_type: str, raw: str, today: dt.date | None = None) -> Identity:
    """Validate and normalise a document number; derive birth date and sex where it gives them."""
    number = _half_width(raw)
    if doc_type == DocType.PASSPORT:
        if not re.fullmatch(r"[A-Z0-9]{5,20}", number):
            raise ValidationError(_("护照号码应为5–20位字母或数字"), code="passport_format")
        return Identity(doc_type, number, None, None)
    if doc_type not in _DOC_TYPES:
        raise ValidationError(_("未知的证件类型“%(t)s”"), code="doc_type", params={"t": doc_type})
    if doc_type == DocType.RESIDENT_ID and len(number) == 15 and number.isdigit():
        _birth_date("19" + number[6:12], raw, today)
        number = upgrade_15(number)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("证件号码“%(v)s”格式不正确：应为18位（最后一位可为X）"), code="id_format", params={"v": raw}
        )
    if doc_type == DocType.RESIDENT_ID:
        if number[:2] not in PROVINCE_PREFIXES or number.startswith(HMT_PREFIXES):
            raise ValidationError(
                _("身份证号码“%(v)s”的地区码 %(c)s 无效"), code="id_region", params={"v": raw, "c": number[:6]}
            )
        born = _birth_date(number[6:14], raw, today)
    elif doc_type == DocType.HMT_RESIDENCE:
        if not number.startswith(HMT_PREFIXES):
            raise ValidationError(
                _("港澳台居民居住证号码应以 810000、820000 或 830000 开头"), code="id_region", params={"v": raw}
            )
        born = _birth_date(number[6:14], raw, today)
    else:  # 外国人永久居留身份证 (2023): 9 + province (2) + country (3) + birth date (8) + sequence (3) + check
        if not number.startswith("9"):
            raise ValidationError(_("外国人永久居留身份证号码应以9开头"), code="id_region", params={"v": raw})
        born = _birth_date(number[6:14], raw, today)
    expected = id_check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(_("证件号码“%(v)s”校验位错误，请核对每一位数字"), code="id_check", params={"v": raw})
    sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    return Identity(doc_type, number, born, sex)


def mask_document(number: str) -> str:
    """110105********1234: division code and last four stay, the birth date never shows."""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 2) + number[-1:] if len(number) > 2 else "*" * len(number)
    if len(number) < 15:  # passports (9 characters …): keeping 6 + 4 would show all of it
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


NAME_RE = re.compile(r"^[\u3400-\u9fff\uf900-\ufaffA-Za-z·.\- ]+$")


def normalise_name(raw: str) -> str:
    """Full-width spaces and runs of spaces folded; middle-dot variants unified to ·; 2–30 characters."""
    name = unicodedata.normalize("NFKC", str(raw or "")).replace("\u3000", " ")
    name = re.sub(r"[•∙・‧．]", "·", name)
    name = " ".join(name.split())
    if len(name) < 2 or len(name) > 30:
        raise ValidationError(_("姓名应为2–30个字符"), code="name_length")
    if not NAME_RE.match(name):
        raise ValidationError(_("姓名“%(v)s”含有不允许的字符"), code="name_chars", params={"v": name})
    return name


def normalise_mobile(raw: str) -> str:
    """A mainland mobile number (11 digits starting 13–19, optional +86) → E.164 (+8613800000001)."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not re.fullmatch(r"1[3-9]\d{9}", digits):
        raise ValidationError(
            _("手机号“%(v)s”格式不正确：应为以13–19开头的11位数字"), code="mobile_format", params={"v": raw}
        )
    # Not phonenumbers: it strips 17900/17951… as IP-dialling prefixes and turns 17900001000 into +1000.
    return "+86" + digits


def mask_mobile(e164: str) -> str:
    """+8613812345678 → 138****5678."""
    local = e164[3:] if e164.startswith("+86") else e164
    return local[:3] + "****" + local[-4:] if len(local) == 11 else local


def synthetic_id(division: str, born: dt.date, sequence: int) -> str:
    """A valid-format resident ID for demo and test data (sequence odd = male, even = female)."""
    first17 = f"{division}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_character(first17)
