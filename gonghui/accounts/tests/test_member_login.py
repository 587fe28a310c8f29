"""Member login codes (手机号 + 验证码): sending, rate limits, verification, lockout, audit.

Codes are read back from the console SMS outbox, as a person would read their phone.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.accounts import member_login
from gonghui.accounts.models import MemberLoginCode
from gonghui.core import sms
from gonghui.core.models import AuditEntry

MOBILE = "138 0013 8000"
E164 = "+8613800138000"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def send(db, django_capture_on_commit_callbacks):
    """Request a code (SMS sent after commit) and return the code text from the outbox."""

    def request(mobile=MOBILE, client_ip="203.0.113.7"):
        with django_capture_on_commit_callbacks(execute=True):
            member_login.request_code(mobile, client_ip=client_ip)
        return last_code(member_login.normalise(mobile))

    return request


def last_code(mobile=E164) -> str:
    texts = [m["text"] for m in sms.outbox if m["mobile"] == mobile]
    assert texts, "no SMS was sent"
    return re.search(r"\d{6}", texts[-1]).group(0)


def age(seconds: int, **filters) -> None:
    """Move the matching codes `seconds` into the past (sending time and expiry alike)."""
    for row in MemberLoginCode.objects.filter(**filters):
        MemberLoginCode.objects.filter(pk=row.pk).update(
            created_at=row.created_at - timedelta(seconds=seconds),
            expires_at=row.expires_at - timedelta(seconds=seconds),
        )


def code_error(excinfo) -> tuple[str, str]:
    error = excinfo.value.error_dict["code"][0]
    return error.code, error.messages[0]


def test_it_sends_a_six_digit_code_and_stores_only_its_hash(send):
    code = send()
    assert re.fullmatch(r"\d{6}", code)
    row = MemberLoginCode.objects.get()
    assert row.mobile == E164
    assert code not in row.code_hash and row.code_hash == member_login.code_hash(E164, code)
    assert row.client_hash and "203.0.113.7" not in row.client_hash
    assert row.expires_at - row.created_at == member_login.CODE_TTL
    assert sms.outbox[-1]["mobile"] == E164 and code in sms.outbox[-1]["text"]


def test_it_sends_nothing_before_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        member_login.request_code(MOBILE)
    assert sms.outbox == [] and len(callbacks) >= 1


def test_it_refuses_a_malformed_mobile_and_writes_nothing(db):
    with pytest.raises(ValidationError) as excinfo:
        member_login.request_code("12345")
    assert "mobile" in excinfo.value.error_dict
    assert "13–19" in excinfo.value.error_dict["mobile"][0].messages[0]
    assert not MemberLoginCode.objects.exists() and sms.outbox == []


def test_it_logs_in_with_the_right_code_once(send):
    code = send()
    row = member_login.verify_code(MOBILE, code)
    assert row.used_at is not None and row.attempts == 1
    entry = AuditEntry.objects.get(action="member.login")
    assert entry.actor_id is None
    assert entry.after["mobile"] == "138****8000" and entry.after["method"] == "sms_code"
    assert code not in str(entry.after) and row.code_hash not in str(entry.after)
    with pytest.raises(ValidationError) as excinfo:
        member_login.verify_code(MOBILE, code)
    assert code_error(excinfo)[0] == "code_used"


def test_it_labels_the_login_with_the_person_and_org(send, tree):
    from gonghui.people.actions import get_or_create_person
    from gonghui.people.identity import synthetic_id

    person, _ = get_or_create_person(
        acting_user=None,
        data={
            "name": "张三",
            "doc_type": "resident_id",
            "doc_number": synthetic_id("440305", timezone.localdate().replace(year=1990), 11),
            "mobile": MOBILE,
        },
    )
    member_login.verify_code(MOBILE, send(), person=person, org=tree.district)
    entry = AuditEntry.objects.get(action="member.login")
    assert entry.object_type == "people.person" and entry.object_id == str(person.pk)
    assert entry.org_id == tree.district.pk and entry.after["person"] == person.pk


def test_it_accepts_full_width_digits_and_spaces_in_the_code(send):
    code = send()
    typed = " ".join(chr(ord(c) + 0xFEE0) for c in code)  # １ ２ ３ …
    assert member_login.verify_code(MOBILE, typed).used_at is not None


def test_it_refuses_a_wrong_code_and_counts_down(send):
    code = send()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(ValidationError) as excinfo:
        member_login.verify_code(MOBILE, wrong)
    assert code_error(excinfo) == ("code_wrong", "验证码不正确，还可以再试 4 次")
    assert MemberLoginCode.objects.get().attempts == 1  # the failed attempt is kept (outside the rollback)
    assert not AuditEntry.objects.filter(action="member.login").exists()


def test_it_refuses_a_code_that_is_not_six_digits_without_counting_it(send):
    send()
    with pytest.raises(ValidationError) as excinfo:
        member_login.verify_code(MOBILE, "12ab")
    assert code_error(excinfo)[0] == "code_format"
    assert MemberLoginCode.objects.get().attempts == 0


def test_it_locks_the_code_after_five_wrong_guesses(send):
    code = send()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(member_login.MAX_ATTEMPTS - 1):
        with pytest.raises(ValidationError):
            member_login.verify_code(MOBILE, wrong)
    with pytest.raises(ValidationError) as excinfo:
        member_login.verify_code(MOBILE, wrong)
    assert code_error(excinfo)[0] == "code_locked"
    locked = AuditEntry.objects.get(action="member.login_locked")
    assert locked.after == {"mobile": "138****8000", "attempts": 5}
    # Even the right code no longer works: a new code must be requested.
    with pytest.raises(ValidationError) as excinfo:
        member_login.verify_code(MOBILE, code)
    assert code_error(excinfo)[0] == "code_locked"
    assert MemberLoginCode.objects.get().used_at is None
    age(61)
    new_code = send()
    assert member_login.verify_code(MOBILE, new_code).used_at is not None


def test_it_refuses_an_expired_code(send):
    code = send()
    age(int(member_login.CODE_TTL.total_seconds()) + 1)
    with pytest.raises(ValidationError) as excinfo:
        member_login.verify_code(MOBILE, code)
    assert code_error(excinfo) == ("code_expired", "验证码已失效，请重新获取")


def test_it_refuses_a_code_when_none_was_sent(db):
    with pytest.raises(ValidationError) as excinfo:
        member_login.verify_code(MOBILE, "123456")
    assert code_error(excinfo)[0] == "code_expired"


def test_a_new_code_replaces_the_older_one(send):
    old = send()
    age(61)
    new = send()
    if old != new:
        with pytest.raises(ValidationError):
            member_login.verify_code(MOBILE, old)
    assert member_login.verify_code(MOBILE, new).used_at is not None


def test_a_code_of_one_number_does_not_log_in_another(send):
    code = send()
    send("13900139000")
    with pytest.raises(ValidationError):
        member_login.verify_code("13900139000", code if code != last_code("+8613900139000") else "000000")


def test_it_allows_one_code_per_number_per_minute(send):
    send()
    with pytest.raises(member_login.CodeRateLimited) as excinfo:
        send()
    error = excinfo.value.error_dict["mobile"][0]
    assert error.code == "resend_too_soon" and "秒后" in error.messages[0]
    assert 1 <= excinfo.value.retry_after <= 60
    assert MemberLoginCode.objects.count() == 1 and len(sms.outbox) == 1


def test_it_allows_five_codes_per_number_per_hour(send):
    for _ in range(member_login.MAX_PER_MOBILE):
        send()
        age(61)
    with pytest.raises(member_login.CodeRateLimited) as excinfo:
        send()
    assert excinfo.value.error_dict["mobile"][0].code == "mobile_limit"
    assert MemberLoginCode.objects.count() == 5
    age(3600)  # an hour later the number may ask again
    send()
    assert MemberLoginCode.objects.count() == 6


def test_it_allows_twenty_codes_per_client_address_per_hour(send):
    for n in range(member_login.MAX_PER_CLIENT):
        send(f"1390000{n:04d}", client_ip="198.51.100.1")
    with pytest.raises(member_login.CodeRateLimited) as excinfo:
        send("13700000000", client_ip="198.51.100.1")
    assert excinfo.value.error_dict["mobile"][0].code == "client_limit"
    # Another address is not affected.
    send("13700000000", client_ip="198.51.100.2")
    assert MemberLoginCode.objects.filter(mobile="+8613700000000").count() == 1


def test_it_drops_rows_older_than_a_day_when_the_number_asks_again(send):
    send()
    age(2 * 86400)
    send()
    assert MemberLoginCode.objects.count() == 1
