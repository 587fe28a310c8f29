"""On PostgreSQL the database itself keeps the fund ledger append-only (DESIGN.md §3.6), as hardship's
ledger: a trigger refuses DELETE, and any UPDATE except of `org_path` (rewritten when an org moves or
merges). The model and queryset guards do the same in Python on every database.

Also: charity permissions for the default roles (organisers manage charity in their subtree, viewers
see it, finance sits on the funds' committees) and a "公益慈善专员" role."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION charity_ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'charity fund ledger rows are never deleted (entry %)', OLD.id;
    END IF;
    IF (NEW.id, NEW.fund_id, NEW.kind, NEW.amount, NEW.on, NEW.donation_id, NEW.grant_id, NEW.transfer_id,
        NEW.reverses_id, NEW.memo, NEW.created_by_id, NEW.at)
       IS DISTINCT FROM
       (OLD.id, OLD.fund_id, OLD.kind, OLD.amount, OLD.on, OLD.donation_id, OLD.grant_id, OLD.transfer_id,
        OLD.reverses_id, OLD.memo, OLD.created_by_id, OLD.at) THEN
        RAISE EXCEPTION 'charity fund ledger rows are never updated (entry %); reverse with a new row', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER charity_ledger_append_only
    BEFORE UPDATE OR DELETE ON charity_fundledger
    FOR EACH ROW EXECUTE FUNCTION charity_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS charity_ledger_append_only ON charity_fundledger;
DROP FUNCTION IF EXISTS charity_ledger_append_only();
"""

GRANTS = {
    "organiser": ["charity.view", "charity.manage"],
    "viewer": ["charity.view"],
    "finance": ["charity.view", "charity.approve"],
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)
    Role = apps.get_model("accounts", "Role")
    for code, permissions in GRANTS.items():
        for role in Role.objects.filter(code=code):
            role.permissions = list(dict.fromkeys([*(role.permissions or []), *permissions]))
            role.save(update_fields=["permissions"])
    Role.objects.update_or_create(
        code="charity",
        defaults={
            "name": "公益慈善专员",
            "description": "专项基金、募捐活动、捐赠、资助审批、微心愿和志愿者",
            "permissions": ["org.view", "member.view", "charity.view", "charity.manage", "charity.approve"],
            "all_permissions": False,
        },
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=list(GRANTS)):
        role.permissions = [p for p in role.permissions or [] if not p.startswith("charity.")]
        role.save(update_fields=["permissions"])
    Role.objects.filter(code="charity", grants__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("charity", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
