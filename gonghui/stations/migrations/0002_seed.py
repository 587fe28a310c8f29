"""Seed the station kinds, facilities and a default 巡查 checklist (data, so a province can add more),
and the station permissions of the default roles: organisers manage stations in their subtree,
viewers read them, and a "站点专员" role holds only the station permissions."""

from django.db import migrations

KINDS = [
    # code, code letters, name, icon
    ("outdoor", "HW", "户外劳动者服务站", "🏠"),
    ("gig", "LG", "零工驿站", "🧰"),
    ("staff_home", "ZJ", "职工之家", "🏡"),
    ("mother", "MM", "妈妈小屋", "🤱"),
    ("reading", "SW", "职工书屋", "📚"),
    ("charity_shop", "AX", "爱心超市", "🛒"),
    ("canteen", "ST", "一元食堂", "🍚"),
    ("driver_home", "SJ", "司机之家", "🚚"),
]
FACILITIES = [
    ("hot_water", "热水", "♨️"),
    ("microwave", "微波炉", "🍱"),
    ("charging", "充电", "🔌"),
    ("toilet", "卫生间", "🚻"),
    ("seats", "休息座椅", "🪑"),
    ("air_con", "空调", "❄️"),
    ("first_aid", "药箱", "💊"),
    ("wifi", "WiFi", "📶"),
    ("books", "图书", "📖"),
    ("nursing", "母婴", "🍼"),
    ("umbrella", "雨具", "☂️"),
    ("repair", "维修工具", "🔧"),
]
CHECKLIST = [
    ("sign", "门口悬挂统一标识牌，站点编码清晰", 10),
    ("hours", "按公示时间开放，现场有人值守或可联系", 15),
    ("water", "饮用热水正常供应", 15),
    ("seats", "休息座椅完好、数量够用", 10),
    ("charging", "手机充电设施可用", 10),
    ("toilet", "卫生间可用、整洁", 10),
    ("first_aid", "药箱药品齐全、在有效期内", 10),
    ("clean", "站内整洁卫生，无杂物堆放", 10),
    ("ledger", "服务台账（到站登记、满意度）记录完整", 10),
]
PERMISSIONS = ["station.view", "station.manage", "station.inspect"]


def seed(apps, schema_editor):
    StationKind = apps.get_model("stations", "StationKind")
    Facility = apps.get_model("stations", "Facility")
    ChecklistTemplate = apps.get_model("stations", "ChecklistTemplate")
    Role = apps.get_model("accounts", "Role")
    for sort, (code, prefix, name, icon) in enumerate(KINDS):
        StationKind.objects.update_or_create(code=code, defaults={"prefix": prefix, "name": name, "icon": icon, "sort": sort})
    for sort, (code, name, icon) in enumerate(FACILITIES):
        Facility.objects.update_or_create(code=code, defaults={"name": name, "icon": icon, "sort": sort})
    if not ChecklistTemplate.objects.exists():
        ChecklistTemplate.objects.create(
            name="服务站点日常巡查表",
            items=[{"code": c, "text": t, "points": p} for c, t, p in CHECKLIST],
        )
    for role in Role.objects.filter(code="organiser"):
        role.permissions = list(dict.fromkeys([*(role.permissions or []), *PERMISSIONS]))
        role.save(update_fields=["permissions"])
    for role in Role.objects.filter(code="viewer"):
        role.permissions = list(dict.fromkeys([*(role.permissions or []), "station.view"]))
        role.save(update_fields=["permissions"])
    Role.objects.update_or_create(
        code="stations",
        defaults={
            "name": "站点专员",
            "description": "建设和管理服务站点，巡查、星级评定和整改跟踪",
            "permissions": ["org.view", *PERMISSIONS],
            "all_permissions": False,
        },
    )


def unseed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=["organiser", "viewer"]):
        role.permissions = [p for p in role.permissions or [] if not p.startswith("station.")]
        role.save(update_fields=["permissions"])
    Role.objects.filter(code="stations", grants__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(seed, unseed)]
