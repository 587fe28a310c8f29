"""On PostgreSQL the database itself keeps the ledger append-only (DESIGN.md §3.6): a trigger refuses
DELETE, and any UPDATE except of the two placement columns (`org_id`, `org_path`, rewritten when an
org moves or merges). The model and queryset guards do the same in Python on every database."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION hardship_ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'hardship ledger rows are never deleted (entry %)', OLD.id;
    END IF;
    IF (NEW.id, NEW.kind, NEW.amount, NEW.budget_id, NEW.allowance_id, NEW.disbursement_id,
        NEW.service_order_id, NEW.reverses_id, NEW.memo, NEW.created_by_id, NEW.at)
       IS DISTINCT FROM
       (OLD.id, OLD.kind, OLD.amount, OLD.budget_id, OLD.allowance_id, OLD.disbursement_id,
        OLD.service_order_id, OLD.reverses_id, OLD.memo, OLD.created_by_id, OLD.at) THEN
        RAISE EXCEPTION 'hardship ledger rows are never updated (entry %); reverse with a new row', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER hardship_ledger_append_only
    BEFORE UPDATE OR DELETE ON hardship_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION hardship_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS hardship_ledger_append_only ON hardship_ledgerentry;
DROP FUNCTION IF EXISTS hardship_ledger_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("hardship", "0006_aid_programmes_money")]
    operations = [migrations.RunPython(forwards, backwards)]
