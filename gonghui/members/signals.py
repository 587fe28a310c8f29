"""Signals that members (below every service app) defines so that two higher apps can talk without
importing each other (DESIGN.md §2).

`placement_made(sender, person_id, membership_id, placement_id, summary, acting_user)`
    jobs sends it inside the hire's transaction when a member is placed in work; hardship listens
    and closes the 就业推荐/爱心岗位 measure of the member's household plan (with its own audit entry).
"""

from django.dispatch import Signal

placement_made = Signal()
