"""Synthetic demo data for a Guangdong provincial deployment (DESIGN.md §6).

Everything here is made up: enterprise names are generated from word lists and USCCs are
random with a correct check character. Division codes and place names are public.
"""

from __future__ import annotations

import random

from gonghui.core.validators import USCC_ALPHABET, uscc_check_character

PROVINCE = ("440000", "广东省总工会", "广东省总工会")

CITIES = [
    ("440100", "广州市"),
    ("440300", "深圳市"),
    ("440600", "佛山市"),
    ("441900", "东莞市"),
    ("440400", "珠海市"),
    ("440500", "汕头市"),
    ("440700", "江门市"),
    ("440800", "湛江市"),
    ("440900", "茂名市"),
    ("441200", "肇庆市"),
    ("441300", "惠州市"),
    ("441400", "梅州市"),
    ("441500", "汕尾市"),
    ("441600", "河源市"),
    ("441700", "阳江市"),
    ("441800", "清远市"),
    ("442000", "中山市"),
    ("445100", "潮州市"),
    ("445200", "揭阳市"),
    ("445300", "云浮市"),
    ("440200", "韶关市"),
]

DISTRICTS = {
    "440100": [
        ("440103", "荔湾区"),
        ("440104", "越秀区"),
        ("440105", "海珠区"),
        ("440106", "天河区"),
        ("440111", "白云区"),
        ("440112", "黄埔区"),
        ("440113", "番禺区"),
    ],
    "440300": [
        ("440303", "罗湖区"),
        ("440304", "福田区"),
        ("440305", "南山区"),
        ("440306", "宝安区"),
        ("440307", "龙岗区"),
        ("440309", "龙华区"),
    ],
    "440600": [("440604", "禅城区"), ("440605", "南海区"), ("440606", "顺德区")],
}

STREETS = {
    "440305": ["南头街道", "南山街道", "沙河街道", "蛇口街道", "招商街道", "粤海街道", "桃源街道", "西丽街道"],
    "440304": ["园岭街道", "南园街道", "福田街道", "沙头街道", "香蜜湖街道", "梅林街道"],
    "440106": ["五山街道", "员村街道", "车陂街道", "石牌街道", "天河南街道", "林和街道"],
}

FEDERATIONS = [
    ("快递行业工会联合会", "industry", "快递"),
    ("外卖配送行业工会联合会", "new_forms", "外卖"),
    ("网约车行业工会联合会", "new_forms", "网约车"),
    ("货车司机工会联合会", "new_forms", "货车"),
]

PREFIXES = [
    "华",
    "粤",
    "鹏",
    "南",
    "新",
    "恒",
    "达",
    "信",
    "安",
    "明",
    "德",
    "创",
    "盛",
    "嘉",
    "东",
    "海",
    "宏",
    "金",
    "佳",
    "瑞",
    "云",
    "富",
    "泰",
    "丰",
    "远",
    "博",
    "科",
    "立",
    "昌",
    "和",
]
SUFFIXES = [
    "电子",
    "科技",
    "物流",
    "精密制造",
    "食品",
    "纺织",
    "家具",
    "建材",
    "医药",
    "汽车零部件",
    "服装",
    "包装",
    "通信",
    "软件",
    "印刷",
    "五金",
    "塑胶",
    "照明",
    "光电",
    "餐饮管理",
    "物业服务",
    "环保",
    "新能源",
    "化工",
]
FORMS = ["有限公司", "股份有限公司", "实业有限公司", "集团有限公司"]
BRANCHES = ["生产部", "研发中心", "物流部", "品质部", "行政部", "销售部"]


def fake_uscc(rng: random.Random, division: str) -> str:
    # 9 = 工商登记, 1 = 企业; then the registering division and a 9-character body.
    body = "91" + division + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_character(body)


def company_name(rng: random.Random, place: str) -> str:
    return f"{place}{rng.choice(PREFIXES)}{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)}{rng.choice(FORMS)}"


