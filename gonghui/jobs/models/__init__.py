"""Jobs (就业服务, 零工驿站): employers the union vouches for, job posts, applications, placements
with follow-ups, job fairs and the talent pool.

Scoping: org-owned rows (employers, posts, fairs) carry the owning org's `org_path`; applications,
placements and follow-ups carry the post's org path (its staff handle them) and `province_id`;
the talent pool carries the member's org path (staff of the member's subtree search it).
"""

from gonghui.jobs.models.applications import Application, ApplicationEvent, FollowUp, Placement
from gonghui.jobs.models.employers import Employer, MinimumWage
from gonghui.jobs.models.fairs import Availability, FairVisit, JobFair, TalentPoolEntry
from gonghui.jobs.models.posts import JobPost, JobType, WageUnit, plain

__all__ = [
    "Application",
    "ApplicationEvent",
    "Availability",
    "Employer",
    "FairVisit",
    "FollowUp",
    "JobFair",
    "JobPost",
    "JobType",
    "MinimumWage",
    "Placement",
    "TalentPoolEntry",
    "WageUnit",
    "plain",
]
