"""Hardship pages in the console (thin views over `hardship.queries` and `hardship.actions`)."""

from gonghui.hardship.views.archives import (
    ArchiveCreateView,
    ArchiveDetailView,
    ArchiveExportView,
    ArchiveListView,
    AttachmentView,
    MemberLookupView,
    QueuesView,
    StatsView,
)
from gonghui.hardship.views.steps import STEPS, StepView

__all__ = [
    "STEPS",
    "ArchiveCreateView",
    "ArchiveDetailView",
    "ArchiveExportView",
    "ArchiveListView",
    "AttachmentView",
    "MemberLookupView",
    "QueuesView",
    "StatsView",
    "StepView",
]
