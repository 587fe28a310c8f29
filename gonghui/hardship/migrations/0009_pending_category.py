"""Missing finances are not a zero income (issue 18 point 2).

An archive assessed without any household income item was rated as if its income were 0 (深度困难).
Archives still before approval whose assessment year has no income item, and whose category was not
set by hand, become 待核算: no category, no per-capita figure, until an income is recorded. Approved
archives keep the category a person approved (their review will run the means test again).
"""

from django.db import migrations
from django.db.models import Exists, OuterRef

PENDING_STATES = ["discovered", "applied", "visited", "checked", "reviewed", "notice", "relapsed"]
REASON = "待核算：尚未登记家庭收入，不能测算困难类别"


def forwards(apps, schema_editor):
    Archive = apps.get_model("hardship", "HardshipArchive")
    IncomeItem = apps.get_model("hardship", "IncomeItem")
    has_income = IncomeItem.objects.filter(archive=OuterRef("pk"), year=OuterRef("assessment_year"))
    rows = (
        Archive.objects.filter(assessment_year__isnull=False, status__in=PENDING_STATES, category_overridden=False)
        .annotate(has_income=Exists(has_income))
        .filter(has_income=False)
    )
    Archive.objects.filter(pk__in=list(rows.values_list("pk", flat=True))).update(
        annual_income=None,
        per_capita=None,
        category="",
        computed_category="",
        basis_category="",
        category_reason=REASON,
        computed_reason=REASON,
    )


class Migration(migrations.Migration):
    dependencies = [("hardship", "0008_disbursement_cancelled")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
