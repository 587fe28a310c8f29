"""Hardship console forms. They only parse input; the rules live in `hardship.actions`.

The archive form (`ArchiveForm` + `HouseholdFormSet` + `FinancesForm`) follows the order of the
national 困难职工档案表: the worker (picked by member number), the worker's own situation, the
household members, the year's incomes and rigid expenses, the causes, the category (computed;
overridable only with a written reason) and the archive level, then who handled it.
"""

from __future__ import annotations

import json
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.hardship.models import (
    EMPLOYMENT,
    HOUSING,
    MARITAL_STATUS,
    DataCheck,
    Health,
    IncomeItem,
    NoticeObjection,
    PlanMeasure,
    Relation,
    RigidExpense,
    Schooling,
    SchoolKind,
)
from gonghui.hardship.models_aid import AidProgramme
from gonghui.hardship.states import ArchiveLevel, ArchiveStatus, Category, Cause, RemovalReason
from gonghui.people.choices import choices
from gonghui.people.identity import DocType


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def money_field(label, required=False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _blank(pairs):
    return [("", "—"), *pairs]


def text_area(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class NamedPersonMixin(forms.Form):
    """Every step names a person (经办人) and, for transitions, a reason."""

    person_name = forms.CharField(label=_("经办人"), max_length=30)


class ReasonForm(NamedPersonMixin):
    reason = forms.CharField(label=_("原因/意见"), max_length=300, widget=text_area())


# --- archive list filters -----------------------------------------------------------------------


class ArchiveFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("档案编号、姓名或会员证号"), "type": "search"}),
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *ArchiveStatus.choices])
    category = forms.ChoiceField(label=_("困难类别"), required=False, choices=[("", _("全部类别")), *Category.choices])
    level = forms.ChoiceField(label=_("建档标准"), required=False, choices=[("", _("全部标准")), *ArchiveLevel.choices])
    cause = forms.ChoiceField(label=_("致困原因"), required=False, choices=[("", _("全部原因")), *Cause.choices])
    org = forms.CharField(
        label=_("组织"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("组织代码（含下级）")}),
    )


# --- the archive form (困难职工档案表 order) -----------------------------------------------------------


class ArchiveForm(forms.Form):
    # 一、困难职工基本情况
    member_no = forms.CharField(
        label=_("会员证号"), max_length=20, help_text=_("困难职工须为本单位在册会员；按会员证号查找（限管理范围）")
    )
    origin = forms.ChoiceField(
        label=_("来源"),
        choices=[(ArchiveStatus.APPLIED, ArchiveStatus.APPLIED.label), (ArchiveStatus.DISCOVERED, _("走访发现"))],
    )
    applied_on = forms.DateField(label=_("发现/申请日期"), required=False, widget=date_input())
    marital_status = forms.ChoiceField(label=_("婚姻状况"), required=False, choices=_blank(choices(MARITAL_STATUS)))
    health = forms.ChoiceField(label=_("本人健康状况"), choices=Health.choices, initial=Health.GOOD)
    illness = forms.CharField(label=_("本人疾病名称"), max_length=60, required=False)
    disability_category = forms.CharField(label=_("本人残疾类别"), max_length=20, required=False)
    disability_grade = forms.CharField(label=_("本人残疾等级"), max_length=10, required=False)
    employment = forms.ChoiceField(label=_("本人就业状况"), required=False, choices=_blank(choices(EMPLOYMENT)))
    monthly_income = money_field(_("本人月收入（元）"))
    housing = forms.ChoiceField(label=_("住房情况"), required=False, choices=_blank(choices(HOUSING)))
    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)
    division_code = forms.CharField(
        label=_("居住地行政区划代码"),
        max_length=12,
        required=False,
        help_text=_("6位或9位数字；不填则按会员登记的居住地或所在工会"),
    )
    lives_in_city = forms.BooleanField(label=_("在城镇居住"), required=False)
    employed_since = forms.DateField(
        label=_("实际就业起始日期"), required=False, widget=date_input(), help_text=_("农民工认定：实际就业满1年")
    )

    def clean_member_no(self):
        return self.cleaned_data["member_no"].strip()


