"""Writes and audited reads of persons (gonghui.people.actions), encryption, blind index, verification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.core import crypto
from gonghui.core.errors import ActionPermissionError
from gonghui.core.models import AuditEntry
from gonghui.people.actions import (
    DOC_PURPOSE,
    clean_person_input,
    doc_index,
    find_person,
    get_or_create_person,
    reveal_document,
)
from gonghui.people.identity import mask_document, synthetic_id, upgrade_15
from gonghui.people.models import Person
from gonghui.people.verification import FormatCheckBackend, VerificationResult, get_backend

OLD_15 = "440305900101003"  # 1990-01-01, male
NEW_18 = upgrade_15(OLD_15)


def data(**kw):
    base = {"name": "王小明", "doc_type": "resident_id", "doc_number": NEW_18, "mobile": "13800000001"}
    base.update(kw)
    return base


# --- crypto primitives -------------------------------------------------------------------------


@settings(deadline=None, max_examples=30)
@given(st.text(max_size=40))
def test_it_round_trips_encryption_and_never_stores_plain_text(text):
    blob = crypto.encrypt(text, DOC_PURPOSE)
    assert crypto.decrypt(blob, DOC_PURPOSE) == text
    if len(text) >= 4:
        assert text.encode() not in blob


def test_it_uses_a_fresh_nonce_so_equal_values_encrypt_differently():
    assert crypto.encrypt(NEW_18, DOC_PURPOSE) != crypto.encrypt(NEW_18, DOC_PURPOSE)


def test_it_refuses_to_decrypt_tampered_or_foreign_ciphertexts():
    blob = crypto.encrypt(NEW_18, DOC_PURPOSE)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, "person.other_field")  # bound to its purpose
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(tampered), DOC_PURPOSE)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(b"", DOC_PURPOSE)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(b"\x02" + blob[1:], DOC_PURPOSE)


def test_it_makes_a_deterministic_keyed_blind_index(settings):
    first = doc_index(NEW_18, "resident_id")
    assert first == doc_index(NEW_18, "resident_id")
    assert len(first) == 64 and NEW_18 not in first
    assert first != doc_index(NEW_18, "hmt_residence")  # the document type is part of the index
    assert first != crypto.blind_index(f"resident_id:{NEW_18}", "other.purpose")
    settings.GONGHUI_INDEX_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
    assert doc_index(NEW_18, "resident_id") != first  # keyed: another installation's index differs


# --- get_or_create_person ----------------------------------------------------------------------


def test_it_creates_a_verified_person_with_encrypted_number_index_mask_and_pinyin(db):
    person, created = get_or_create_person(acting_user=None, data=data(doc_number=OLD_15, mobile="+86 138 0000 0001"))
    assert created
    person = Person.objects.get(pk=person.pk)
    assert crypto.decrypt(person.doc_cipher, DOC_PURPOSE) == NEW_18  # stored upgraded to 18 digits
    assert NEW_18.encode() not in bytes(person.doc_cipher)
    assert person.doc_masked == mask_document(NEW_18) == "440305********003" + NEW_18[-1]
    assert person.doc_index == doc_index(NEW_18, "resident_id")
    assert person.birth_date == dt.date(1990, 1, 1)
    assert person.sex == "M"
    assert person.mobile == "+8613800000001"
    assert person.name_pinyin == "wangxiaoming" and person.name_initials == "wxm"
    assert person.is_verified and person.verification_method == "format_check"
    assert "未联网" in person.verification_note  # the format check says it is not a real identity check
    entry = AuditEntry.objects.get(action="person.create")
    assert entry.object_id == str(person.pk)
    assert entry.after["doc"] == person.doc_masked
    assert NEW_18 not in str(entry.after) and NEW_18 not in entry.object_label


def test_it_finds_the_same_person_whatever_the_input_format(db):
    person, _ = get_or_create_person(acting_user=None, data=data())
    for raw in (OLD_15, NEW_18.lower(), " " + NEW_18 + " ", "".join(chr(ord(c) + 0xFEE0) for c in NEW_18)):
        again, created = get_or_create_person(acting_user=None, data=data(doc_number=raw))
        assert not created and again.pk == person.pk
    assert find_person("resident_id", OLD_15).pk == person.pk
    assert Person.objects.count() == 1
    assert AuditEntry.objects.filter(action="person.create").count() == 1


def test_it_refuses_a_known_number_under_another_name(db):
    get_or_create_person(acting_user=None, data=data())
    with pytest.raises(ValidationError) as info:
        get_or_create_person(acting_user=None, data=data(name="王大明"))
    assert "name" in info.value.message_dict
    assert Person.objects.count() == 1


def test_it_can_create_an_unverified_person(db):
    person, _ = get_or_create_person(acting_user=None, data=data(), verify=False)
    assert not person.is_verified and person.verification_method == ""


def test_it_reports_every_bad_field_at_once_and_writes_nothing(db):
    with pytest.raises(ValidationError) as info:
        get_or_create_person(acting_user=None, data={"name": "王", "doc_number": "123", "mobile": "12345"})
    assert set(info.value.message_dict) == {"name", "doc_number", "mobile"}
    assert Person.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_it_cross_checks_birth_date_and_sex_with_the_document():
    name, identity, mobile = clean_person_input(data(birth_date=dt.date(1990, 1, 1), sex="M"))
    assert (name, identity.number, mobile) == ("王小明", NEW_18, "+8613800000001")
    with pytest.raises(ValidationError) as info:
        clean_person_input(data(birth_date=dt.date(1990, 1, 2), sex="F"))
    assert set(info.value.message_dict) == {"birth_date", "sex"}
    assert "1990-01-01" in info.value.message_dict["birth_date"][0]


def test_it_accepts_other_document_types(db):
    hmt = synthetic_id("810000", dt.date(1988, 8, 8), 12)
    person, _ = get_or_create_person(
        acting_user=None, data=data(name="陈大文", doc_type="hmt_residence", doc_number=hmt)
    )
    assert person.doc_type == "hmt_residence" and person.sex == "F"
    passport, _ = get_or_create_person(
        acting_user=None, data=data(name="John Smith", doc_type="passport", doc_number="e12345678", mobile="")
    )
    assert passport.birth_date is None and passport.doc_masked == "E1*****78" and passport.mobile == ""


# --- verification backend --------------------------------------------------------------------------


class RefusingBackend:
    def verify(self, *, name, doc_type, number, mobile=""):
        return VerificationResult(verified=False, method="test_refuse", note="不一致")


def test_it_uses_the_configured_verification_backend(db, settings):
    assert isinstance(get_backend(), FormatCheckBackend)
    settings.GONGHUI_IDENTITY_BACKEND = f"{__name__}.RefusingBackend"
    person, _ = get_or_create_person(acting_user=None, data=data())
    assert not person.is_verified
    assert (person.verification_method, person.verification_note) == ("test_refuse", "不一致")


# --- reveal_document (PIPL access trail) ----------------------------------------------------------------


@pytest.fixture
def pii_users(tree):
    from gonghui.accounts.actions import do_grant_role
    from gonghui.accounts.models import Role
    from gonghui.core.testing import make_staff

    role, _ = Role.objects.get_or_create(code="pii", defaults={"name": "证件查看", "permissions": ["member.view_pii"]})
    if "member.view_pii" not in (role.permissions or []):
        role.permissions = ["member.view_pii"]
        role.save()
    users = {}
    for key, org in (("own", tree.district), ("ancestor", tree.city), ("sibling", tree.sibling_district)):
        user = make_staff(f"pii-{key}", org)
        do_grant_role(acting_user=None, user=user, role=role, org=org)
        users[key] = user
    users["organiser"] = make_staff("pii-organiser", tree.district)  # member.view but not view_pii
    return users


@pytest.mark.parametrize("who", ["own", "ancestor"])
def test_it_reveals_the_whole_number_and_audits_the_read(tree, pii_users, who):
    person, _ = get_or_create_person(acting_user=None, data=data())
    before = AuditEntry.objects.count()
    number = reveal_document(acting_user=pii_users[who], person=person, org=tree.grassroots, purpose="核对身份")
    assert number == NEW_18
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action="person.reveal_document")
    assert entry.actor_id == pii_users[who].pk
    assert entry.object_id == str(person.pk) and entry.org_id == tree.grassroots.pk
    assert entry.reason == "核对身份"
    assert NEW_18 not in str(entry.after) and NEW_18 not in entry.reason


@pytest.mark.parametrize("who", ["sibling", "organiser"])
def test_it_refuses_to_reveal_without_view_pii_on_the_org_and_writes_nothing(tree, pii_users, who):
    person, _ = get_or_create_person(acting_user=None, data=data())
    before = AuditEntry.objects.count()
    with pytest.raises(ActionPermissionError):
        reveal_document(acting_user=pii_users[who], person=person, org=tree.grassroots)
    assert AuditEntry.objects.count() == before


def test_it_refuses_to_reveal_to_nobody(tree):
    person, _ = get_or_create_person(acting_user=None, data=data())
    with pytest.raises(ActionPermissionError):
        reveal_document(acting_user=None, person=person, org=tree.grassroots)
