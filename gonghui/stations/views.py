"""Console pages for stations (/stations/): list, detail, editor, status, investment, plaque, inspections,
subtree statistics with xlsx export, and the import upload. Thin views over the actions and queries."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from gonghui.core.errors import error_message
from gonghui.core.scoping import access_object, user_can
from gonghui.core.tabular import FileError
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.orgs.models import Org
from gonghui.stations import actions, hours
from gonghui.stations.forms import (
    FilterForm,
    ImportForm,
    InspectionForm,
    InvestmentForm,
    NewStationForm,
    StationForm,
    StatusForm,
)
from gonghui.stations.geo import navigation_links
from gonghui.stations.importing import COLUMNS, run_import
from gonghui.stations.models import ChecklistTemplate, Facility, FollowUp
from gonghui.stations.queries import STATUSES, access_station, station_list, subtree_stats
from gonghui.stations.states import STATION_FLOW, STATUS_VERBS, FollowUpStatus


class StationListView(ScopedListView):
    template_name = "stations/list.html"
    filter_form_class = FilterForm

    def get_queryset(self, filters):
        kind = filters.get("kind")
        return station_list(
            self.request.user,
            kind=kind.code if kind else None,
            status=filters.get("status"),
            division=filters.get("division"),
            q=filters.get("q"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        home = self.request.user.home_org if hasattr(self.request.user, "home_org") else None
        if home and user_can(self.request.user, actions.MANAGE, home.path):
            context["create_org"] = home
        return context


class StationDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "stations/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        station = access_station(user, kwargs["code"])
        names = {f.code: f for f in Facility.objects.all()}
        context.update(
            station=station,
            hours_text=hours.describe(station.hours),
            facilities=[names[c] for c in station.facility_codes if c in names],
            can_manage=user_can(user, actions.MANAGE, station.org_path),
            can_inspect=user_can(user, actions.INSPECT, station.org_path),
            moves=[(s, STATUS_VERBS[s]) for s in STATION_FLOW.targets(station.status)],
            investments=station.investments.order_by("-year", "-id")[:50],
            inspections=station.inspections.select_related("inspector")[:20],
            follow_ups=station.follow_ups.filter(status=FollowUpStatus.OPEN).order_by("due_on"),
            ratings=station.ratings.order_by("-at")[:20],
            stars=station.stars.order_by("-year")[:5],
            nav_links=navigation_links(station.lat, station.lon, station.name),
            investment_form=InvestmentForm(),
            history=self.history(station, station.org_path),
        )
        return context


def _manage_org(user, code: str) -> Org:
    return access_object(Org.objects.all(), user, actions.MANAGE, code=str(code or "").upper())


class StationCreateView(ActionFormView):
    form_class = NewStationForm
    title = gettext_lazy("新建服务站点")
    success_message = gettext_lazy("站点已建立")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.org = _manage_org(request.user, request.GET.get("org"))
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        return actions.do_create_station(acting_user=self.request.user, org=self.org, data=form.action_data())


class StationEditView(ActionFormView):
    form_class = StationForm
    success_message = gettext_lazy("已保存")

    @property
    def title(self):
        return _("修改站点：%(n)s") % {"n": self.station.name}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.station = access_station(request.user, kwargs["code"], actions.MANAGE)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "station": self.station}

    def perform(self, form):
        return actions.do_update_station(acting_user=self.request.user, station=self.station, data=form.action_data())


class StationStatusView(ActionFormView):
    form_class = StatusForm

    @property
    def title(self):
        return _("%(verb)s：%(n)s") % {"verb": STATUS_VERBS[self.target], "n": self.station.name}

    @property
    def success_message(self):
        return _("已%(verb)s") % {"verb": STATUS_VERBS[self.target]}

    def dispatch(self, request, *args, **kwargs):
        self.target = kwargs["status"]
        if self.target not in STATUS_VERBS:
            raise Http404
        if request.user.is_authenticated:
            self.station = access_station(request.user, kwargs["code"], actions.MANAGE)
        self.danger = self.target != "running"
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        return actions.do_change_station_status(
            acting_user=self.request.user, station=self.station, status=self.target, reason=form.cleaned_data["reason"]
        )


@login_required
@require_POST
def add_investment(request, code):
    station = access_station(request.user, code, actions.MANAGE)
    form = InvestmentForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写金额、资金来源和年度"))
        actions.do_add_investment(acting_user=request.user, station=station, **form.cleaned_data)
        messages.success(request, _("投入已登记"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect(station.get_absolute_url())


@login_required
def plaque(request, code):
    """The printable plaque (A4 or A5): name, kind, code and a QR to the station's public page."""
    station = access_station(request.user, code)
    size = "a5" if request.GET.get("size") == "a5" else "a4"
    url = request.build_absolute_uri(reverse("stations_portal:station", args=[station.code]))
    svg = segno.make(url, error="m").svg_inline(scale=10, border=2, svgclass="qr")
    return render(request, "stations/plaque.html", {"station": station, "qr_svg": svg, "size": size, "url": url})


