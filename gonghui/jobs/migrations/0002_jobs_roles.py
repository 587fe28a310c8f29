"""Jobs permissions for the default roles: organisers run jobs in their subtree (and review), viewers
read them; a "就业专员" role holds only these permissions."""

from django.db import migrations

PERMISSIONS = ["jobs.view", "jobs.manage", "jobs.review"]


def add_permissions(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code="organiser"):
        role.permissions = list(dict.fromkeys([*(role.permissions or []), *PERMISSIONS]))
        role.save(update_fields=["permissions"])
    for role in Role.objects.filter(code="viewer"):
        role.permissions = list(dict.fromkeys([*(role.permissions or []), "jobs.view"]))
        role.save(update_fields=["permissions"])
    Role.objects.update_or_create(
        code="jobs",
        defaults={
            "name": "就业专员",
            "description": "登记和审核用人单位，发布岗位，处理求职申请，登记就业安置和回访，办招聘会",
            "permissions": ["org.view", "member.view", *PERMISSIONS],
            "all_permissions": False,
        },
    )


def remove_permissions(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=["organiser", "viewer"]):
        role.permissions = [p for p in role.permissions or [] if not p.startswith("jobs.")]
        role.save(update_fields=["permissions"])
    Role.objects.filter(code="jobs", grants__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(add_permissions, remove_permissions)]
