"""Learning permissions for the default roles: organisers run courses in their subtree, viewers read
them; a "学习专员" role holds only these permissions (and a teacher may hold learning.checkin alone)."""

from django.db import migrations

PERMISSIONS = ["learning.view", "learning.manage", "learning.checkin"]


def add_permissions(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code="organiser"):
        role.permissions = list(dict.fromkeys([*(role.permissions or []), *PERMISSIONS]))
        role.save(update_fields=["permissions"])
    for role in Role.objects.filter(code="viewer"):
        role.permissions = list(dict.fromkeys([*(role.permissions or []), "learning.view"]))
        role.save(update_fields=["permissions"])
    Role.objects.update_or_create(
        code="learning",
        defaults={
            "name": "学习专员",
            "description": "发布职工夜校课程和活动，管理报名、签到、证书和会员技能",
            "permissions": ["org.view", "member.view", *PERMISSIONS],
            "all_permissions": False,
        },
    )


def remove_permissions(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=["organiser", "viewer"]):
        role.permissions = [p for p in role.permissions or [] if not p.startswith("learning.")]
        role.save(update_fields=["permissions"])
    Role.objects.filter(code="learning", grants__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(add_permissions, remove_permissions)]
