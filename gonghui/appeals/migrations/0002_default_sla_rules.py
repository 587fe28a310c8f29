"""Seed the default handling limits of DOMAIN.md §7 (working days; admins edit them later)."""

from django.db import migrations

DEFAULTS = [
    # (request_type, complexity, urgency, working_days, note)
    ("", "", "urgent", 0, "紧急诉求：当日办结"),
    ("", "difficult", "", 15, "难点诉求"),
    ("", "very_complex", "", 30, "特别复杂诉求"),
    ("consultation", "", "", 3, "问题咨询"),
    ("help", "", "", 3, "服务帮扶"),
    ("complaint", "", "", 13, "信访投诉"),
    ("legal_aid", "", "", 13, "法律援助"),
    ("suggestion", "", "", 13, "意见建议"),
    ("", "", "", 13, "其他情形的默认时限"),
]


def seed(apps, schema_editor):
    SlaRule = apps.get_model("appeals", "SlaRule")
    for request_type, complexity, urgency, days, note in DEFAULTS:
        SlaRule.objects.get_or_create(
            request_type=request_type,
            complexity=complexity,
            urgency=urgency,
            defaults={"working_days": days, "note": note},
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