class InspectionView(ActionFormView):
    template_name = "stations/inspect.html"
    form_class = InspectionForm
    success_message = gettext_lazy("巡查已记录")

    @property
    def title(self):
        return _("巡查：%(n)s") % {"n": self.station.name}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.station = access_station(request.user, kwargs["code"], actions.INSPECT)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        template_id = self.request.POST.get("template") or self.request.GET.get("template")
        qs = ChecklistTemplate.objects.filter(active=True)
        kwargs["template"] = qs.filter(pk=template_id).first() if str(template_id or "").isdigit() else qs.first()
        return kwargs

    def get_success_url_for(self, result):
        return self.station.get_absolute_url()

    def perform(self, form):
        data = form.cleaned_data
        return actions.do_record_inspection(
            acting_user=self.request.user,
            station=self.station,
            template=data["template"],
            on=data["on"],
            answers=form.answers(),
            note=data["note"],
            photo=data.get("photo"),
        )


@login_required
@require_POST
def close_follow_up(request, pk):
    follow_up = get_object_or_404(FollowUp.objects.restrict(request.user, "view").select_related("station"), pk=pk)
    try:
        actions.do_close_follow_up(
            acting_user=request.user, follow_up=follow_up, resolution=request.POST.get("resolution", "")
        )
        messages.success(request, _("已标记为整改完成"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect(follow_up.station.get_absolute_url())


def _stats_org(user, code):
    return access_object(Org.objects.all(), user, "station.view", code=str(code).upper())


@login_required
def stats(request, code):
    """Construction and service statistics per org of the subtree; ?format=xlsx downloads them."""
    org = _stats_org(request.user, code)
    rows, total, kinds = subtree_stats(request.user, org)
    if request.GET.get("format") == "xlsx":
        return _stats_xlsx(org, rows, total, kinds)
    table = [
        {
            "row": row,
            "kinds": [row.by_kind.get(k.pk, 0) for k in kinds],
            "statuses": [row.by_status.get(s.value, 0) for s in STATUSES],
        }
        for row in [*rows, total]
    ]
    context = {"org": org, "table": table, "kinds": kinds, "statuses": STATUSES, "total": total}
    return render(request, "stations/stats.html", context)


def _stats_xlsx(org, rows, total, kinds) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("站点统计")
    header = [_("组织"), _("站点总数"), *[k.name for k in kinds], *[str(s.label) for s in STATUSES]]
    header += [_("投入（元）"), _("服务人次"), _("评价数"), _("满意度")]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in [*rows, total]:
        name = row.org.name if row is not total else _("合计")
        if row.own:
            name = _("%(o)s（本级）") % {"o": row.org.name}
        sheet.append(
            [
                name,
                row.stations,
                *[row.by_kind.get(k.pk, 0) for k in kinds],
                *[row.by_status.get(s.value, 0) for s in STATUSES],
                row.investment,
                row.visits,
                row.rating_count,
                row.satisfaction,
            ]
        )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    money_col = 3 + len(kinds) + len(STATUSES)
    for (cell,) in sheet.iter_rows(min_row=2, min_col=money_col, max_col=money_col):
        cell.number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 30
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="stations-{org.code}.xlsx"'
    return response


@login_required
def import_view(request):
    """Upload a station list for one org (the same importer as `gonghui import-stations`)."""
    org = _manage_org(request.user, request.GET.get("org") or request.POST.get("org"))
    form = ImportForm(request.POST or None, request.FILES or None)
    run = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                run = run_import(
                    tmp.name, org=org, acting_user=request.user, dry_run=form.cleaned_data["dry_run"], name=upload.name
                )
            except FileError as error:
                form.add_error("file", str(error))
    labels = {key: aliases[0] for key, aliases in COLUMNS.items()}
    errors = [{**e, "label": labels.get(e["field"], "")} for e in (run.errors if run else [])][:500]
    columns = "、".join(aliases[0] for aliases in COLUMNS.values())
    return render(
        request, "stations/import.html", {"org": org, "form": form, "run": run, "errors": errors, "columns": columns}
    )
