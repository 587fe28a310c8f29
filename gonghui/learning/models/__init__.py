"""Learning (职工夜校, courses and activities): offerings with sessions, enrolments with a FIFO
waitlist, attendance, certificates, the member's skills record, and the workflows around courses
(needs surveys, 送课上门 workplace requests, 由训转赛 contests).

Scoping: org-owned rows carry the owning org's `org_path`; member-side rows carry `province_id`
(DESIGN.md §4) and the member's org path where staff of the member's union read them.
"""

from gonghui.learning.models.courses import Category, Offering, Session
from gonghui.learning.models.extras import Contest, ContestEntry, CourseRequest, Proposal, Survey, Vote
from gonghui.learning.models.records import Attendance, Certificate, Enrolment, Skill

__all__ = [
    "Attendance",
    "Category",
    "Certificate",
    "Contest",
    "ContestEntry",
    "CourseRequest",
    "Enrolment",
    "Offering",
    "Proposal",
    "Session",
    "Skill",
    "Survey",
    "Vote",
]