class CausesForm(forms.Form):
    # 四、致困原因 / 五、困难类别 / 六、建档标准 / 经办
    primary_cause = forms.ChoiceField(label=_("主要致困原因"), choices=_blank(Cause.choices))
    secondary_cause = forms.ChoiceField(label=_("次要致困原因"), required=False, choices=_blank(Cause.choices))
    third_cause = forms.ChoiceField(label=_("其他致困原因"), required=False, choices=_blank(Cause.choices))
    accident_event = forms.BooleanField(label=_("因灾害、重大事故、疫情致伤致残致死"), required=False)
    accident_note = forms.CharField(label=_("意外情况说明"), max_length=300, required=False)
    category = forms.ChoiceField(
        label=_("人工认定困难类别"),
        required=False,
        choices=[("", _("按测算结果（推荐）")), *Category.choices],
        help_text=_("一般无需选择：系统按家庭人均收入和低保标准测算并显示依据"),
    )
    override_reason = forms.CharField(
        label=_("人工认定理由"), max_length=300, required=False, widget=text_area(2), help_text=_("人工认定时必填")
    )
    level = forms.ChoiceField(
        label=_("建档标准"),
        choices=_blank(ArchiveLevel.choices),
        error_messages={"invalid_choice": _("请从列表中选择建档标准（只列出您所在工会能够审批的标准）")},
    )
    person_name = forms.CharField(label=_("经办人"), max_length=30)
    reason = forms.CharField(label=_("建档情况说明"), max_length=300, widget=text_area())

    def __init__(self, *args, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if levels is not None:  # only the levels whose approving union exists above the user's union
            self.fields["level"].choices = _blank([c for c in ArchiveLevel.choices if c[0] in levels])

    def clean(self):
        data = super().clean()
        if data.get("category") and not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", _("人工认定困难类别须填写理由"))
        return data


class HouseholdMemberForm(forms.Form):
    relation = forms.ChoiceField(
        label=_("与本人关系"), choices=_blank([c for c in Relation.choices if c[0] != Relation.SELF])
    )
    name = forms.CharField(label=_("姓名"), max_length=30)
    doc_type = forms.ChoiceField(label=_("证件类型"), choices=DocType.choices, initial=DocType.choices[0][0])
    doc_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=date_input())
    health = forms.ChoiceField(label=_("健康状况"), choices=Health.choices, initial=Health.GOOD)
    illness = forms.CharField(label=_("疾病名称"), max_length=60, required=False)
    disability_category = forms.CharField(label=_("残疾类别"), max_length=20, required=False)
    disability_grade = forms.CharField(label=_("残疾等级"), max_length=10, required=False)
    employment = forms.ChoiceField(label=_("就业状况"), required=False, choices=_blank(choices(EMPLOYMENT)))
    monthly_income = money_field(_("月收入（元）"))
    schooling = forms.ChoiceField(label=_("在读阶段"), required=False, choices=_blank(Schooling.choices))
    school = forms.CharField(label=_("就读学校"), max_length=100, required=False)
    grade = forms.CharField(label=_("年级"), max_length=20, required=False)
    school_kind = forms.ChoiceField(label=_("学校性质"), required=False, choices=_blank(SchoolKind.choices))
    annual_tuition = money_field(_("年学费（元）"))
    public_tuition = money_field(_("同类公办学校年学费（元）"))

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        return data


class BaseHouseholdFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """Filled-in rows (an untouched extra row is skipped)."""
        return [f.action_data() for f in self.forms if f.has_changed() and f.cleaned_data]


HouseholdFormSet = forms.formset_factory(
    HouseholdMemberForm, formset=BaseHouseholdFormSet, extra=3, max_num=15, validate_max=True
)


