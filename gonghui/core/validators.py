"""Validators for Chinese administrative and registration codes (DOMAIN.md §1).

Each validator normalises its input (full-width characters, spaces, case) and raises
`ValidationError` with a message that says what is wrong and what is expected.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB/T 2260 province-level prefixes (31 provinces + 71 Taiwan, 81 Hong Kong, 82 Macau).
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_code(value: str) -> str:
    """Full-width to half-width, strip spaces, upper-case."""
    return unicodedata.normalize("NFKC", str(value)).replace(" ", "").strip().upper()


def division_level(code: str) -> str:
    """province / city / district for 6-digit codes, street for 9-digit township codes."""
    if len(code) == 9:
        return "street"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "district"


def validate_division_code(value: str, level: str | None = None) -> str:
    code = normalise_code(value)
    # isascii(): str.isdigit() also accepts other scripts' digits (٤, ४ …), which NFKC keeps.
    if not (code.isascii() and code.isdigit()) or len(code) not in (6, 9):
        raise ValidationError(
            _("行政区划代码“%(value)s”格式不正确：应为6位数字（县级及以上）或9位数字（乡镇/街道）"),
            code="division_format",
            params={"value": value},
        )
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("行政区划代码“%(value)s”的前两位不是有效的省级代码"),
            code="division_province",
            params={"value": value},
        )
    if len(code) == 6 and code[2:4] == "00" and code[4:] != "00":
        raise ValidationError(
            _("行政区划代码“%(value)s”不正确：地市位为00时区县位也应为00"),
            code="division_format",
            params={"value": value},
        )
    if level is not None and division_level(code) != level:
        names = {"province": _("省级"), "city": _("地市级"), "district": _("区县级"), "street": _("乡镇/街道")}
        raise ValidationError(
            _("行政区划代码“%(value)s”是%(actual)s代码，这里需要%(expected)s代码"),
            code="division_level",
            params={"value": value, "actual": names[division_level(code)], "expected": names[level]},
        )
    return code


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """统一社会信用代码 (GB 32100): 18 characters, division code at 3–8, check character last."""
    code = normalise_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，“%(value)s”有%(n)d位"),
            code="uscc_length",
            params={"value": value, "n": len(code)},
        )
    bad = [ch for ch in code if ch not in USCC_ALPHABET]
    if bad:
        raise ValidationError(
            _("统一社会信用代码不能包含字符“%(ch)s”（不使用 I、O、Z、S、V）"),
            code="uscc_character",
            params={"ch": bad[0]},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第3–8位应为登记管理机关行政区划代码（6位数字）"),
            code="uscc_division",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码“%(value)s”校验位错误，请核对（按前17位计算应为 %(expected)s）"),
            code="uscc_check",
            params={"value": value, "expected": expected},
        )
    return code
