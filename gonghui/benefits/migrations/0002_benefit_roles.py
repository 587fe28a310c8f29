"""Benefit permissions for the default roles: organisers manage benefits in their subtree; a
"普惠专员" role holds only the benefit permissions. Partner staff (合作商户) hold no role: their
access comes from `benefits.PartnerStaff`."""

from django.db import migrations

BENEFIT_PERMISSIONS = ["benefit.view", "benefit.manage"]


def add_permissions(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code="organiser"):
        role.permissions = list(dict.fromkeys([*(role.permissions or []), *BENEFIT_PERMISSIONS]))
        role.save(update_fields=["permissions"])
    for role in Role.objects.filter(code="viewer"):
        role.permissions = list(dict.fromkeys([*(role.permissions or []), "benefit.view"]))
        role.save(update_fields=["permissions"])
    Role.objects.update_or_create(
        code="benefits",
        defaults={
            "name": "普惠专员",
            "description": "签约合作商户，发布普惠服务和消费券活动，代商户核销",
            "permissions": ["org.view", "member.view", *BENEFIT_PERMISSIONS, "benefit.redeem"],
            "all_permissions": False,
        },
    )


def remove_permissions(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=["organiser", "viewer"]):
        role.permissions = [p for p in role.permissions or [] if not p.startswith("benefit.")]
        role.save(update_fields=["permissions"])
    Role.objects.filter(code="benefits", grants__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("benefits", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(add_permissions, remove_permissions)]
