"""gonghui demo: load the synthetic demo data set (idempotent)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gonghui.accounts.actions import do_create_staff, do_grant_role
from gonghui.accounts.models import Role, User
from gonghui.demo.data import DEMO_PASSWORD, DEMO_USERS, PROVINCE, build_specs
from gonghui.orgs.actions import do_bulk_create_orgs, do_create_org
from gonghui.orgs.models import Org


class Command(BaseCommand):
    help = "Load the demo province (广东省总工会) with its tree and demo logins. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=["small", "large"],
            default="small",
            help="small ≈ 700 orgs (default); large ≈ 50,000 orgs for benchmarks",
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any org exists")

    def handle(self, *args, size, if_empty, **options):
        if if_empty and Org.objects.exists():
            self.stdout.write("database already has data; demo not loaded")
            return
        code, name, short = PROVINCE
        province = Org.objects.filter(code=code).first()
        if province is not None:
            self.stdout.write(f"demo data already present ({Org.objects.count()} orgs); nothing to do")
        else:
            with transaction.atomic():
                province = do_create_org(
                    acting_user=None,
                    parent=None,
                    kind="province",
                    data={"name": name, "short_name": short, "division_code": code, "code": code},
                    reason="demo",
                )
                created = do_bulk_create_orgs(
                    acting_user=None, parent=province, specs=build_specs(size), job=f"demo --size {size}"
                )
            self.stdout.write(f"created {len(created) + 1} orgs")
        self._users()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo logins (password {DEMO_PASSWORD}): " + ", ".join(u["username"] for u in DEMO_USERS)
            )
        )

    @transaction.atomic
    def _users(self):
        roles = {role.code: role for role in Role.objects.all()}
        for spec in DEMO_USERS:
            if User.objects.filter(username=spec["username"]).exists():
                continue
            org = Org.objects.filter(code=spec["scope"]).first()
            if org is None:
                raise CommandError(f"demo scope {spec['scope']} is missing")
            user = do_create_staff(
                acting_user=None,
                username=spec["username"],
                display_name=spec["display_name"],
                home_org=org,
                password=DEMO_PASSWORD,
                is_superuser=spec.get("superuser", False),
            )
            for role_code in spec["roles"]:
                do_grant_role(acting_user=None, user=user, role=roles[role_code], org=org, reason="demo")
