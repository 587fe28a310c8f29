"""Background tasks of benefits (django-tasks)."""

from django_tasks import task


@task()
def expire_vouchers_task():
    from gonghui.benefits.actions import expire_vouchers

    return expire_vouchers()
