"""Writes to persons. Called by member actions and importers; every write is audited there
or here. Reading a whole document number is an action too, because it must be audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from gonghui.core import audit, crypto
from gonghui.core.errors import ActionPermissionError
from gonghui.core.scoping import user_can
from gonghui.people.identity import Identity, normalise_mobile, normalise_name, parse_document
from gonghui.people.models import Person
from gonghui.people.verification import get_backend

DOC_PURPOSE = "person.doc_number"
PERSON_FIELDS = ("ethnicity", "education", "political_status", "hukou_type", "hukou_place")


def doc_index(identity_or_number, doc_type: str | None = None) -> str:
    if isinstance(identity_or_number, Identity):
        doc_type, number = identity_or_number.doc_type, identity_or_number.number
    else:
        number = identity_or_number
    return crypto.blind_index(f"{doc_type}:{number}", DOC_PURPOSE)


def pinyin_of(name: str) -> tuple[str, str]:
    full = "".join(lazy_pinyin(name, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return full[:120], initials[:30]


def find_person(doc_type: str, number: str) -> Person | None:
    identity = parse_document(doc_type, number)
    return Person.objects.filter(doc_index=doc_index(identity)).first()


def build_person(*, name: str, identity: Identity, mobile: str = "", **extra) -> Person:
    """A new, unsaved Person with encrypted document, blind index, pinyin (bulk importers save it)."""
    full, initials = pinyin_of(name)
    person = Person(
        name=name,
        name_pinyin=full,
        name_initials=initials,
        sex=identity.sex or "",
        birth_date=identity.birth_date,
        mobile=mobile,
        doc_type=identity.doc_type,
        doc_cipher=crypto.encrypt(identity.number, DOC_PURPOSE),
        doc_index=doc_index(identity),
        doc_masked=identity.masked,
    )
    for field in PERSON_FIELDS:
        if extra.get(field):
            setattr(person, field, extra[field])
    return person


def clean_person_input(data: dict) -> tuple[str, Identity, str]:
    """Validate name, document and mobile together; all problems are reported at once."""
    errors = {}
    name = identity = mobile = None
    try:
        name = normalise_name(data.get("name", ""))
    except ValidationError as e:
        errors["name"] = e.messages
    try:
        identity = parse_document(data.get("doc_type") or "resident_id", data.get("doc_number", ""))
    except ValidationError as e:
        errors["doc_number"] = e.messages
    raw_mobile = data.get("mobile") or ""
    if raw_mobile:
        try:
            mobile = normalise_mobile(raw_mobile)
        except ValidationError as e:
            errors["mobile"] = e.messages
    if identity and data.get("birth_date") and identity.birth_date and data["birth_date"] != identity.birth_date:
        errors["birth_date"] = [_("出生日期与证件号码不一致（证件为 %(d)s）") % {"d": identity.birth_date.isoformat()}]
    if identity and data.get("sex") and identity.sex and data["sex"] != identity.sex:
        errors["sex"] = [_("性别与证件号码不一致")]
    if errors:
        raise ValidationError(errors)
    return name, identity, mobile or ""


@transaction.atomic
def get_or_create_person(*, acting_user, data: dict, verify: bool = True) -> tuple[Person, bool]:
    """The person with this document number, created (and verified) if new."""
    name, identity, mobile = clean_person_input(data)
    person = Person.objects.select_for_update().filter(doc_index=doc_index(identity)).first()
    if person is not None:
        if person.name != name:
            raise ValidationError({"name": [_("该证件号码已登记的姓名与填写的不一致，请核对")]})
        return person, False
    person = build_person(name=name, identity=identity, mobile=mobile, **{k: data.get(k) for k in PERSON_FIELDS})
    if verify:
        result = get_backend().verify(name=name, doc_type=identity.doc_type, number=identity.number, mobile=mobile)
        if result.verified:
            person.verified_at = timezone.now()
        person.verification_method = result.method
        person.verification_note = result.note[:200]
    person.save(force_insert=True)
    audit.record(
        actor=acting_user,
        action="person.create",
        obj=person,
        after={
            "name": name,
            "doc_type": identity.doc_type,
            "doc": identity.masked,
            "verified": person.is_verified,
            "method": person.verification_method,
        },
    )
    return person, True


@transaction.atomic
def reveal_document(*, acting_user, person: Person, org, purpose: str = "") -> str:
    """The whole document number, for a user holding member.view_pii at `org`. Audited (PIPL)."""
    if not user_can(acting_user, "member.view_pii", org.path):
        raise ActionPermissionError("member.view_pii", _("您没有查看完整证件号码的权限"))
    number = crypto.decrypt(person.doc_cipher, DOC_PURPOSE)
    audit.record(
        actor=acting_user,
        action="person.reveal_document",
        obj=person,
        org=org,
        after={"field": "doc_number"},
        reason=purpose,
    )
    return number