class FinancesForm(forms.Form):
    """三、家庭收入与刚性支出 for one year: one amount per kind (empty = none)."""

    year = forms.IntegerField(label=_("收支年度"), min_value=2000)

    def __init__(self, *args, require_year=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].required = require_year
        self.fields["year"].max_value = timezone.localdate().year
        self.fields["year"].initial = timezone.localdate().year - 1
        for kind, label in IncomeItem.Kind.choices:
            self.fields[f"income_{kind}"] = money_field(_("%(k)s（元/年）") % {"k": label})
        for kind, label in RigidExpense.Kind.choices:
            self.fields[f"expense_{kind}"] = money_field(_("%(k)s（元/年）") % {"k": label})

    def income_fields(self):
        return [self[f"income_{k}"] for k in IncomeItem.Kind.values]

    def expense_fields(self):
        return [self[f"expense_{k}"] for k in RigidExpense.Kind.values]

    def has_amounts(self) -> bool:
        return any(v is not None for k, v in self.cleaned_data.items() if k.startswith(("income_", "expense_")))

    def rows(self) -> tuple[list[dict], list[dict]]:
        data = self.cleaned_data
        incomes = [
            {"kind": k, "amount": data[f"income_{k}"]}
            for k in IncomeItem.Kind.values
            if data.get(f"income_{k}") is not None
        ]
        expenses = [
            {"kind": k, "amount": data[f"expense_{k}"]}
            for k in RigidExpense.Kind.values
            if data.get(f"expense_{k}") is not None
        ]
        return incomes, expenses


class FinancesStepForm(FinancesForm, ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # named person and reason last
        order = ["year", *[f"income_{k}" for k in IncomeItem.Kind.values]]
        order += [f"expense_{k}" for k in RigidExpense.Kind.values] + ["person_name", "reason"]
        self.order_fields(order)


# --- steps on the household page --------------------------------------------------------------------


class ConfirmReasonForm(ReasonForm):
    pass


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("调查日期"), widget=date_input())
    visitors = forms.CharField(label=_("调查人员"), max_length=200, help_text=_("至少一人，多人用顿号分隔"))
    findings = forms.CharField(label=_("调查情况"), max_length=4000, widget=text_area(5))
    latitude = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6)
    attachment = forms.FileField(
        label=_("照片或材料"), required=False, help_text=_("jpg、png、webp、heic 或 PDF，最大10MB")
    )


class CheckForm(NamedPersonMixin):
    kind = forms.ChoiceField(label=_("核查项目"), choices=_blank(DataCheck.Kind.choices))
    result = forms.ChoiceField(label=_("核查结果"), choices=_blank(DataCheck.Result.choices))
    source = forms.CharField(label=_("数据来源"), max_length=100, help_text=_("如：不动产登记中心、车管所"))
    detail = forms.CharField(label=_("核查说明"), max_length=300, required=False)
    checked_on = forms.DateField(label=_("核查日期"), required=False, widget=date_input())
    field_order = ["kind", "result", "source", "detail", "checked_on", "person_name"]


class CategoryForm(ReasonForm):
    category = forms.ChoiceField(
        label=_("困难类别"), required=False, choices=[("", _("恢复为测算结果")), *Category.choices]
    )
    field_order = ["category", "person_name", "reason"]


class NoticeForm(ReasonForm):
    place = forms.CharField(label=_("公示地点/方式"), max_length=200)
    starts_on = forms.DateField(label=_("公示开始日期"), required=False, widget=date_input())
    working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1, max_value=30, initial=5)
    field_order = ["place", "starts_on", "working_days", "person_name", "reason"]


class ObjectionForm(forms.Form):
    received_on = forms.DateField(label=_("收到日期"), required=False, widget=date_input())
    objector = forms.CharField(label=_("异议人（可匿名）"), max_length=60, required=False)
    text = forms.CharField(label=_("异议内容"), max_length=4000, widget=text_area(4))


class ResolveObjectionForm(NamedPersonMixin):
    objection = forms.ChoiceField(label=_("异议"))
    outcome = forms.ChoiceField(label=_("处理结果"), choices=_blank(NoticeObjection.Outcome.choices))
    resolution = forms.CharField(label=_("处理情况"), max_length=4000, widget=text_area(4))
    field_order = ["objection", "outcome", "resolution", "person_name"]

    def __init__(self, *args, objections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objection"].choices = [
            (str(o.pk), f"{o.received_on:%Y-%m-%d} {o.objector or _('匿名')}：{o.text[:40]}") for o in objections
        ]


class RemoveForm(ReasonForm):
    removal_reason = forms.ChoiceField(label=_("退档原因"), choices=_blank(RemovalReason.choices))
    field_order = ["removal_reason", "person_name", "reason"]


class MonthlyIncomeForm(forms.Form):
    month = forms.DateField(label=_("月份"), widget=date_input(), help_text=_("该月任意一天"))
    household_income = money_field(_("家庭月收入（元）"), required=True)
    rigid_expenses = money_field(_("当月刚性支出（元）"))
    household_size = forms.IntegerField(label=_("家庭人口"), required=False, min_value=1, max_value=30)


