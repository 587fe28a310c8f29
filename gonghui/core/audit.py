"""Writing, sealing and verifying the audit log (DESIGN.md §3.5).

Actions call `record()` inside their transaction. Each entry carries a keyed MAC (under
GONGHUI_AUDIT_KEY, which is not in the database) over its id, the highest id its writer
could see (`prev_id`) and its content hash, so it is verifiable from the moment it is
written. Sealing runs after commit (and from `gonghui seal-audit`), so concurrent writers
never queue on a shared chain head; see docs/architecture.md for the reasoning.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, transaction

from gonghui.core.middleware import current_request_id
from gonghui.core.models import AuditBlock, AuditEntry

GENESIS_HASH = "0" * 64


def _normalise(value):
    """Round-trip through JSON so the hashed value equals what the database gives back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _format_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_entry_hash(entry: AuditEntry) -> str:
    content = {
        "at": _format_time(entry.at),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "org_id": entry.org_id,
        "org_path": entry.org_path,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "request_id": entry.request_id,
    }
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _audit_key() -> bytes:
    return base64.b64decode(settings.GONGHUI_AUDIT_KEY)


def entry_mac(entry_id: int, prev_id: int | None, entry_hash: str) -> str:
    message = f"gonghui-audit-entry|{entry_id}|{prev_id or 0}|{entry_hash}".encode()
    return hmac.new(_audit_key(), message, hashlib.sha256).hexdigest()


def block_mac(block_hash: str) -> str:
    return hmac.new(_audit_key(), f"gonghui-audit-block|{block_hash}".encode(), hashlib.sha256).hexdigest()


def _allocate(entries: list[AuditEntry]) -> None:
    """Give the entries their ids before the insert so that the MAC can cover the id.

    PostgreSQL: ids from the table's sequence (no lock; a rolled-back transaction leaves a
    gap). SQLite: transactions take the write lock at BEGIN (IMMEDIATE), so the next ids
    after the AUTOINCREMENT counter are ours and a rollback leaves no gap. `prev_id` is the
    highest id committed (or written by this transaction) that the writer sees now.
    """
    if not entries:
        return
    connection = connections[AuditEntry.objects.db]
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        seen = cursor.fetchone()[0] or 0
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(entries)]
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        else:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(row[0] if row else 0, seen)
            ids = list(range(top + 1, top + 1 + len(entries)))
    previous = seen
    for entry, entry_id in zip(entries, ids, strict=True):
        entry.pk = entry_id
        entry.prev_id = previous
        entry.entry_mac = entry_mac(entry_id, previous, entry.entry_hash)
        previous = entry_id


def allocate(entries: list[AuditEntry]) -> None:
    """Ids, `prev_id` and MACs for entries that a hand-written statement inserts (the voucher claim
    inserts its entry in the same SQL statement as the voucher): pass `id`, `prev_id` and `entry_mac`."""
    _allocate(entries)


def _actor_fields(actor):
    from gonghui.core.actionkit import audit_actor_fields

    return audit_actor_fields(actor)


