"""Psychological crisis (心理危机): the risk words that flag a call as top priority.

The list is deliberately broad (a false alarm costs one counsellor's call; a miss may cost a
life). A deployment extends it with the setting GONGHUI_APPEAL_RISK_WORDS.
"""

from django.conf import settings

RISK_WORDS = (
    "自杀",
    "轻生",
    "不想活",
    "活不下去",
    "活着没意思",
    "活着没意义",
    "想死",
    "寻死",
    "去死",
    "一死了之",
    "结束生命",
    "结束自己",
    "了结自己",
    "跳楼",
    "跳河",
    "跳江",
    "割腕",
    "喝农药",
    "吃安眠药",
    "同归于尽",
    "不如死了",
    "死了算了",
)


def risk_words() -> tuple[str, ...]:
    return RISK_WORDS + tuple(getattr(settings, "GONGHUI_APPEAL_RISK_WORDS", ()))


def risk_words_in(text: str) -> list[str]:
    compact = "".join((text or "").split())
    return [word for word in risk_words() if word in compact]