class FollowUpForm(forms.Form):
    called_on = forms.DateField(label=_("回访日期"), widget=date_input())
    caller = forms.CharField(label=_("回访人"), max_length=30)
    stable = forms.BooleanField(label=_("生活稳定"), required=False)
    notes = forms.CharField(label=_("回访情况"), max_length=500, widget=text_area())


class PlanMeasureForm(NamedPersonMixin):
    measure = forms.ChoiceField(label=_("帮扶措施"), choices=_blank(PlanMeasure.Measure.choices))
    description = forms.CharField(label=_("具体内容"), max_length=300)
    owner = forms.CharField(label=_("责任人"), max_length=30)
    due_on = forms.DateField(label=_("完成期限"), widget=date_input())
    field_order = ["measure", "description", "owner", "due_on", "person_name"]


class PlanUpdateForm(NamedPersonMixin):
    measure = forms.ChoiceField(label=_("措施"))
    status = forms.ChoiceField(
        label=_("新状态"),
        choices=_blank([c for c in PlanMeasure.Status.choices if c[0] != PlanMeasure.Status.PLANNED]),
    )
    outcome = forms.CharField(label=_("实施结果或取消原因"), max_length=300)
    field_order = ["measure", "status", "outcome", "person_name"]

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [
            (str(m.pk), f"{m.get_measure_display()}：{m.description[:30]}（{m.get_status_display()}）")
            for m in measures
        ]


class AddMemberForm(HouseholdMemberForm, ReasonForm):
    pass


class StatsForm(forms.Form):
    org = forms.CharField(label=_("组织代码"), required=False, max_length=40)


# --- aid and money (programmes, applications, budgets, disbursements, batches, 便民服务) -------------


class AidApplyForm(forms.Form):
    programme = forms.ChoiceField(label=_("帮扶项目"))
    member_no = forms.CharField(
        label=_("会员证号"), max_length=30, help_text=_("可在上方按姓名、拼音、手机号查找后自动填入")
    )
    household_member = forms.ChoiceField(label=_("受助家庭成员"), required=False)
    beneficiary_name = forms.CharField(label=_("受助人姓名（未建档时填写）"), max_length=30, required=False)
    doc_type = forms.ChoiceField(label=_("受助人证件类型"), choices=DocType.choices, initial=DocType.choices[0][0])
    doc_number = forms.CharField(label=_("受助人证件号码（未建档时填写）"), max_length=30, required=False)
    schooling = forms.ChoiceField(label=_("在读阶段"), required=False, choices=_blank(Schooling.choices))
    school = forms.CharField(label=_("就读学校"), max_length=100, required=False)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    flags = forms.MultipleChoiceField(
        label=_("申报情形"), required=False, widget=forms.CheckboxSelectMultiple, help_text=_("如实勾选适用的情形")
    )
    reason = forms.CharField(label=_("申请理由"), max_length=300, widget=text_area())

    def __init__(self, *args, programmes=(), household=(), flags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = _blank([(str(p.pk), f"{p.name}（{p.org.name}）") for p in programmes])
        self.fields["household_member"].choices = _blank(
            [(str(m.pk), f"{m.get_relation_display()} {m.name}") for m in household]
        )
        # (code, Chinese label) pairs: never a raw code on the screen.
        self.fields["flags"].choices = list(flags)


class AidFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _blank(list(statuses))


class AidNoteForm(forms.Form):
    note = forms.CharField(label=_("意见"), max_length=300, widget=text_area())


class AidAmountNoteForm(forms.Form):
    """Optional note (the finance approval of a disbursement)."""

    note = forms.CharField(label=_("审核意见"), max_length=300, required=False, widget=text_area())


class AidNoticeForm(forms.Form):
    place = forms.CharField(label=_("公示地点/方式"), max_length=200)
    starts_on = forms.DateField(label=_("公示开始日期"), required=False, widget=date_input())
    working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1, max_value=30, required=False)


class AidResolveForm(forms.Form):
    objection = forms.ChoiceField(label=_("异议"))
    outcome = forms.ChoiceField(label=_("处理结果"), choices=_blank(NoticeObjection.Outcome.choices))
    resolution = forms.CharField(label=_("处理情况"), max_length=4000, widget=text_area(4))

    def __init__(self, *args, objections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objection"].choices = [
            (str(o.pk), f"{o.received_on:%Y-%m-%d} {o.objector or _('匿名')}：{o.text[:40]}") for o in objections
        ]


