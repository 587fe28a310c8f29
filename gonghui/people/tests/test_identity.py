"""Identity documents, names and mobiles (DOMAIN.md §3): gonghui.people.identity.

The check characters are recomputed here from the standard, independently of the module.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gonghui.people.identity import (
    DocType,
    mask_document,
    mask_mobile,
    normalise_mobile,
    normalise_name,
    parse_document,
    synthetic_id,
    upgrade_15,
)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MAP = {0: "1", 1: "0", 2: "X", 3: "9", 4: "8", 5: "7", 6: "6", 7: "5", 8: "4", 9: "3", 10: "2"}
TODAY = dt.date(2025, 6, 1)
no_deadline = settings(deadline=None)


def reference_check(first17: str) -> str:
    """GB 11643 check character, written out from the standard."""
    return MAP[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
divisions = st.sampled_from(["110105", "440305", "310115", "650102", "542621", "440300"])
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def resident_ids(draw) -> tuple[str, dt.date, int]:
    born, seq = draw(birth_dates), draw(sequences)
    first17 = f"{draw(divisions)}{born:%Y%m%d}{seq:03d}"
    return first17 + reference_check(first17), born, seq


# --- 18-digit resident ID ----------------------------------------------------------------


def test_it_accepts_a_known_valid_id_and_derives_birth_date_and_sex():
    # The GB 11643 example number.
    identity = parse_document("resident_id", "11010519491231002X", today=TODAY)
    assert identity.number == "11010519491231002X"
    assert identity.birth_date == dt.date(1949, 12, 31)
    assert identity.sex == "F"  # sequence 002 is even
    assert identity.doc_type == DocType.RESIDENT_ID
    assert identity.masked == "110105********002X"


@no_deadline
@given(resident_ids())
def test_it_accepts_every_id_with_the_right_check_character(case):
    number, born, seq = case
    identity = parse_document("resident_id", number, today=TODAY)
    assert identity.number == number
    assert identity.birth_date == born
    assert identity.sex == ("M" if seq % 2 else "F")


@no_deadline
@given(resident_ids(), st.sampled_from("0123456789X"))
def test_it_rejects_every_wrong_check_character(case, wrong):
    number, _born, _seq = case
    if wrong == number[17]:
        return
    with pytest.raises(ValidationError) as info:
        parse_document("resident_id", number[:17] + wrong, today=TODAY)
    assert info.value.code == "id_check"


@no_deadline
@given(resident_ids(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_it_detects_any_single_digit_change(case, position, shift):
    number, _born, _seq = case
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        parse_document("resident_id", changed, today=TODAY)


@no_deadline
@given(resident_ids())
def test_it_accepts_full_width_lower_case_and_spaced_input_and_stores_it_normalised(case):
    number, _born, _seq = case
    messy = " " + full_width(number[:6]) + " " + number[6:14] + "\u3000" + number[14:].lower() + " "
    assert parse_document("resident_id", messy, today=TODAY).number == number


def test_it_accepts_lower_case_x():
    assert parse_document("resident_id", "11010519491231002x", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    "raw, code",
    [
        ("", "id_format"),
        ("1101051949123100", "id_format"),  # 16 digits
        ("11010519491231002XX", "id_format"),
        ("1101051949123100X2", "id_format"),  # X only last
        ("A1010519491231002X", "id_format"),
        ("11010519491231002Y", "id_format"),
    ],
)
def test_it_rejects_malformed_numbers_with_a_format_error(raw, code):
    with pytest.raises(ValidationError) as info:
        parse_document("resident_id", raw, today=TODAY)
    assert info.value.code == code


def _with_check(first17: str) -> str:
    return first17 + reference_check(first17)


@pytest.mark.parametrize(
    "first17",
    [
        "11010519990231001",  # 31 February … well, 31st of February does not exist
        "11010520230229001",  # 2023 is not a leap year
        "11010519991301001",  # month 13
        "11010518991231001",  # before 1900
        "11010520250602001",  # after TODAY
    ],
)
def test_it_rejects_impossible_birth_dates(first17):
    with pytest.raises(ValidationError) as info:
        parse_document("resident_id", _with_check(first17), today=TODAY)
    assert info.value.code == "id_birth"


def test_it_accepts_29_february_of_a_leap_year_and_today():
    assert parse_document("resident_id", _with_check("11010520000229001"), today=TODAY).birth_date == dt.date(
        2000, 2, 29
    )
    assert parse_document("resident_id", _with_check("11010520250601001"), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize("region", ["000000", "990000", "810000", "820000", "830000"])
def test_it_rejects_unknown_or_non_mainland_region_codes_for_a_resident_id(region):
    with pytest.raises(ValidationError) as info:
        parse_document("resident_id", _with_check(region + "19900101001"), today=TODAY)
    assert info.value.code in {"id_region"}


def test_it_reports_the_raw_value_and_a_readable_message():
    with pytest.raises(ValidationError) as info:
        parse_document("resident_id", "110105194912310021", today=TODAY)
    assert "110105194912310021" in info.value.messages[0]
    assert "校验位" in info.value.messages[0]


# --- 15-digit upgrade ---------------------------------------------------------------------


@no_deadline
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), sequences, divisions)
def test_it_upgrades_every_15_digit_number_to_18(born, seq, division):
    old = f"{division}{born:%y%m%d}{seq:03d}"
    first17 = f"{division}{born:%Y%m%d}{seq:03d}"
    expected = first17 + reference_check(first17)
    assert upgrade_15(old) == expected
    identity = parse_document("resident_id", old, today=TODAY)
    assert identity.number == expected
    assert identity.birth_date == born
    assert identity.sex == ("M" if seq % 2 else "F")


def test_it_upgrades_the_textbook_example():
    # 340524800101001 → 34052419800101001X
    assert parse_document("resident_id", "340524800101001", today=TODAY).number == "34052419800101001X"


def test_it_rejects_a_15_digit_number_with_an_impossible_date():
    with pytest.raises(ValidationError) as info:
        parse_document("resident_id", "110105990231001", today=TODAY)
    assert info.value.code == "id_birth"


def test_it_does_not_upgrade_15_digit_numbers_of_other_documents():
    with pytest.raises(ValidationError):
        parse_document("hmt_residence", "810000800101001", today=TODAY)


# --- HK / Macau / Taiwan residence permits, foreign permanent residence, passport --------


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_it_accepts_hmt_residence_permits(region):
    number = _with_check(region + "19900101002")
    identity = parse_document("hmt_residence", number, today=TODAY)
    assert identity.number == number
    assert identity.doc_type == DocType.HMT_RESIDENCE
    assert identity.birth_date == dt.date(1990, 1, 1)
    assert identity.sex == "F"


def test_it_rejects_an_hmt_permit_with_a_mainland_region_or_bad_check():
    with pytest.raises(ValidationError) as info:
        parse_document("hmt_residence", _with_check("44030519900101002"), today=TODAY)
    assert info.value.code == "id_region"
    good = _with_check("81000019900101002")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        parse_document("hmt_residence", bad, today=TODAY)
    assert info.value.code == "id_check"


def test_it_accepts_a_2023_foreign_permanent_residence_card():
    # 9 + province 44 + country 840 + birth 19850315 + sequence 001 + check
    number = _with_check("94484019850315001")
    identity = parse_document("foreign_pr", number, today=TODAY)
    assert identity.doc_type == DocType.FOREIGN_PR
    assert identity.birth_date == dt.date(1985, 3, 15)
    assert identity.sex == "M"


def test_it_rejects_a_foreign_pr_not_starting_with_9():
    with pytest.raises(ValidationError) as info:
        parse_document("foreign_pr", _with_check("84484019850315001"), today=TODAY)
    assert info.value.code == "id_region"


@pytest.mark.parametrize(
    "raw, expected", [("e12345678", "E12345678"), (" G1234 5678 ", "G12345678"), ("ＡＢ１２３４５", "AB12345")]
)
def test_it_normalises_passport_numbers(raw, expected):
    identity = parse_document("passport", raw, today=TODAY)
    assert identity.number == expected
    assert identity.birth_date is None and identity.sex is None


@pytest.mark.parametrize("raw", ["", "AB1", "E1234-5678", "护照12345", "A" * 21])
def test_it_rejects_bad_passport_numbers(raw):
    with pytest.raises(ValidationError) as info:
        parse_document("passport", raw, today=TODAY)
    assert info.value.code == "passport_format"


def test_it_rejects_an_unknown_document_type():
    with pytest.raises(ValidationError) as info:
        parse_document("driving_licence", "11010519491231002X", today=TODAY)
    assert info.value.code == "doc_type"


# --- masking ------------------------------------------------------------------------------


@no_deadline
@given(resident_ids())
def test_it_masks_ids_keeping_division_and_last_four_and_never_the_birth_date(case):
    number, _born, _seq = case
    masked = mask_document(number)
    assert masked == number[:6] + "********" + number[-4:]
    assert number[6:14] not in masked


@pytest.mark.parametrize(
    "number, masked",
    [("E12345678", "E1*****78"), ("G123456789012", "G1*********12"), ("AB12345", "A*****5"), ("AB", "**"), ("", "")],
)
def test_it_masks_short_documents(number, masked):
    assert mask_document(number) == masked
    if len(number) > 2:
        assert mask_document(number) != number


def test_it_masks_mobiles():
    assert mask_mobile("+8613812345678") == "138****5678"


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("张三", "张三"),
        ("  李\u3000四  ", "李 四"),
        ("买买提·艾力", "买买提·艾力"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("John  Smith", "John Smith"),
    ],
)
def test_it_normalises_names(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    "raw, code",
    [
        ("张", "name_length"),
        ("", "name_length"),
        ("张" * 31, "name_length"),
        ("张三3", "name_chars"),
        ("<b>张三</b>", "name_chars"),
    ],
)
def test_it_rejects_bad_names(raw, code):
    with pytest.raises(ValidationError) as info:
        normalise_name(raw)
    assert info.value.code == code


# --- mobiles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800000001",
        "+8613800000001",
        "+86 138 0000 0001",
        "008613800000001",
        "8613800000001",
        "１３８０００００００１",
        "138-0000-0001",
    ],
)
def test_it_normalises_mobiles_to_e164(raw):
    assert normalise_mobile(raw) == "+8613800000001"


@no_deadline
@given(st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
def test_it_accepts_every_13x_to_19x_number(second, rest):
    assert normalise_mobile(f"1{second}{rest}") == f"+861{second}{rest}"


@pytest.mark.parametrize(
    "raw", ["", "12800000001", "1380000000", "138000000012", "02012345678", "+1 415 555 0100", "abc"]
)
def test_it_rejects_bad_mobiles(raw):
    with pytest.raises(ValidationError) as info:
        normalise_mobile(raw)
    assert info.value.code == "mobile_format"


# --- synthetic ids (demo and test data) -----------------------------------------------------


@no_deadline
@given(divisions, birth_dates, sequences)
@example("440305", dt.date(1990, 1, 1), 1)
def test_it_makes_synthetic_ids_that_validate(division, born, seq):
    number = synthetic_id(division, born, seq)
    identity = parse_document("resident_id", number, today=TODAY)
    assert identity.birth_date == born
    assert identity.sex == ("M" if seq % 2 else "F")
