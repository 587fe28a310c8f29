"""gonghui expire_job_posts: the daily sweep — published posts past their deadline become 已过期."""

from django.core.management.base import BaseCommand

from gonghui.core.actionkit import Actor
from gonghui.jobs.actions import do_expire_posts


class Command(BaseCommand):
    help = "Expire published job posts whose deadline has passed (one audit entry naming them)."

    def handle(self, *args, **options):
        n = do_expire_posts(acting_user=Actor.system("expire_job_posts"))
        self.stdout.write(f"{n} job posts expired")
