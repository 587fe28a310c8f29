"""The tamper-evident audit log (DESIGN.md §3.5): record, seal, verify, and each way of tampering.

conftest turns AUDIT_SEAL_ON_COMMIT off, so every test seals explicitly.
"""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from gonghui.core import audit
from gonghui.core.models import AuditBlock, AuditEntry
from gonghui.core.testing import PASSWORD


def _record(n: int, prefix: str = "test.action") -> list[AuditEntry]:
    return [
        audit.record(
            actor=None,
            action=f"{prefix}.{i}",
            object_type="test.thing",
            object_id=i,
            object_label=f"thing {i}",
            before={"n": i},
            after={"n": i + 1},
            reason=f"reason {i}",
        )
        for i in range(n)
    ]


@pytest.fixture
def chain(db):
    """Nine entries sealed into three blocks of three: [e0 e1 e2] [e3 e4 e5] [e6 e7 e8]."""
    entries = _record(9)
    assert audit.seal(max_entries=3) == 9
    return entries


def _independent_hash(row: AuditEntry) -> str:
    """The documented entry-hash format, recomputed here so a silent format change fails."""
    content = {
        "at": row.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "object_label": row.object_label,
        "org_id": row.org_id,
        "org_path": row.org_path,
        "before": row.before,
        "after": row.after,
        "reason": row.reason,
        "request_id": row.request_id,
    }
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


# --- record -----------------------------------------------------------------------------------


def test_it_records_an_entry_whose_hash_matches_its_stored_content(tree):
    entry = audit.record(
        actor=None,
        action="org.update",
        obj=tree.district,
        org=tree.district,
        before={"name": "旧名", "amount": Decimal("12.50"), "day": dt.date(2024, 2, 10)},
        after={"name": "新名", "nested": {"b": [1, 2], "a": None}},
        reason="更名",
    )
    row = AuditEntry.objects.get(pk=entry.pk)
    assert row.action == "org.update"
    assert row.object_type == "orgs.org"
    assert row.object_id == str(tree.district.pk)
    assert row.object_label == tree.district.name
    assert row.org_id == tree.district.pk
    assert row.org_path == tree.district.path
    assert row.actor_id is None and row.actor_label == "system"
    assert row.before == {"name": "旧名", "amount": "12.50", "day": "2024-02-10"}
    assert row.block_id is None
    assert len(row.entry_hash) == 64
    assert row.entry_hash == _independent_hash(row)
    assert audit.compute_entry_hash(row) == row.entry_hash


def test_it_records_the_actor_by_id_and_username(tree, personas):
    entry = audit.record(actor=personas.own, action="test.act", object_type="x", object_id=1)
    row = AuditEntry.objects.get(pk=entry.pk)
    assert row.actor_id == personas.own.pk
    assert row.actor_label == personas.own.username
    assert row.entry_hash == _independent_hash(row)


def test_it_leaves_no_entry_when_the_transaction_rolls_back(db):
    before = AuditEntry.objects.count()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        audit.record(actor=None, action="test.rolled_back", object_type="x", object_id=1)
        assert AuditEntry.objects.filter(action="test.rolled_back").exists()
        raise Boom
    assert AuditEntry.objects.count() == before
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()
    assert audit.seal() == 0
    assert audit.verify().ok


def test_it_schedules_one_seal_per_transaction_when_enabled(db, settings, django_capture_on_commit_callbacks):
    settings.AUDIT_SEAL_ON_COMMIT = True
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        _record(3)
    assert [cb for cb in callbacks if cb is audit._enqueue_seal] == [audit._enqueue_seal]