def synthetic_districts(city_code: str, city_name: str, count: int):
    return [(city_code[:4] + f"{n:02d}", f"{city_name[:-1]}第{n}区") for n in range(1, count + 1)]


def build_specs(size: str, seed: int = 2024) -> list[dict]:
    """Org specs under the province for `do_bulk_create_orgs`, parents first."""
    rng = random.Random(seed)
    large = size == "large"
    specs: list[dict] = []

    def add(key, parent_key, kind, **data):
        specs.append({"key": key, "parent_key": parent_key, "kind": kind, "data": data})

    used_uscc: set[str] = set()
    for city_code, city_name in CITIES:
        add(
            city_code,
            None,
            "city",
            name=f"{city_name}总工会",
            short_name=city_name,
            division_code=city_code,
            code=city_code,
        )
        districts = DISTRICTS.get(city_code)
        if districts is None:
            districts = synthetic_districts(city_code, city_name, 6) if large else []
        streets_per_district = 10 if large else 3
        grassroots_per_street = 30 if large else 4
        for d_code, d_name in districts:
            add(
                d_code,
                city_code,
                "district",
                name=f"{city_name}{d_name}总工会",
                short_name=d_name,
                division_code=d_code,
                code=d_code,
            )
            for f_name, f_kind, f_short in FEDERATIONS:
                f_key = f"{d_code}-{f_short}"
                add(
                    f_key,
                    d_code,
                    "federation",
                    name=f"{d_name}{f_name}",
                    short_name=f"{d_name}{f_short}联合会",
                    federation_kind=f_kind,
                    code=f"{d_code}-F{FEDERATIONS.index((f_name, f_kind, f_short)) + 1}",
                    employee_count=rng.randint(200, 3000),
                )
            names = STREETS.get(d_code) or [f"第{n}街道" for n in range(1, streets_per_district + 1)]
            for s_index, s_name in enumerate(names[:streets_per_district] if not large else names, start=1):
                s_code = f"{d_code}{s_index:03d}"
                add(
                    s_code,
                    d_code,
                    "street",
                    name=f"{d_name}{s_name}总工会",
                    short_name=s_name,
                    division_code=s_code,
                    code=s_code,
                )
                for _g in range(grassroots_per_street):
                    uscc = fake_uscc(rng, d_code)
                    while uscc in used_uscc:
                        uscc = fake_uscc(rng, d_code)
                    used_uscc.add(uscc)
                    company = company_name(rng, d_name[:2])
                    add(
                        uscc,
                        s_code,
                        "grassroots",
                        name=f"{company}工会委员会",
                        short_name=company[:40],
                        uscc=uscc,
                        code=uscc,
                        employee_count=rng.randint(20, 2500),
                    )
                    if rng.random() < 0.25:
                        for b_index, branch in enumerate(rng.sample(BRANCHES, 2), start=1):
                            b_code = f"{uscc}-{b_index:02d}"
                            add(b_code, uscc, "branch", name=f"{company}工会{branch}分会", code=b_code)
                            if not large or rng.random() < 0.5:
                                add(f"{b_code}-1", b_code, "group", name=f"{branch}第一工会小组", code=f"{b_code}-1")
    return specs


# Demo logins (password gonghui-demo). Scope codes refer to the specs above.
DEMO_PASSWORD = "gonghui-demo"  # noqa: S105 (public demo password, documented)
DEMO_USERS = [
    {"username": "admin", "display_name": "系统管理员", "scope": "440000", "roles": ["admin"], "superuser": True},
    # Display names are people (经办人 defaults to them); the merchant works at the gym it serves.
    {"username": "city", "display_name": "陈立（深圳市总工会组织部）", "scope": "440300", "roles": ["organiser"]},
    {
        "username": "district",
        "display_name": "周敏",
        "scope": "440305",
        "roles": ["organiser", "hardship", "appeals"],
    },
    {"username": "hotline", "display_name": "林晓（12351 热线坐席）", "scope": "440000", "roles": ["hotline"]},
    {"username": "merchant", "display_name": "刘洋（南山区职工健身中心前台）", "scope": "440305", "roles": []},
]
