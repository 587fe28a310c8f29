"""Background tasks owned by members (django-tasks; run by `gonghui db_worker`)."""

from django_tasks import task


@task()
def validate_import_task(job_id: int):
    """Read and check an uploaded roster, store the preview figures and the error report."""
    from gonghui.members.importing.jobs import validate_job

    job = validate_job(job_id)
    return job.status if job else None


@task()
def commit_import_task(job_id: int):
    """Import a confirmed roster in one transaction."""
    from gonghui.members.importing.jobs import commit_job

    job = commit_job(job_id)
    return job.status if job else None
