"""Station state machines (DESIGN.md §3.4): a station's life, and an inspection follow-up."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.actionkit import StateMachine


class StationStatus(models.TextChoices):
    PLANNED = "planned", _("筹建")
    RUNNING = "running", _("运行")
    PAUSED = "paused", _("暂停")
    REVOKED = "revoked", _("撤销")


STATION_FLOW = StateMachine(
    StationStatus,
    {
        StationStatus.PLANNED: {StationStatus.RUNNING, StationStatus.REVOKED},
        StationStatus.RUNNING: {StationStatus.PAUSED, StationStatus.REVOKED},
        StationStatus.PAUSED: {StationStatus.RUNNING, StationStatus.REVOKED},
        StationStatus.REVOKED: set(),
    },
)

# What the console's buttons call each move (the refusal message names it too).
STATUS_VERBS = {
    StationStatus.RUNNING: _("投入运行"),
    StationStatus.PAUSED: _("暂停服务"),
    StationStatus.REVOKED: _("撤销站点"),
}


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    DONE = "done", _("已整改")


FOLLOW_UP_FLOW = StateMachine(FollowUpStatus, {FollowUpStatus.OPEN: {FollowUpStatus.DONE}, FollowUpStatus.DONE: set()})
