"""gonghui backup / restore (issue 9, point 9): a round trip, the audit chain verified afterwards,
and a refusal when the keys are not the backup's."""

import json

import pytest
from django.core.management import CommandError, call_command

from gonghui.core import audit
from gonghui.core.models import AuditEntry
from gonghui.core.testing import build_tree
from gonghui.orgs.actions import do_create_org
from gonghui.orgs.models import Org


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # a plain flush would re-create the content types the serialized tests restore
def test_it_round_trips_the_database_and_verifies_the_audit_chain(tmp_path, capsys):
    tree = build_tree()
    audit.seal(max_entries=5)
    orgs, entries = Org.objects.count(), AuditEntry.objects.count()
    call_command("backup", str(tmp_path / "b"))
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["audit_entries"] == entries
    assert set(manifest["keys"]) == {
        "GONGHUI_FIELD_KEY",
        "GONGHUI_INDEX_KEY",
        "GONGHUI_SIGNING_KEY",
        "GONGHUI_AUDIT_KEY",
    }
    assert "a2tra" not in (tmp_path / "b" / "manifest.json").read_text()  # fingerprints, never keys

    do_create_org(
        acting_user=None,
        parent=tree.district,
        kind="street",
        data={"name": "备份后新建街道", "division_code": "440305009"},
    )
    assert Org.objects.count() == orgs + 1

    call_command("restore", str(tmp_path / "b"))
    assert "audit chain intact" in capsys.readouterr().out
    assert Org.objects.count() == orgs
    assert AuditEntry.objects.count() == entries
    assert not Org.objects.filter(name="备份后新建街道").exists()
    assert audit.verify().ok


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # a plain flush would re-create the content types the serialized tests restore
def test_it_refuses_to_restore_under_other_keys(tmp_path, settings):
    build_tree()
    call_command("backup", str(tmp_path / "b"))
    settings.GONGHUI_AUDIT_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
    with pytest.raises(CommandError, match="GONGHUI_AUDIT_KEY"):
        call_command("restore", str(tmp_path / "b"))


def test_it_refuses_a_directory_that_is_no_backup(tmp_path, db):
    with pytest.raises(CommandError, match="not a Gonghui backup"):
        call_command("restore", str(tmp_path))
