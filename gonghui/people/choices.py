"""Roster enumerations (DOMAIN.md §5). Stored as the Chinese labels' codes; imports accept either."""

from django.db import models
from django.utils.translation import gettext_lazy as _

ETHNIC_GROUPS = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 "
    "黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 "
    "撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 "
    "京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族 其他 外国血统"
).split()

EDUCATION = [
    "研究生(博士)",
    "研究生(硕士)",
    "大学本科",
    "大学专科",
    "中等专科",
    "职业高中",
    "技工学校",
    "普通高中",
    "初中",
    "小学",
    "其他",
]
POLITICAL_STATUS = ["中共党员", "中共预备党员", "共青团员", "民主党派", "无党派人士", "群众"]
HUKOU_TYPES = ["非农业", "农业", "农转居"]
EMPLOYMENT_STATUS = ["在岗", "下岗/待岗", "失业/无业", "退休", "病休", "内退"]
SKILL_LEVELS = ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师", "特级技师", "首席技师"]
MODEL_WORKER = ["全国劳模", "省部级劳模", "地市级劳模", "五一劳动奖章", "其他"]
PLATFORM_SUGGESTIONS = [
    "顺丰",
    "京东",
    "中通",
    "圆通",
    "申通",
    "韵达",
    "极兔",
    "美团",
    "饿了么",
    "滴滴",
    "曹操出行",
    "T3出行",
    "货拉拉",
    "满帮",
    "快狗打车",
    "闪送",
    "达达",
]


def choices(values):
    return [(v, v) for v in values]


class WorkerType(models.TextChoices):
    REGULAR = "regular", _("普通职工")
    MIGRANT = "migrant", _("农民工")
    DISPATCHED = "dispatched", _("劳务派遣工")
    FLEXIBLE = "flexible", _("灵活就业人员")
    GIG = "gig", _("新就业形态劳动者")


class GigSubtype(models.TextChoices):
    COURIER = "courier", _("快递员")
    DELIVERY = "delivery", _("外卖配送员")
    RIDE_HAILING = "ride_hailing", _("网约车司机")
    TRUCK = "truck", _("货车司机")
    HOUSEKEEPING = "housekeeping", _("网约家政服务员")
    STREAMER = "streamer", _("网络主播")
    OTHER = "other", _("其他")
    # A roster that says 新就业形态劳动者 without the sub-type (DOMAIN.md §4 has no such column): the
    # member is imported and listed for completion. Never offered where a person chooses.
    UNSPECIFIED = "unspecified", _("未填写")


def chosen_gig_subtypes() -> list[tuple[str, str]]:
    """The sub-types a person can choose (everything but 未填写)."""
    return [c for c in GigSubtype.choices if c[0] != GigSubtype.UNSPECIFIED]