def test_it_schedules_no_seal_when_disabled(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        _record(2)
    assert audit._enqueue_seal not in callbacks


# --- seal -------------------------------------------------------------------------------------


def test_it_seals_pending_entries_into_blocks_linked_by_hash(chain):
    blocks = list(AuditBlock.objects.order_by("number"))
    assert [b.number for b in blocks] == [1, 2, 3]
    assert [b.entry_count for b in blocks] == [3, 3, 3]
    assert blocks[0].previous_hash == audit.GENESIS_HASH
    assert blocks[1].previous_hash == blocks[0].block_hash
    assert blocks[2].previous_hash == blocks[1].block_hash
    ids = [e.pk for e in chain]
    for block, members in zip(blocks, [ids[0:3], ids[3:6], ids[6:9]], strict=True):
        assert list(AuditEntry.objects.filter(block=block).order_by("id").values_list("id", flat=True)) == members
        assert (block.first_entry_id, block.last_entry_id) == (members[0], members[-1])
        hashes = AuditEntry.objects.filter(block=block).order_by("id").values_list("id", "entry_hash")
        expected = hashlib.sha256("".join(f"{i}:{h}\n" for i, h in hashes).encode()).hexdigest()
        assert block.entries_digest == expected
    assert len({b.block_hash for b in blocks}) == 3


def test_it_seals_a_short_last_block_and_then_nothing(db):
    _record(7)
    assert audit.seal(max_entries=3) == 7
    assert list(AuditBlock.objects.order_by("number").values_list("entry_count", flat=True)) == [3, 3, 1]
    assert audit.seal(max_entries=3) == 0
    assert AuditBlock.objects.count() == 3
    assert not AuditEntry.objects.filter(block__isnull=True).exists()


def test_it_continues_the_chain_from_the_last_block(chain):
    last = AuditBlock.objects.order_by("-number").first()
    (new,) = _record(1, "test.later")
    assert audit.seal(max_entries=3) == 1
    block = AuditBlock.objects.get(number=4)
    assert block.previous_hash == last.block_hash
    assert block.first_entry_id == block.last_entry_id == new.pk
    assert audit.verify().ok


def test_it_uses_the_block_size_setting_by_default(db, settings):
    settings.AUDIT_BLOCK_SIZE = 4
    _record(10)
    assert audit.seal() == 10
    assert list(AuditBlock.objects.order_by("number").values_list("entry_count", flat=True)) == [4, 4, 2]


def test_it_seals_the_entries_actions_write(tree, personas):
    # The tree and personas fixtures wrote org.create, staff.create and grant.create entries.
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"org.create", "staff.create", "grant.create"} <= actions
    assert audit.seal() == AuditEntry.objects.count()
    result = audit.verify()
    assert result.ok
    assert result.entries_checked == AuditEntry.objects.count()
    assert result.unsealed == 0


# --- verify: intact ----------------------------------------------------------------------------


def test_it_verifies_an_intact_chain(chain):
    _record(2, "test.pending")
    result = audit.verify()
    assert result.ok, result.problem
    assert result.blocks_checked == 3
    assert result.entries_checked == 11
    assert result.unsealed == 2
    assert result.entry_id is None


def test_it_verifies_an_empty_log(db):
    result = audit.verify()
    assert result.ok
    assert (result.blocks_checked, result.entries_checked, result.unsealed) == (0, 0, 0)


def test_it_verifies_across_small_read_chunks(chain):
    assert audit.verify(chunk=2).ok


