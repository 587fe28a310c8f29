"""Validators for 统一社会信用代码 (GB 32100) and 行政区划代码 (GB/T 2260), DOMAIN.md §1."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gonghui.core.validators import (
    PROVINCE_PREFIXES,
    USCC_ALPHABET,
    division_level,
    uscc_check_character,
    validate_division_code,
    validate_uscc,
)

# Written out here rather than imported, so that a typo in the module is caught.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
FORBIDDEN = "IOZSV"

# No deadline: tests assert behaviour, never timings (a busy CI machine must not fail them).
no_deadline = settings(deadline=None)

alphabet_char = st.sampled_from(ALPHABET)
digit = st.sampled_from("0123456789")


def reference_check(first17: str) -> str:
    """GB 32100 check character, computed independently of the module under test."""
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


@st.composite
def uscc_bodies(draw) -> str:
    """17 characters: two from the alphabet, the 6-digit division code, nine from the alphabet."""
    head = draw(st.text(alphabet_char, min_size=2, max_size=2))
    division = draw(st.text(digit, min_size=6, max_size=6))
    tail = draw(st.text(alphabet_char, min_size=9, max_size=9))
    return head + division + tail


def uscc_error(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        validate_uscc(value)
    assert exc.value.messages[0].strip()
    return exc.value


def division_error(value: str, level: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        validate_division_code(value, level)
    assert exc.value.messages[0].strip()
    return exc.value


# --- 统一社会信用代码 ---------------------------------------------------------------------------


def test_it_uses_the_gb32100_alphabet_without_i_o_z_s_v():
    assert USCC_ALPHABET == ALPHABET
    assert len(ALPHABET) == 31
    assert not set(FORBIDDEN) & set(ALPHABET)


@pytest.mark.parametrize(
    "code, weighted_sum",
    [
        # 华为技术有限公司: values 9 1 4 4 0 3 0 0 1 9 2 2 0 3 8 2 1
        # sum = 9 + 3 + 36 + 108 + 0 + 78 + 0 + 0 + 20 + 261 + 50 + 26 + 0 + 72 + 80 + 60 + 28 = 831
        # 831 mod 31 = 25, 31 − 25 = 6 → "6"
        ("914403001922038216", 831),
        # 深圳市腾讯计算机系统有限公司: …, 26 → 6, X → 29; sum = 1782, 1782 mod 31 = 15, 31 − 15 = 16 → "G"
        ("9144030071526726XG", 1782),
        # The worked example of GB 32100: M → 21, Y → 30; sum = 1640, 1640 mod 31 = 28, 31 − 28 = 3 → "3"
        ("91350100M000100Y43", 1640),
        # 阿里巴巴（中国）有限公司: sum = 884, 884 mod 31 = 16, 31 − 16 = 15 → "F"
        ("91330100716105852F", 884),
    ],
)
def test_it_accepts_real_codes_whose_check_character_was_computed_by_hand(code, weighted_sum):
    assert sum(ALPHABET.index(c) * w for c, w in zip(code[:17], WEIGHTS, strict=True)) == weighted_sum
    assert validate_uscc(code) == code
    assert uscc_check_character(code[:17]) == code[17]


@no_deadline
@given(uscc_bodies())
def test_it_accepts_any_body_with_its_computed_check_character(body):
    code = body + reference_check(body)
    assert uscc_check_character(body) == code[17]
    assert validate_uscc(code) == code


@no_deadline
@given(uscc_bodies(), alphabet_char)
def test_it_rejects_any_other_check_character(body, wrong):
    right = reference_check(body)
    if wrong == right:
        return
    error = uscc_error(body + wrong)
    assert error.code == "uscc_check"
    assert right in error.messages[0]  # the message says which character was expected


@no_deadline
@given(uscc_bodies(), st.sampled_from(FORBIDDEN + FORBIDDEN.lower()), st.integers(0, 17))
def test_it_rejects_the_letters_i_o_z_s_v_anywhere(body, letter, position):
    code = body + reference_check(body)
    bad = code[:position] + letter + code[position + 1 :]
    error = uscc_error(bad)
    assert error.code == "uscc_character"
    assert letter.upper() in error.messages[0]


@no_deadline
@given(uscc_bodies(), st.integers(0, 16), alphabet_char)
def test_it_rejects_a_single_changed_body_character(body, position, replacement):
    """The check character catches every single substitution (31 is prime, no weight is 0 mod 31)."""
    code = body + reference_check(body)
    changed = code[:position] + replacement + code[position + 1 :]
    if changed == code:
        return
    if not changed[2:8].isdigit():
        assert uscc_error(changed).code == "uscc_division"
    else:
        assert uscc_error(changed).code == "uscc_check"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@no_deadline
@given(uscc_bodies(), st.sampled_from(["", " ", "\u3000", "  "]), st.booleans())
def test_it_normalises_full_width_lower_case_and_spaced_input(body, padding, lower):
    code = body + reference_check(body)
    typed = full_width(code.lower() if lower else code)
    typed = padding + typed[:6] + padding + typed[6:] + padding
    assert validate_uscc(typed) == code


@pytest.mark.parametrize("value", ["", "91440300", "914403001922038216X", "9144030019220382"])
def test_it_rejects_a_uscc_of_the_wrong_length_saying_how_long_it_is(value):
    error = uscc_error(value)
    assert error.code == "uscc_length"
    assert str(len(value)) in error.messages[0]


@pytest.mark.parametrize("value", ["91A403001922038216", "9144030X1922038216"])
def test_it_rejects_a_uscc_without_a_division_code_at_3_to_8(value):
    assert uscc_error(value).code == "uscc_division"


@pytest.mark.parametrize("value", ["91440300192203821?", "914403001922-38216", "91440300192203821é"])
def test_it_rejects_characters_outside_the_alphabet(value):
    assert uscc_error(value).code == "uscc_character"


# --- 行政区划代码 ---------------------------------------------------------------------------------


province = st.sampled_from(sorted(PROVINCE_PREFIXES))
two_digits_not_00 = st.integers(1, 99).map(lambda n: f"{n:02d}")
three_digits_not_000 = st.integers(1, 999).map(lambda n: f"{n:03d}")


@no_deadline
@given(province)
def test_it_detects_a_province_code(prefix):
    code = prefix + "0000"
    assert division_level(code) == "province"
    assert validate_division_code(code, "province") == code


@no_deadline
@given(province, two_digits_not_00)
def test_it_detects_a_city_code(prefix, city):
    code = prefix + city + "00"
    assert division_level(code) == "city"
    assert validate_division_code(code, "city") == code


@no_deadline
@given(province, st.integers(0, 99).map(lambda n: f"{n:02d}"), two_digits_not_00)
def test_it_detects_a_district_code(prefix, city, district):
    code = prefix + city + district
    if city == "00":
        # "440012" has no city part but a district part: not a valid code.
        assert division_error(code).code == "division_format"
        return
    assert division_level(code) == "district"
    assert validate_division_code(code, "district") == code


@no_deadline
@given(province, two_digits_not_00, st.integers(0, 99).map(lambda n: f"{n:02d}"), three_digits_not_000)
def test_it_detects_a_street_code(prefix, city, district, street):
    code = prefix + city + district + street
    assert division_level(code) == "street"
    assert validate_division_code(code, "street") == code


@pytest.mark.parametrize(
    "code, level",
    [
        ("440000", "province"),
        ("440300", "city"),
        ("440305", "district"),
        ("440305001", "street"),
        ("110105", "district"),
    ],
)
def test_it_knows_the_level_of_real_codes(code, level):
    assert division_level(code) == level
    assert validate_division_code(code) == code


@pytest.mark.parametrize(
    "code, wanted, actual_label, wanted_label",
    [
        ("440300", "district", "地市级", "区县级"),
        ("440305001", "district", "乡镇/街道", "区县级"),
        ("440000", "city", "省级", "地市级"),
    ],
)
def test_it_rejects_a_code_of_another_level_naming_both(code, wanted, actual_label, wanted_label):
    error = division_error(code, wanted)
    assert error.code == "division_level"
    assert actual_label in error.messages[0]
    assert wanted_label in error.messages[0]


@no_deadline
@given(
    st.integers(0, 99).map(lambda n: f"{n:02d}").filter(lambda p: p not in PROVINCE_PREFIXES),
    st.text(digit, min_size=4, max_size=4),
)
@example("00", "0000")
@example("10", "0100")
@example("99", "0101")
def test_it_rejects_a_bad_province_prefix(prefix, rest):
    code = prefix + rest
    assert division_error(code).code == "division_province"
    assert division_error(code + "001").code == "division_province"


@pytest.mark.parametrize("value", ["", "4403", "4403050", "44030500", "4403050011", "44O300", "440-300", "4403OO"])
def test_it_rejects_a_division_code_of_the_wrong_shape(value):
    assert division_error(value).code == "division_format"


@pytest.mark.parametrize(
    "value",
    [
        "44\u0663\u0660\u0660\u0660",  # Arabic-Indic digits: str.isdigit() is true, but they are not a code
        "44\u0660\u0663\u0660\u0665\u0660\u0660\u0661",
        "\u0664\u0664\u0660\u0663\u0660\u0660",
        "44०३००",  # Devanagari
    ],
)
def test_it_rejects_digits_of_other_scripts(value):
    assert division_error(value).code in {"division_format", "division_province"}


@no_deadline
@given(st.sampled_from(["440000", "440300", "440305", "440305001", "110105"]), st.sampled_from(["", " ", "\u3000"]))
def test_it_normalises_full_width_digits_and_spaces(code, padding):
    assert validate_division_code(padding + full_width(code) + padding) == code
