"""The permission `card.verify` (issue 9, point 7): before it, any live token could verify cards.

A role 会员卡核验 holds only it, for API clients such as a merchant's app; accounts that already
verified cards with a token but hold no grant and are no partner staff must be given this role
(deployment.md says so). Partner staff hold it through their partner link; 系统管理员 holds all.
"""

from django.db import migrations


def add_role(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.update_or_create(
        code="card_reader",
        defaults={
            "name": "会员卡核验",
            "description": "核验会员卡二维码、同步已注销卡号（合作商户终端、接入系统）",
            "permissions": ["card.verify"],
            "all_permissions": False,
        },
    )


def remove_role(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(code="card_reader", grants__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_memberlogincode")]
    operations = [migrations.RunPython(add_role, remove_role)]
