"""Writing, sealing and verifying the audit log (DESIGN.md §3.5).

Actions call `record()` inside their transaction. Sealing runs after commit (and from
`gonghui seal-audit`), so concurrent writers never queue on a shared chain head; see
docs/architecture.md for the reasoning.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

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
    entry.save(force_insert=True)
    _schedule_seal()
    return entry


def record_many(entries: list[AuditEntry]) -> None:
    """Append entries built with `build_entry` in bulk (imports, bulk moves)."""
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
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
                block = AuditBlock.objects.create(
                    number=number,
                    first_entry_id=pending[0][0],
                    last_entry_id=pending[-1][0],
                    entry_count=len(pending),
                    entries_digest=digest,
                    previous_hash=previous,
                    block_hash=_block_hash(number, pending[0][0], pending[-1][0], len(pending), digest, previous, now),
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


def verify(chunk: int = 5000, expect_head: str = "") -> VerifyResult:
    """Recompute every entry hash and every block link; report the first break found.

    With `expect_head` ('N:HASH' from an earlier `chain_head()`), also check that block N
    still exists with that hash, which catches truncation and rewriting at the chain's end.
    """
    previous = GENESIS_HASH
    previous_last_id = 0
    entries_checked = blocks_checked = 0
    for block in AuditBlock.objects.order_by("number").iterator(chunk_size=500):
        blocks_checked += 1
        if block.number != blocks_checked:
            return VerifyResult(
                False,
                entries_checked,
                blocks_checked,
                0,
                f"block {blocks_checked} is missing (found block {block.number})",
                entry_id=_first_entry_after(previous_last_id, block),
                block_number=blocks_checked,
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
        if block.previous_hash != previous or block.block_hash != expected:
            return VerifyResult(
                False,
                entries_checked,
                blocks_checked,
                0,
                f"block {block.number} does not link to the chain (this block row, or the one before it, "
                "was edited or replaced)",
                entry_id=block.first_entry_id,
                block_number=block.number,
            )
        pairs = []
        expected_ids = None
        for entry in AuditEntry.objects.filter(block=block).order_by("id").iterator(chunk_size=chunk):
            entries_checked += 1
            if compute_entry_hash(entry) != entry.entry_hash:
                return VerifyResult(
                    False,
                    entries_checked,
                    blocks_checked,
                    0,
                    f"entry {entry.pk} was edited: its content no longer matches its hash",
                    entry_id=entry.pk,
                    block_number=block.number,
                )
            pairs.append((entry.pk, entry.entry_hash))
        if len(pairs) != block.entry_count:
            expected_ids = _first_divergence(block, pairs)
            return VerifyResult(
                False,
                entries_checked,
                blocks_checked,
                0,
                f"block {block.number} lost or gained entries near entry {expected_ids} "
                f"(sealed {block.entry_count}, found {len(pairs)})",
                entry_id=expected_ids,
                block_number=block.number,
            )
        if _digest(pairs) != block.entries_digest:
            # Every row matches its own hash, so a row was edited and re-hashed, or swapped for
            # another: the block's single digest cannot tell which row of its range it was.
            return VerifyResult(
                False,
                entries_checked,
                blocks_checked,
                0,
                f"block {block.number}: the entries {block.first_entry_id}–{block.last_entry_id} no longer "
                f"match the sealed digest (an entry in this range was edited and re-hashed, or replaced)",
                entry_id=block.first_entry_id,
                block_number=block.number,
            )
        previous = block.block_hash
        previous_last_id = block.last_entry_id
    unsealed = 0
    for entry in AuditEntry.objects.filter(block__isnull=True).order_by("id").iterator(chunk_size=chunk):
        unsealed += 1
        entries_checked += 1
        if compute_entry_hash(entry) != entry.entry_hash:
            return VerifyResult(
                False,
                entries_checked,
                blocks_checked,
                unsealed,
                f"entry {entry.pk} (not yet sealed) was edited: its content no longer matches its hash",
                entry_id=entry.pk,
            )
    if expect_head:
        problem = _check_witness(expect_head)
        if problem:
            return VerifyResult(False, entries_checked, blocks_checked, unsealed, problem, head=chain_head())
    return VerifyResult(True, entries_checked, blocks_checked, unsealed, head=chain_head())


def _first_entry_after(entry_id: int, next_block: AuditBlock) -> int:
    """The entry a missing block most likely began with: the first one after the previous block
    (still there, unsealed) or, when its entries were deleted too, the id right after it."""
    following = AuditEntry.objects.filter(id__gt=entry_id).order_by("id").values_list("id", flat=True).first()
    if following is not None and following < next_block.first_entry_id:
        return following
    return entry_id + 1


def _first_divergence(block: AuditBlock, pairs) -> int:
    """Where the block lost or gained entries: an entry outside its sealed range, a missing end,
    or (best guess) the first gap in the id sequence."""
    ids = [entry_id for entry_id, _ in pairs]
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
