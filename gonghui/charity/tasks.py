"""Background tasks of charity (django-tasks)."""

from django_tasks import task


@task()
def charity_sweep_task():
    from gonghui.charity.actions_wishes import auto_confirm_wishes, release_overdue_claims

    return {"released": release_overdue_claims(), "confirmed": auto_confirm_wishes()}
