"""The member portal's appeal pages (/appeals/m/): submit an appeal, see one's own tickets.

The member is the one logged in to the portal (verified mobile, `members.portal.auth`); no staff
user acts, so the action runs with `acting_user=None` and the ticket is taken by the province
union above the member's union (or the root of the tree). A member sees only tickets registered
with their own verified number.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gonghui.appeals import actions
from gonghui.appeals.forms import PortalAppealForm
from gonghui.appeals.models import Appeal
from gonghui.core.errors import error_fields
from gonghui.members.models import Membership
from gonghui.members.portal import auth
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org


def intake_org_for(membership) -> Org | None:
    if membership is not None and membership.province_id:
        return Org.objects.filter(pk=membership.province_id).first()
    return Org.objects.filter(parent__isnull=True, status="active").order_by("pk").first()


@auth.member_required
def portal_appeals_view(request):
    member = request.member
    membership = None
    if member.person is not None:
        membership = (
            Membership.objects.filter(person=member.person, status__in=CURRENT).select_related("org", "person").first()
        )
    form = PortalAppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = intake_org_for(membership)
        try:
            appeal = actions.do_register_appeal(
                acting_user=None,
                intake_org=org,
                channel="website",
                caller_phone=member.mobile,
                caller_name=member.person.name if member.person else "",
                person=member.person,
                membership=membership,
                **form.cleaned_data,
            )
        except ValidationError as error:
            for field, problems in error_fields(error).items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("已收到您的诉求，工单号 %(n)s，我们会尽快联系您") % {"n": appeal.number})
            return redirect("appeals:portal")
    mine = (
        Appeal.objects.filter(caller_phone_hash=actions.phone_hash(member.mobile))
        .order_by("-registered_at")
        .only("number", "title", "status", "registered_at", "topic")[:20]
    )
    return render(request, "appeals/portal.html", {"form": form, "mine": mine, "member": member})
