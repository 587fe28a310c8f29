"""Keyed MACs on audit entries and blocks (issue 9, point 5).

Existing entries get `prev_id` = the entry before them in id order and a MAC over their stored
hash; existing blocks a MAC over their stored hash. An entry edited before this migration still
fails `verify-audit`, because its content no longer matches the hash the MAC now covers.
"""

from django.db import migrations, models


def seal_existing(apps, schema_editor):
    from gonghui.core.audit import block_mac, entry_mac

    entry_model = apps.get_model("core", "AuditEntry")
    block_model = apps.get_model("core", "AuditBlock")
    quote = schema_editor.connection.ops.quote_name
    entry_table, block_table = quote(entry_model._meta.db_table), quote(block_model._meta.db_table)
    previous = 0
    last_id = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            rows = list(
                entry_model.objects.filter(id__gt=last_id).order_by("id").values_list("id", "entry_hash")[:5000]
            )
            if not rows:
                break
            updates = []
            for entry_id, entry_hash in rows:
                updates.append((previous, entry_mac(entry_id, previous, entry_hash), entry_id))
                previous = entry_id
            cursor.executemany(f"UPDATE {entry_table} SET prev_id = %s, entry_mac = %s WHERE id = %s", updates)
            last_id = rows[-1][0]
        blocks = [(block_mac(block_hash), pk) for pk, block_hash in block_model.objects.values_list("id", "block_hash")]
        if blocks:
            cursor.executemany(f"UPDATE {block_table} SET block_mac = %s WHERE id = %s", blocks)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_calendar_override"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditblock",
            name="block_mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
    ]