# --- verify: tampering ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("reason", "nothing to see here"),
        ("action", "test.harmless"),
        ("object_id", "999"),
        ("object_label", "something else"),
        ("actor_label", "someone"),
        ("org_path", "00000001."),
        ("org_id", 1),
        ("before", {"n": 100}),
        ("after", None),
        ("request_id", "forged-request-id"),
        ("at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_it_detects_a_field_edited_with_queryset_update(chain, field, value):
    victim = chain[4]
    AuditEntry.objects.filter(pk=victim.pk).update(**{field: value})
    result = audit.verify()
    assert not result.ok
    assert result.entry_id == victim.pk
    assert result.block_number == 2
    assert f"entry {victim.pk}" in result.problem


def test_it_detects_an_edit_whose_entry_hash_was_recomputed(chain):
    """Recomputing the unkeyed content hash does not help: the MAC needs the audit key."""
    victim = chain[4]
    row = AuditEntry.objects.get(pk=victim.pk)
    row.reason = "rewritten"
    AuditEntry.objects.filter(pk=row.pk).update(reason=row.reason, entry_hash=audit.compute_entry_hash(row))
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 2
    assert result.entry_id == victim.pk
    assert "MAC" in result.problem


@pytest.mark.parametrize("position", [3, 4, 5], ids=["first-of-block", "middle-of-block", "last-of-block"])
def test_it_detects_a_deleted_entry_and_names_it(chain, position):
    victim = chain[position]
    AuditEntry.objects.filter(pk=victim.pk).delete()
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 2
    assert result.entry_id == victim.pk
    assert "sealed 3, found 2" in result.problem


def test_it_detects_a_forged_entry_claiming_an_existing_block(chain):
    block = AuditBlock.objects.get(number=2)
    forged = audit.build_entry(actor=None, action="test.forged", object_type="x", object_id=1)
    forged.block = block
    audit._allocate([forged])  # a well-formed row with a valid MAC (as if the key leaked): the block betrays it
    forged.save(force_insert=True)
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 2
    assert result.entry_id == forged.pk
    assert "sealed 3, found 4" in result.problem


def test_it_detects_a_forged_entry_written_without_the_key(chain):
    forged = audit.build_entry(actor=None, action="test.forged", object_type="x", object_id=1)
    forged.save(force_insert=True)
    result = audit.verify()
    assert not result.ok
    assert result.entry_id == forged.pk
    assert "not yet sealed" in result.problem


def test_it_detects_an_entry_moved_out_of_its_block(chain):
    victim = chain[1]
    AuditEntry.objects.filter(pk=victim.pk).update(block=None)
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 1
    assert result.entry_id == victim.pk


@pytest.mark.parametrize(
    "change",
    [
        {"entry_count": 2},
        {"entries_digest": "f" * 64},
        {"last_entry_id": 0},
        {"previous_hash": "0" * 64},
        {"sealed_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    ],
    ids=lambda c: next(iter(c)),
)
def test_it_detects_an_edited_block_row(chain, change):
    block = AuditBlock.objects.get(number=2)
    AuditBlock.objects.filter(pk=block.pk).update(**change)
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 2
    assert result.entry_id == block.first_entry_id
    assert "block 2" in result.problem


def test_it_detects_a_block_rewritten_with_a_recomputed_hash(chain):
    """Without the audit key a rewritten block cannot carry a valid MAC."""
    block = AuditBlock.objects.get(number=2)
    AuditEntry.objects.filter(pk=chain[4].pk).delete()
    pairs = list(AuditEntry.objects.filter(block=block).order_by("id").values_list("id", "entry_hash"))
    digest = audit._digest(pairs)
    args = (block.number, block.first_entry_id, block.last_entry_id, 2, digest, block.previous_hash, block.sealed_at)
    AuditBlock.objects.filter(pk=block.pk).update(
        entry_count=2, entries_digest=digest, block_hash=audit._block_hash(*args)
    )
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 2
    assert "block 2" in result.problem


def test_it_detects_a_deleted_block_whose_entries_were_unsealed(chain):
    block = AuditBlock.objects.get(number=2)
    AuditEntry.objects.filter(block=block).update(block=None)
    block.delete()
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 2
    assert result.entry_id == chain[3].pk
    assert "block 2 is missing" in result.problem


def test_it_detects_a_deleted_block_together_with_its_entries(chain):
    block = AuditBlock.objects.get(number=2)
    AuditEntry.objects.filter(block=block).delete()
    block.delete()
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 2
    assert result.entry_id == chain[3].pk


def test_it_detects_a_deleted_first_block(chain):
    block = AuditBlock.objects.get(number=1)
    AuditEntry.objects.filter(block=block).update(block=None)
    block.delete()
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 1
    assert result.entry_id == chain[0].pk


def test_it_detects_an_edited_unsealed_entry(chain):
    pending = _record(3, "test.pending")
    AuditEntry.objects.filter(pk=pending[1].pk).update(reason="changed before sealing")
    result = audit.verify()
    assert not result.ok
    assert result.entry_id == pending[1].pk
    assert result.block_number is None
    assert "not yet sealed" in result.problem


def test_it_detects_an_unsealed_entry_edited_and_rehashed(chain):
    """Failed on the unkeyed hashes: an unsealed entry edited with a recomputed hash passed."""
    pending = _record(3, "test.pending")
    row = AuditEntry.objects.get(pk=pending[1].pk)
    row.reason = "changed before sealing"
    AuditEntry.objects.filter(pk=row.pk).update(reason=row.reason, entry_hash=audit.compute_entry_hash(row))
    result = audit.verify()
    assert not result.ok
    assert result.entry_id == pending[1].pk
    assert "not yet sealed" in result.problem


def test_it_detects_a_deleted_unsealed_entry(chain):
    """Failed on the unkeyed hashes: deleting an unsealed entry left nothing to notice."""
    pending = _record(3, "test.pending")
    AuditEntry.objects.filter(pk=pending[1].pk).delete()
    result = audit.verify()
    assert not result.ok
    assert result.entry_id == pending[1].pk
    assert f"entry {pending[2].pk}" in result.problem and "deleted" in result.problem


def test_it_detects_a_deleted_unsealed_entry_that_was_renumbered_away(chain):
    """Closing the gap by renumbering the later entries breaks their MACs (the id is covered)."""
    pending = _record(3, "test.pending")
    AuditEntry.objects.filter(pk=pending[1].pk).delete()
    AuditEntry.objects.filter(pk=pending[2].pk).update(id=pending[1].pk)
    result = audit.verify()
    assert not result.ok
    assert result.entry_id == pending[1].pk


def test_it_detects_a_deleted_first_entry(chain):
    AuditEntry.objects.filter(pk=chain[0].pk).update(block=None)
    AuditEntry.objects.filter(pk=chain[0].pk).delete()
    result = audit.verify()
    assert not result.ok
    assert result.block_number == 1


def test_it_fails_every_entry_under_another_audit_key(chain, settings):
    settings.GONGHUI_AUDIT_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
    result = audit.verify()
    assert not result.ok
    assert result.entry_id == chain[0].pk
    assert "MAC" in result.problem


def test_it_writes_a_mac_over_id_prev_id_and_hash_with_the_settings_key(db, settings):
    import base64
    import hmac

    first, second = _record(2)
    row = AuditEntry.objects.get(pk=second.pk)
    assert row.prev_id == first.pk
    key = base64.b64decode(settings.GONGHUI_AUDIT_KEY)
    message = f"gonghui-audit-entry|{row.pk}|{row.prev_id}|{row.entry_hash}".encode()
    assert row.entry_mac == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_it_writes_macs_for_bulk_entries(db):
    entries = [audit.build_entry(actor=None, action="test.bulk", object_type="x", object_id=i) for i in range(5)]
    audit.record_many(entries)
    rows = list(AuditEntry.objects.filter(action="test.bulk").order_by("id"))
    assert [r.prev_id for r in rows[1:]] == [r.pk for r in rows[:-1]]
    assert audit.verify().ok


def test_it_macs_existing_entries_in_the_migration(db):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    entries = _record(3)
    audit.seal()
    AuditEntry.objects.update(entry_mac="", prev_id=None)
    AuditBlock.objects.update(block_mac="")
    assert not audit.verify().ok
    migration = import_module("gonghui.core.migrations.0003_audit_mac")
    migration.seal_existing(apps, SimpleNamespace(connection=connection))
    result = audit.verify()
    assert result.ok, result.problem
    assert AuditEntry.objects.get(pk=entries[1].pk).prev_id == entries[0].pk


def test_it_refuses_to_seal_over_a_broken_chain_silently(chain):
    """Sealing after a tamper does not hide it: the edited row still fails its own hash."""
    AuditEntry.objects.filter(pk=chain[7].pk).update(reason="edited")
    _record(2, "test.later")
    audit.seal(max_entries=3)
    result = audit.verify()
    assert not result.ok
    assert result.entry_id == chain[7].pk


# --- commands ------------------------------------------------------------------------------------


def test_it_runs_verify_audit_on_an_intact_chain(chain, capsys):
    call_command("verify_audit")
    out, err = capsys.readouterr()
    assert "intact" in out
    assert "3 blocks, 9 entries" in out
    assert err == ""


def test_it_exits_1_and_names_the_entry_when_verify_audit_finds_tampering(chain, capsys):
    victim = chain[5]
    AuditEntry.objects.filter(pk=victim.pk).update(reason="edited")
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")
    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert f"entry {victim.pk}" in err
    assert "BROKEN" in err
    assert "intact" not in out


def test_it_names_block_and_entry_when_verify_audit_finds_a_deleted_block(chain, capsys):
    block = AuditBlock.objects.get(number=2)
    AuditEntry.objects.filter(block=block).update(block=None)
    block.delete()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "block 2" in err
    assert f"entry {chain[3].pk}" in err


def test_it_prints_json_from_verify_audit(chain, capsys):
    AuditEntry.objects.filter(pk=chain[0].pk).update(reason="edited")
    with pytest.raises(SystemExit):
        call_command("verify_audit", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["entry_id"] == chain[0].pk
    assert data["block_number"] == 1


def test_it_reports_unsealed_entries_from_verify_audit(chain, capsys):
    _record(2, "test.pending")
    call_command("verify_audit")
    assert "(2 not yet sealed" in capsys.readouterr().out


def test_it_fails_verify_audit_on_a_deleted_unsealed_entry(chain, capsys):
    pending = _record(3, "test.pending")
    AuditEntry.objects.filter(pk=pending[0].pk).delete()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")
    assert exit_info.value.code == 1
    assert f"entry {pending[0].pk}" in capsys.readouterr().err


def test_it_seals_before_verifying_with_the_seal_flag(db, capsys):
    _record(3)
    call_command("verify_audit", "--seal")
    assert "(0 not yet sealed" in capsys.readouterr().out
    assert not AuditEntry.objects.filter(block__isnull=True).exists()


def test_it_seals_pending_entries_with_seal_audit(db, capsys, settings):
    settings.AUDIT_BLOCK_SIZE = 2
    _record(5)
    call_command("seal_audit")
    assert "sealed 5 entries" in capsys.readouterr().out
    assert AuditBlock.objects.count() == 3
    assert not AuditEntry.objects.filter(block__isnull=True).exists()
    call_command("seal_audit")
    assert "sealed 0 entries" in capsys.readouterr().out
    assert audit.verify().ok


def test_it_runs_the_seal_task(db):
    from gonghui.core.tasks import seal_audit_task

    _record(2)
    assert seal_audit_task.call() == 2
    assert AuditBlock.objects.count() == 1


# --- request id ----------------------------------------------------------------------------------


def test_it_stores_the_request_id_of_the_request_that_performed_the_action(tree, personas, client_for):
    client = client_for(personas.own)
    response = client.post(
        reverse("accounts:staff_create"),
        {
            "username": "req-id-user",
            "display_name": "请求编号",
            "home_org": tree.district.code,
            "password": PASSWORD,
        },
        HTTP_X_REQUEST_ID="req-0123456789abcdef",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-0123456789abcdef"
    entry = AuditEntry.objects.get(action="staff.create", object_label="请求编号")
    assert entry.request_id == "req-0123456789abcdef"
    assert entry.actor_id == personas.own.pk
    assert entry.entry_hash == audit.compute_entry_hash(entry)


def test_it_generates_a_request_id_when_the_header_is_missing_or_invalid(tree, personas, client_for):
    client = client_for(personas.own)
    response = client.post(
        reverse("accounts:staff_create"),
        {"username": "req-id-two", "display_name": "请求编号二", "home_org": tree.district.code, "password": PASSWORD},
        HTTP_X_REQUEST_ID="bad id with spaces",
    )
    assert response.status_code == 302
    generated = response["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32
    assert AuditEntry.objects.get(action="staff.create", object_label="请求编号二").request_id == generated


def test_it_records_no_request_id_outside_a_request(db):
    (entry,) = _record(1)
    assert AuditEntry.objects.get(pk=entry.pk).request_id == ""


class TestWitness:
    """A head recorded outside the database catches truncation and rewriting at the chain's end."""

    def _entries(self, n):
        from gonghui.core import audit

        for i in range(n):
            audit.record(actor=None, action="test.witness", object_type="t", object_id=str(i))

    def test_it_accepts_a_witness_of_an_intact_chain(self, db):
        from gonghui.core import audit

        self._entries(3)
        audit.seal(max_entries=2)
        head = audit.chain_head()
        self._entries(2)
        audit.seal()
        assert audit.verify(expect_head=head).ok

    def test_it_detects_a_deleted_last_block_with_the_witness(self, db):
        from gonghui.core import audit
        from gonghui.core.models import AuditBlock, AuditEntry

        self._entries(3)
        audit.seal(max_entries=2)
        head = audit.chain_head()
        last = AuditBlock.objects.order_by("-number").first()
        AuditEntry.objects.filter(block=last).delete()
        last.delete()
        assert audit.verify().ok  # without the witness the shortened chain looks whole
        result = audit.verify(expect_head=head)
        assert not result.ok
        assert "truncated" in result.problem

    def test_it_detects_a_rehashed_last_block_with_the_witness(self, db):
        from gonghui.core import audit
        from gonghui.core.models import AuditBlock

        self._entries(2)
        audit.seal()
        head = audit.chain_head()
        AuditBlock.objects.filter(number=1).update(block_hash="f" * 64)
        result = audit.verify(expect_head=head)
        assert not result.ok

    def test_it_rejects_a_malformed_witness(self, db):
        from gonghui.core import audit

        assert not audit.verify(expect_head="nonsense").ok