class ProposePaymentForm(forms.Form):
    payee_name = forms.CharField(label=_("收款人"), max_length=30)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60)
    account_number = forms.CharField(label=_("银行账号"), max_length=40)


class BudgetForm(forms.Form):
    org = forms.CharField(label=_("预算单位（组织代码）"), max_length=40)
    programme = forms.ChoiceField(label=_("帮扶项目"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    amount = money_field(_("预算金额（元）"), required=True)
    reason = forms.CharField(label=_("依据/说明"), max_length=300, widget=text_area(2))

    def __init__(self, *args, programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = _blank([(str(p.pk), f"{p.name}（{p.org.name}）") for p in programmes])


class BatchForm(forms.Form):
    org = forms.CharField(label=_("发放单位（组织代码）"), max_length=40)
    disbursements = forms.MultipleChoiceField(label=_("编入批次的发放"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disbursements"].choices = [
            (str(d.pk), f"#{d.pk} {d.payee_name} {d.application.programme.name} ¥{d.amount}") for d in rows
        ]


class ReconcileForm(forms.Form):
    settled_on = forms.DateField(label=_("到账/退回日期"), required=False, widget=date_input())
    failed = forms.CharField(
        label=_("发放失败的记录"),
        required=False,
        widget=text_area(4),
        help_text=_("每行一笔：发放编号 失败原因（例如：12 账户已销户）；其余均视为发放成功"),
    )

    def clean_failed(self):
        rows = {}
        for line in (self.cleaned_data.get("failed") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            number, _sep, why = line.replace("：", " ").replace(":", " ").partition(" ")
            number = number.lstrip("#")
            if not number.isdigit() or not why.strip():
                raise forms.ValidationError(_("无法识别：“%(l)s”，应为“发放编号 失败原因”") % {"l": line[:40]})
            rows[int(number)] = why.strip()
        return rows


class SubsistenceLineForm(forms.Form):
    division_code = forms.CharField(label=_("行政区划代码"), max_length=12)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    monthly_amount = money_field(_("低保标准（元/人/月）"), required=True)
    note = forms.CharField(label=_("文件依据"), max_length=200, required=False)


class LineFilterForm(forms.Form):
    division_code = forms.CharField(label=_("行政区划代码"), max_length=12, required=False)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)


class EditMemberForm(HouseholdMemberForm, ReasonForm):
    pass


class GrantAllowancesForm(forms.Form):
    org = forms.CharField(label=_("工会（组织代码）"), max_length=40)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class ProviderForm(forms.Form):
    org = forms.CharField(label=_("签约工会（组织代码）"), max_length=40)
    name = forms.CharField(label=_("服务商名称"), max_length=100)
    categories = forms.MultipleChoiceField(label=_("服务类别"), widget=forms.CheckboxSelectMultiple)
    contact = forms.CharField(label=_("联系方式"), max_length=100, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = list(categories)


class ServiceOrderForm(forms.Form):
    archive = forms.CharField(label=_("档案编号"), max_length=30)
    category = forms.ChoiceField(label=_("服务类别"))
    provider = forms.ChoiceField(label=_("服务商"))
    description = forms.CharField(label=_("服务内容"), max_length=300, widget=text_area(2))
    dispatched_on = forms.DateField(label=_("派单日期"), required=False, widget=date_input())

    def __init__(self, *args, categories=(), providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _blank(list(categories))
        self.fields["provider"].choices = _blank([(str(p.pk), p.name) for p in providers])


class CompleteOrderForm(forms.Form):
    total_price = money_field(_("服务总价（元）"), required=True)
    cost_price = money_field(_("成本价（职工自付，元）"), required=True)
    completed_on = forms.DateField(label=_("完成日期"), required=False, widget=date_input())
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, widget=text_area(2))


# --- aid programme editor: settings, declared flags and the rules as rows ----------------------------

FLAG_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
RULE_FACTS = ("archived", "category", "schooling", "relation")
TRISTATE = [("", _("不限")), ("yes", _("是")), ("no", _("否"))]


def split_codes(text) -> list[str]:
    """'a, b，c、d e' → ['a', 'b', 'c', 'd', 'e'] (order kept, duplicates dropped)."""
    codes = re.split(r"[\s,，、;；]+", str(text or "").strip())
    return list(dict.fromkeys(c for c in codes if c))


class ProgrammeForm(forms.Form):
    """A new programme's settings (the rules are the rows below it)."""

    org = forms.CharField(label=_("主办工会（组织代码）"), max_length=40)
    code = forms.CharField(
        label=_("项目代码"), max_length=40, help_text=_("小写字母、数字、下划线或连字符，如 autumn_education")
    )
    name = forms.CharField(label=_("项目名称"), max_length=60)
    kind = forms.ChoiceField(label=_("项目类型"), choices=_blank(AidProgramme.Kind.choices))
    beneficiary = forms.ChoiceField(label=_("资助对象"), choices=_blank(AidProgramme.Beneficiary.choices))
    archived_only = forms.BooleanField(label=_("仅限在档困难职工"), required=False)
    requires_notice = forms.BooleanField(label=_("发放前须公示"), required=False, initial=True)
    notice_working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1, max_value=30, initial=5)
    description = forms.CharField(label=_("说明"), max_length=500, required=False, widget=text_area(2))


class ProgrammeRulesForm(forms.Form):
    """The declared flags (申报情形) and, when editing, the reason for the change."""

    flags = forms.CharField(
        label=_("申请人须申报的情形（代码）"),
        required=False,
        max_length=1000,
        help_text=_(
            "每个情形一个代码（小写字母、数字、下划线），用空格或逗号分隔，例如 military_academy aided_elsewhere；"
            "受理申请时如实勾选，可在下面的条件中引用"
        ),
    )
    reason = forms.CharField(label=_("调整依据/原因"), max_length=300, widget=text_area(2))

    def __init__(self, *args, require_reason=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not require_reason:
            del self.fields["reason"]

    def clean_flags(self):
        codes = split_codes(self.cleaned_data.get("flags"))
        bad = [c for c in codes if not FLAG_CODE_RE.match(c) or c in RULE_FACTS]
        if bad:
            raise forms.ValidationError(_("情形代码无效：%(c)s") % {"c": "、".join(bad)})
        return codes


class RuleConditionForm(forms.Form):
    """One rule's condition as fields: every field left at 不限 matches every application."""

    archived = forms.ChoiceField(label=_("在档困难职工家庭"), choices=TRISTATE, required=False)
    category = forms.MultipleChoiceField(
        label=_("困难类别（不选 = 不限）"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    schooling = forms.MultipleChoiceField(
        label=_("在读阶段（不选 = 不限）"),
        choices=Schooling.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    relation = forms.MultipleChoiceField(
        label=_("受助人与职工关系（不选 = 不限）"),
        choices=Relation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    declared = forms.CharField(label=_("申报了以下情形"), max_length=300, required=False)
    not_declared = forms.CharField(label=_("未申报以下情形"), max_length=300, required=False)
    # Conditions this editor cannot show as fields (none in the standard programmes): kept as they are.
    extra = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, flags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.known_flags = flags  # None: the flags field itself is invalid, do not judge the codes here

    def clean_extra(self):
        raw = self.cleaned_data.get("extra") or ""
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("条件数据无效"))
        return value

    def clean(self):
        data = super().clean()
        declared, absent = split_codes(data.get("declared")), split_codes(data.get("not_declared"))
        if self.known_flags is not None:
            for field, codes in (("declared", declared), ("not_declared", absent)):
                unknown = [c for c in codes if c not in self.known_flags]
                if unknown:
                    self.add_error(field, _("“申请人须申报的情形”中没有：%(c)s") % {"c": "、".join(unknown)})
        both = set(declared) & set(absent)
        if both:
            self.add_error(
                "not_declared", _("同一情形不能既要求申报又要求未申报：%(c)s") % {"c": "、".join(sorted(both))}
            )
        data["declared"], data["not_declared"] = declared, absent
        return data

    def when(self) -> dict:
        d = self.cleaned_data
        when = dict(d.get("extra") or {})
        if d.get("archived"):
            when["archived"] = d["archived"] == "yes"
        for key in ("category", "schooling", "relation"):
            values = list(d.get(key) or [])
            if values:
                when[key] = values[0] if len(values) == 1 else values
        for code in d.get("declared") or []:
            when[code] = True
        for code in d.get("not_declared") or []:
            when[code] = False
        return when

    @staticmethod
    def initial_for(when: dict, flags) -> dict:
        """A stored condition → the row's fields (anything else goes to `extra`, kept unchanged)."""
        initial, extra = {"declared": [], "not_declared": []}, {}
        for key, value in (when or {}).items():
            if key == "archived" and isinstance(value, bool):
                initial["archived"] = "yes" if value else "no"
            elif key in ("category", "schooling", "relation") and isinstance(value, str | list):
                initial[key] = value if isinstance(value, list) else [value]
            elif key in flags and isinstance(value, bool):
                initial["declared" if value else "not_declared"].append(key)
            else:
                extra[key] = value
        initial["declared"] = " ".join(initial["declared"])
        initial["not_declared"] = " ".join(initial["not_declared"])
        if extra:
            initial["extra"] = json.dumps(extra, ensure_ascii=False)
        return initial


class AmountRuleForm(RuleConditionForm):
    label = forms.CharField(label=_("标准名称"), max_length=100)
    amount = money_field(_("资助金额（元）"), required=True)

    field_order = ["label", "amount"]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("金额应大于0"))
        return amount

    def rule(self) -> dict:
        return {"label": self.cleaned_data["label"], "when": self.when(), "amount": str(self.cleaned_data["amount"])}


class ExclusionRuleForm(RuleConditionForm):
    code = forms.CharField(label=_("规则代码"), max_length=40, help_text=_("如 military_academy"))
    label = forms.CharField(label=_("排除情形"), max_length=100)

    field_order = ["code", "label"]

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,39}", code):
            raise forms.ValidationError(_("规则代码应为2–40位小写字母、数字、下划线或连字符"))
        return code

    def clean(self):
        data = super().clean()
        if not self.errors and not self.when():
            raise forms.ValidationError(_("排除情形须至少设置一个条件，否则会排除所有申请"))
        return data

    def rule(self) -> dict:
        return {"code": self.cleaned_data["code"], "label": self.cleaned_data["label"], "when": self.when()}


class BaseRuleFormSet(forms.BaseFormSet):
    """Rows of rules: the stored rows and any filled-in new row, in the order given (排序), without
    the rows ticked 删除; an untouched empty new row is skipped."""

    def _live(self, forms_) -> list:
        extra = set(map(id, self.extra_forms))
        return [
            f
            for f in forms_
            if getattr(f, "cleaned_data", None)
            and not (self.can_delete and self._should_delete_form(f))
            and (id(f) not in extra or f.has_changed())
        ]

    def rules(self) -> list[dict]:
        return [f.rule() for f in self._live(self.ordered_forms if self.can_order else self.forms)]

    def clean(self):
        super().clean()
        codes = [f.cleaned_data.get("code") for f in self._live(self.forms) if f.cleaned_data.get("code")]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise forms.ValidationError(_("规则代码重复：%(c)s") % {"c": "、".join(dupes)})


AmountRuleFormSet = forms.formset_factory(
    AmountRuleForm, formset=BaseRuleFormSet, extra=2, can_order=True, can_delete=True, max_num=30, validate_max=True
)
ExclusionRuleFormSet = forms.formset_factory(
    ExclusionRuleForm, formset=BaseRuleFormSet, extra=2, can_delete=True, max_num=30, validate_max=True
)


class ProgrammeActiveForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, widget=text_area(2))


class AidBatchNoticeForm(forms.Form):
    """公示 several checked applications together: one place, one period."""

    applications = forms.MultipleChoiceField(label=_("公示的申请"), widget=forms.CheckboxSelectMultiple)
    place = forms.CharField(label=_("公示地点/方式"), max_length=200)
    starts_on = forms.DateField(label=_("公示开始日期"), required=False, widget=date_input())
    working_days = forms.IntegerField(
        label=_("公示期（工作日）"),
        min_value=1,
        max_value=30,
        required=False,
        help_text=_("不填则取所选项目中最长的公示期"),
    )

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].choices = [
            (str(a.pk), f"#{a.pk} {a.programme.name} · {a.year} · {a.beneficiary_name} · ¥{a.amount}") for a in rows
        ]