def build_entry(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id="",
    object_label: str = "",
    org=None,
    before=None,
    after=None,
    reason: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    actor_id, actor_label = _actor_fields(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)[:200]
    entry = AuditEntry(
        at=at or datetime.now(UTC),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_label=object_label[:200],
        org_id=getattr(org, "pk", None),
        org_path=getattr(org, "path", "") or "",
        before=_normalise(before),
        after=_normalise(after),
        reason=reason or "",
        request_id=current_request_id() or "",
    )
    entry.entry_hash = compute_entry_hash(entry)
    return entry


def record(**kwargs) -> AuditEntry:
    """Append one audit entry; call inside the action's transaction."""
    entry = build_entry(**kwargs)
    # No savepoint inside the action's transaction (two queries per audited write): a failed
    # audit write must roll the whole action back anyway.
    with transaction.atomic(savepoint=False):
        _allocate([entry])
        entry.save(force_insert=True)
    _schedule_seal()
    return entry


def record_many(entries: list[AuditEntry]) -> None:
    """Append entries built with `build_entry` in bulk (imports, bulk moves)."""
    with transaction.atomic(savepoint=False):
        for start in range(0, len(entries), 2000):
            batch = entries[start : start + 2000]
            _allocate(batch)
            AuditEntry.objects.bulk_create(batch)
    _schedule_seal()


def _enqueue_seal():
    from gonghui.core.tasks import seal_audit_task

    seal_audit_task.enqueue()


def _schedule_seal():
    """Ask for a seal after commit, once per transaction however many entries it wrote."""
    if not getattr(settings, "AUDIT_SEAL_ON_COMMIT", True):
        return
    connection = transaction.get_connection()
    if any(func is _enqueue_seal for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_seal, robust=True)


def _digest(entries) -> str:
    h = hashlib.sha256()
    for entry_id, entry_hash in entries:
        h.update(f"{entry_id}:{entry_hash}\n".encode())
    return h.hexdigest()


def _block_hash(number, first, last, count, digest, previous, sealed_at) -> str:
    blob = f"{number}|{first}|{last}|{count}|{digest}|{previous}|{_format_time(sealed_at)}"
    return hashlib.sha256(blob.encode()).hexdigest()


def seal(max_entries: int | None = None) -> int:
    """Seal all committed, unsealed entries into blocks. Returns how many were sealed.

    Safe to run concurrently: the unique block number makes a losing sealer roll back
    and stop; the winner's block already covers what the loser saw.
    """
    size = max_entries or settings.AUDIT_BLOCK_SIZE
    sealed = 0
    while True:
        try:
            with transaction.atomic():
                pending = list(
                    AuditEntry.objects.filter(block__isnull=True).order_by("id").values_list("id", "entry_hash")[:size]
                )
                if not pending:
                    return sealed
                last = AuditBlock.objects.order_by("-number").first()
                number = (last.number + 1) if last else 1
                previous = last.block_hash if last else GENESIS_HASH
                digest = _digest(pending)
                now = datetime.now(UTC)
                block_hash = _block_hash(number, pending[0][0], pending[-1][0], len(pending), digest, previous, now)
                block = AuditBlock.objects.create(
                    number=number,
                    first_entry_id=pending[0][0],
                    last_entry_id=pending[-1][0],
                    entry_count=len(pending),
                    entries_digest=digest,
                    previous_hash=previous,
                    block_hash=block_hash,
                    block_mac=block_mac(block_hash),
                    sealed_at=now,
                )
                AuditEntry.objects.filter(id__in=[entry_id for entry_id, _ in pending], block__isnull=True).update(
                    block=block
                )
                sealed += len(pending)
        except IntegrityError:
            return sealed


@dataclass
class VerifyResult:
    ok: bool
    entries_checked: int
    blocks_checked: int
    unsealed: int
    problem: str = ""
    entry_id: int | None = None
    block_number: int | None = None
    head: str = ""
    # Ids below the newest entry that no row holds and no later entry saw: rolled-back
    # transactions leave these on PostgreSQL (see docs/architecture.md for what this means).
    gaps: int = 0


def chain_head() -> str:
    """'N:HASH' of the newest block: the witness to keep outside the database.

    Whoever can rewrite the database can also drop or rewrite the newest blocks and re-hash
    them; only a copy of the head kept elsewhere (an ops log, a ticket, the upper union's
    system) shows that. `verify(expect_head=...)` checks such a copy.
    """
    last = AuditBlock.objects.order_by("-number").first()
    return f"{last.number}:{last.block_hash}" if last else f"0:{GENESIS_HASH}"


def _check_witness(expect_head: str) -> str:
    try:
        number_text, expected_hash = expect_head.split(":", 1)
        number = int(number_text)
    except ValueError:
        return f"witness {expect_head!r} is not in the form N:HASH"
    if number == 0:
        return ""
    block = AuditBlock.objects.filter(number=number).first()
    if block is None:
        return f"block {number} recorded in the witness no longer exists (the chain was truncated)"
    if block.block_hash != expected_hash:
        return f"block {number} differs from the recorded witness (the chain was rewritten from there on)"
    return ""


@dataclass
class _Walk:
    """What one pass over the entries in id order found (see verify())."""

    checked: int = 0
    unsealed: int = 0
    missing: set = field(default_factory=set)
    forward: dict = field(default_factory=dict)  # prev_id above the entry's own id → first entry naming it
    deleted: tuple[int, int] | None = None  # (missing id, entry that saw it)
    per_block: dict = field(default_factory=dict)  # block id → [count, sha256 of "id:hash" lines]


def _walk_entries(chunk: int, block_numbers: dict[int, int]) -> VerifyResult | _Walk:
    walk = _Walk()
    first_id = last_id = None
    rows = AuditEntry.objects.order_by("id").iterator(chunk_size=chunk)
    for entry in rows:
        walk.checked += 1
        if entry.block_id is None:
            walk.unsealed += 1
        if first_id is None:
            first_id = entry.pk
        elif entry.pk > last_id + 1:
            walk.missing.update(range(last_id + 1, entry.pk))
        last_id = entry.pk
        content_ok = compute_entry_hash(entry) == entry.entry_hash
        mac_ok = bool(entry.entry_mac) and hmac.compare_digest(
            entry.entry_mac, entry_mac(entry.pk, entry.prev_id, entry.entry_hash)
        )
        if not (content_ok and mac_ok):
            sealed = "" if entry.block_id else " (not yet sealed)"
            what = "its content no longer matches its hash" if not content_ok else "its MAC does not match"
            return VerifyResult(
                False,
                walk.checked,
                0,
                walk.unsealed,
                f"entry {entry.pk}{sealed} was edited or forged: {what}",
                entry_id=entry.pk,
                block_number=block_numbers.get(entry.block_id),
            )
        prev = entry.prev_id or 0
        if prev > entry.pk:
            walk.forward.setdefault(prev, entry.pk)
        elif (prev in walk.missing or 0 < prev < first_id) and walk.deleted is None:
            walk.deleted = (prev, entry.pk)
        if entry.block_id is not None:
            state = walk.per_block.setdefault(entry.block_id, [0, hashlib.sha256()])
            state[0] += 1
            state[1].update(f"{entry.pk}:{entry.entry_hash}\n".encode())
    for prev, seen_by in walk.forward.items():
        if (prev in walk.missing or prev > (last_id or 0)) and walk.deleted is None:
            walk.deleted = (prev, seen_by)
    return walk


def verify(chunk: int = 5000, expect_head: str = "") -> VerifyResult:
    """Check every entry's MAC and content hash, the ids its writers saw, and every block link.

    Fails at the first edited or forged entry (sealed or not), at a block that lost or gained
    entries or was rewritten, and at an entry missing although a later entry saw it. With
    `expect_head` ('N:HASH' from an earlier `chain_head()`), also check that block N still
    exists with that hash, which catches truncation at the chain's end.
    """
    blocks = list(AuditBlock.objects.order_by("number"))
    numbers = {block.pk: block.number for block in blocks}
    walk = _walk_entries(chunk, numbers)
    if isinstance(walk, VerifyResult):
        return walk
    problem = _check_blocks(blocks, walk)
    if problem is not None:
        return problem
    if walk.deleted is not None:
        missing, seen_by = walk.deleted
        return VerifyResult(
            False,
            walk.checked,
            len(blocks),
            walk.unsealed,
            f"entry {missing} was deleted: entry {seen_by} was written after it and recorded it",
            entry_id=missing,
        )
    if expect_head:
        problem = _check_witness(expect_head)
        if problem:
            return VerifyResult(False, walk.checked, len(blocks), walk.unsealed, problem, head=chain_head())
    return VerifyResult(True, walk.checked, len(blocks), walk.unsealed, head=chain_head(), gaps=len(walk.missing))


def _check_blocks(blocks: list[AuditBlock], walk: _Walk) -> VerifyResult | None:
    previous = GENESIS_HASH
    previous_last_id = 0
    for index, block in enumerate(blocks, start=1):

        def broken(problem, entry_id, number=None, block=block, index=index):
            return VerifyResult(
                False,
                walk.checked,
                index,
                walk.unsealed,
                problem,
                entry_id=entry_id,
                block_number=number or block.number,
            )

        if block.number != index:
            return broken(
                f"block {index} is missing (found block {block.number})",
                _first_entry_after(previous_last_id, block),
                number=index,
            )
        expected = _block_hash(
            block.number,
            block.first_entry_id,
            block.last_entry_id,
            block.entry_count,
            block.entries_digest,
            block.previous_hash,
            block.sealed_at,
        )
        if (
            block.previous_hash != previous
            or block.block_hash != expected
            or not hmac.compare_digest(block.block_mac or "", block_mac(block.block_hash))
        ):
            return broken(
                f"block {block.number} does not link to the chain (this block row, or the one before it, "
                "was edited or replaced)",
                block.first_entry_id,
            )
        count, digest = walk.per_block.get(block.pk, [0, hashlib.sha256()])
        if count != block.entry_count:
            where = _first_divergence(block)
            return broken(
                f"block {block.number} lost or gained entries near entry {where} "
                f"(sealed {block.entry_count}, found {count})",
                where,
            )
        if digest.hexdigest() != block.entries_digest:
            return broken(
                f"block {block.number}: the entries {block.first_entry_id}–{block.last_entry_id} no longer "
                f"match the sealed digest (an entry in this range was replaced)",
                block.first_entry_id,
            )
        previous = block.block_hash
        previous_last_id = block.last_entry_id
    return None


def _first_entry_after(entry_id: int, next_block: AuditBlock) -> int:
    """The entry a missing block most likely began with: the first one after the previous block
    (still there, unsealed) or, when its entries were deleted too, the id right after it."""
    following = AuditEntry.objects.filter(id__gt=entry_id).order_by("id").values_list("id", flat=True).first()
    if following is not None and following < next_block.first_entry_id:
        return following
    return entry_id + 1


def _first_divergence(block: AuditBlock) -> int:
    """Where the block lost or gained entries: an entry outside its sealed range, a missing end,
    or (best guess) the first gap in the id sequence."""
    ids = list(AuditEntry.objects.filter(block=block).order_by("id").values_list("id", flat=True))
    outside = [i for i in ids if i < block.first_entry_id or i > block.last_entry_id]
    if outside:
        return outside[0]
    if not ids or ids[0] != block.first_entry_id:
        return block.first_entry_id
    if ids[-1] != block.last_entry_id:
        return block.last_entry_id
    for a, b in zip(ids, ids[1:], strict=False):
        if b != a + 1:
            return a + 1
    return block.first_entry_id
