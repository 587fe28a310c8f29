"""Background tasks owned by core."""

from django_tasks import task


@task()
def seal_audit_task():
    from gonghui.core.audit import seal

    return seal()
