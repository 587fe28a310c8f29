from django.db import migrations


def create_roles(apps, schema_editor):
    from gonghui.accounts.roles import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for spec in DEFAULT_ROLES:
        Role.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "permissions": spec["permissions"],
                "all_permissions": spec.get("all_permissions", False),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
