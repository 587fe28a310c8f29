"""The action kit: who acts, what they may do, and which state changes are allowed.

Every app's `actions.py` is written with these three pieces (DESIGN.md §3.1, §3.4):

- `Actor` says who does a thing. A staff user, a member acting for themselves in the portal, or a
  named system job (a sweep, an import, the demo loader). Actions take it as the keyword-only
  `acting_user`; a bare `User` is accepted and means a staff user, so views can pass
  `request.user`. The audit entry shows which kind of actor it was (`audit_actor_fields`).
- `require(actor, permission, path, org_name)` refuses a staff user who lacks the permission at
  the org's path, with a message a person can read. A system job passes; a member never holds a
  staff permission, so member-facing actions check ownership with `require_member()` instead.
- `StateMachine` declares a workflow's states and allowed transitions in one table; `check()`
  refuses a transition with a message that names the current state, and `transition()` checks
  and sets the new state on the object (the action still saves it).

New apps use this module directly; older apps are moved onto it one by one (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.core.scoping import user_can


class ActorKind(models.TextChoices):
    STAFF = "staff", _lazy("工作人员")
    MEMBER = "member", _lazy("会员本人")
    SYSTEM = "system", _lazy("系统任务")


@dataclass(frozen=True)
class Actor:
    """Who performs an action. Build one with `Actor.staff()`, `Actor.member()` or `Actor.system()`."""

    kind: str
    user: Any = None  # the staff User (STAFF only)
    person_id: int | None = None  # the member's Person id (MEMBER only)
    label: str = ""  # what the audit log shows: the job's name, or the member's masked name

    @classmethod
    def staff(cls, user) -> Actor:
        if user is None or not getattr(user, "pk", None):
            raise ValueError("Actor.staff() needs a saved user")
        return cls(ActorKind.STAFF, user=user, label=user.get_username())

    @classmethod
    def member(cls, person_id: int, label: str = "") -> Actor:
        if not person_id:
            raise ValueError("Actor.member() needs a person id")
        return cls(ActorKind.MEMBER, person_id=person_id, label=label)

    @classmethod
    def system(cls, job: str) -> Actor:
        if not job:
            raise ValueError("Actor.system() needs the job's name")
        return cls(ActorKind.SYSTEM, label=job)

    @property
    def is_staff(self) -> bool:
        return self.kind == ActorKind.STAFF

    @property
    def is_member(self) -> bool:
        return self.kind == ActorKind.MEMBER

    @property
    def is_system(self) -> bool:
        return self.kind == ActorKind.SYSTEM

    def __str__(self) -> str:
        return f"{ActorKind(self.kind).label}：{self.label}" if self.label else str(ActorKind(self.kind).label)


def as_actor(acting_user) -> Actor:
    """An `Actor` from what an action received: an Actor, or a staff `User` (views pass request.user)."""
    if isinstance(acting_user, Actor):
        return acting_user
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        return Actor.staff(acting_user)
    raise ValueError("acting_user must be an Actor or a signed-in staff user; name system jobs with Actor.system()")


def staff_user(acting_user):
    """The staff User behind `acting_user`, or None for a member or a system job (for FK columns such as created_by)."""
    actor = as_actor(acting_user)
    return actor.user if actor.is_staff else None


def audit_actor_fields(actor) -> tuple[int | None, str]:
    """(actor_id, actor_label) for an audit entry: a staff user's id and login; otherwise the kind and label."""
    if isinstance(actor, Actor):
        if actor.is_staff:
            return actor.user.pk, actor.user.get_username()
        return None, str(actor)[:150]
    if actor is None or not getattr(actor, "pk", None):
        return None, "system"
    return actor.pk, actor.get_username()


def require(acting_user, permission: str, path: str | None, org_name: str = "") -> Actor:
    """Refuse unless the actor may do `permission` at `path` (None: anywhere). Returns the Actor.

    A system job may; a staff user needs the permission through a grant on the org or an ancestor;
    a member never holds staff permissions.
    """
    actor = as_actor(acting_user)
    if actor.is_system:
        return actor
    if actor.is_staff and user_can(actor.user, permission, path):
        return actor
    if actor.is_member:
        raise ActionPermissionError(permission, _("会员本人不能执行此操作（需要工作人员权限 %s）") % permission)
    raise ActionPermissionError(
        permission,
        _("您没有在“%(org)s”执行此操作的权限（需要 %(perm)s）") % {"org": org_name or "-", "perm": permission},
    )


def require_member(acting_user, person_id: int | None) -> Actor:
    """Refuse unless the actor is this member acting for themselves (or a system job)."""
    actor = as_actor(acting_user)
    if actor.is_system or (actor.is_member and actor.person_id == person_id):
        return actor
    raise ActionPermissionError("member.self", _("只能办理本人的事项"))


class StateMachine:
    """A workflow's states (a TextChoices class) and the transitions allowed from each.

    The table must name every state as a key (an end state maps to an empty set), so that a state
    added to the choices without a row fails at import time rather than in production.
    """

    def __init__(self, choices: type[models.TextChoices], transitions: Mapping[str, Iterable[str]], *, field="status"):
        missing = set(choices.values) - set(transitions)
        unknown = {t for targets in transitions.values() for t in targets} | set(transitions)
        unknown -= set(choices.values)
        if missing or unknown:
            raise ValueError(f"{choices.__name__}: states without a row {sorted(missing)}, unknown {sorted(unknown)}")
        self.choices = choices
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}
        self.field = field

    def label(self, state: str) -> str:
        return str(self.choices(state).label)

    def allowed(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, ())

    def targets(self, current: str) -> frozenset:
        return self.transitions.get(current, frozenset())

    def is_final(self, state: str) -> bool:
        return not self.transitions.get(state)

    def check(self, current: str, target: str, what: str) -> None:
        """Raise TransitionError naming the current state unless `current → target` is allowed."""
        if not self.allowed(current, target):
            raise TransitionError(
                _("当前状态为“%(state)s”，不能%(what)s") % {"state": self.label(current), "what": what},
                current_state=current,
            )

    def transition(self, obj, target: str, what: str) -> str:
        """Check the move from the object's current state and set the new one; returns the old state."""
        current = getattr(obj, self.field)
        self.check(current, target, what)
        setattr(obj, self.field, target)
        return current
