"""Keep archive org paths right when orgs move or merge (signals from orgs.actions); close the plan's
就业帮扶 measure when the member is placed in work (`members.signals.placement_made`, sent by jobs)."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from gonghui.core.tree import in_subtree
from gonghui.hardship.models import HardshipArchive
from gonghui.members.signals import placement_made
from gonghui.orgs.actions import org_merged, org_moved


@receiver(org_moved)
def follow_moved_org(sender, org, old_path, new_path, **kwargs):
    HardshipArchive.objects.filter(in_subtree("org_path", old_path)).update(
        org_path=Concat(Value(new_path), Substr("org_path", len(old_path) + 1)), province_id=org.province_id
    )


@receiver(org_merged)
def follow_merged_org(sender, source, target, acting_user=None, **kwargs):
    HardshipArchive.objects.filter(org=source).update(org=target, org_path=target.path, province_id=target.province_id)


@receiver(placement_made)
def close_job_measure(sender, person_id, placement_id, summary, acting_user=None, **kwargs):
    """A member with a household plan was placed in work (jobs): the plan's open 就业推荐/爱心岗位
    measures are done, with the placement as the outcome (event and audit entry per archive)."""
    from gonghui.hardship.actions import PLAN_STATES, _audit, _event, _today
    from gonghui.hardship.models import ArchiveEvent, PlanMeasure

    open_measures = PlanMeasure.objects.select_for_update().filter(
        archive__person_id=person_id,
        archive__status__in=PLAN_STATES,
        measure=PlanMeasure.Measure.JOB_REFERRAL,
        status__in=[PlanMeasure.Status.PLANNED, PlanMeasure.Status.IN_PROGRESS],
    )
    for measure in open_measures.select_related("archive__org"):
        before = measure.status
        measure.status, measure.outcome, measure.completed_on = PlanMeasure.Status.DONE, summary[:300], _today()
        measure.save(update_fields=["status", "outcome", "completed_on"])
        archive = measure.archive
        label = str(acting_user or "system")[:30]
        _event(
            archive,
            ArchiveEvent.Kind.PLAN,
            actor=acting_user,
            person_name=label,
            reason=f"{measure.get_measure_display()}：{summary}",
        )
        _audit(
            acting_user,
            "hardship.plan_update",
            archive,
            before={"status": before},
            after={"plan_measure": measure.pk, "status": measure.status, "placement": placement_id},
            reason=summary[:300],
        )
