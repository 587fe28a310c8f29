"""Station forms. They only parse input; the rules live in `stations.actions` and `validation`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.stations import hours
from gonghui.stations.models import ChecklistTemplate, Facility, Investment, StationKind
from gonghui.stations.states import StationStatus

COORD_CHOICES = [
    ("wgs84", _("WGS-84（GPS、国际地图）")),
    ("gcj02", _("GCJ-02（高德、腾讯地图）")),
    ("bd09", _("BD-09（百度地图）")),
]


class StationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ModelChoiceField(label=_("类型"), queryset=StationKind.objects.filter(active=True), empty_label=None)
    host = forms.CharField(label=_("承建单位"), max_length=120, required=False)
    address = forms.CharField(label=_("地址"), max_length=200)
    division_code = forms.CharField(label=_("行政区划代码"), max_length=12, help_text=_("区县6位或街道9位"))
    lat = forms.FloatField(label=_("纬度"))
    lon = forms.FloatField(label=_("经度"))
    coord = forms.ChoiceField(label=_("坐标系"), choices=COORD_CHOICES, initial="gcj02")
    facilities = forms.MultipleChoiceField(label=_("服务设施"), required=False, widget=forms.CheckboxSelectMultiple)
    hours = forms.CharField(
        label=_("开放时间"),
        required=False,
        max_length=300,
        help_text=_("例如：周一至周五 08:00-20:00；周六、周日 09:00-18:00；节假日休息"),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    description = forms.CharField(label=_("介绍"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, station=None, **kwargs):
        if station is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": station.name,
                    "kind": station.kind_id,
                    "host": station.host,
                    "address": station.address,
                    "division_code": station.division_code,
                    "lat": station.lat,
                    "lon": station.lon,
                    "coord": "wgs84",
                    "facilities": station.facility_codes,
                    "hours": hours.describe(station.hours),
                    "contact_name": station.contact_name,
                    "contact_phone": station.contact_phone,
                    "description": station.description,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["facilities"].choices = [(f.code, f.name) for f in Facility.objects.all()]

    def action_data(self) -> dict:
        return dict(self.cleaned_data)


class NewStationForm(StationForm):
    status = forms.ChoiceField(
        label=_("状态"), choices=[(StationStatus.PLANNED, _("筹建")), (StationStatus.RUNNING, _("运行"))]
    )


class StatusForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class InvestmentForm(forms.Form):
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    source = forms.ChoiceField(label=_("资金来源"), choices=Investment.Source.choices)
    year = forms.IntegerField(label=_("年度"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class InspectionForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("巡查表"), queryset=ChecklistTemplate.objects.filter(active=True), empty_label=None
    )
    on = forms.DateField(label=_("巡查日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("巡查意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("现场照片"), required=False)

    def __init__(self, *args, template=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = (template or ChecklistTemplate.objects.filter(active=True).first()).items
        for item in self.items:
            self.fields[f"item_{item['code']}"] = forms.ChoiceField(
                label=f"{item['text']}（{item['points']}分）",
                choices=[("yes", _("合格")), ("no", _("不合格"))],
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict:
        return {i["code"]: self.cleaned_data.get(f"item_{i['code']}") == "yes" for i in self.items}


class FollowUpForm(forms.Form):
    resolution = forms.CharField(label=_("整改情况"), max_length=300)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("名称/编码/地址"), required=False)
    kind = forms.ModelChoiceField(
        label=_("类型"),
        queryset=StationKind.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("全部类型"),
    )
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *StationStatus.choices], required=False)
    division = forms.CharField(label=_("行政区划代码"), required=False, max_length=12)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("站点清单（.xlsx 或 .csv）"))
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False)
