"""Named system actors: the only way the platform writes outside any person's scope.

The platform does some work on its own behalf — the daily internship sweep, background imports,
loading reference data, the work plan and the demo. That work is not a bypass of scoping: it is
done by a *system actor*, a real user row (``system:<key>``, inactive, unusable password — nobody
signs in as it) whose grants are declared here, explicitly, instead of held in
``accounts.RoleAssignment``. ``core.scoping.user_scope`` reads them through ``actor_grants``; every
service checks the system actor's scope like anyone else's, and the audit log names it
(``actor_name`` is ``system:<key>``, shown as the actor's display name by ``core.display.actor_name``).

A user's own action that writes a row outside their organisation (a student's report on their
placement) is a relationship declared on the model (``core.scoping.Rel``), not a system actor.

Get an actor with ``system_actor("sweep")``; it is created on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhijiao.accounts.choices import Role

from .scoping import Grant

PREFIX = "system:"


@dataclass(frozen=True)
class SystemActor:
    key: str
    display_name: str  # what the audit log and change histories show
    role: str  # the role whose actions it holds …
    purpose: str
    # … at the root of the organisation tree (the province): the only kind of grant an actor has.
    # Decides any approval step of a chain (school, city, province) — the demo's filings and
    # registrations, which no single person could decide along the whole chain.
    decides_any_step: bool = False

    @property
    def username(self) -> str:
        return PREFIX + self.key


#: Every system actor, in one place. Adding work that writes on the platform's own behalf means
#: adding an actor here, with the narrowest role that does the job.
ACTORS: dict[str, SystemActor] = {
    a.key: a
    for a in (
        SystemActor(
            "sweep",
            "系统（每日巡检）",
            Role.PROVINCE_STAFF,
            "The daily internship sweep: placement checks, alerts and their escalation.",
        ),
        SystemActor(
            "import-job",
            "系统（后台导入）",
            Role.PROVINCE_STAFF,
            "Background imports without a starting user (an import a person starts runs as that person).",
        ),
        SystemActor(
            "reference-data",
            "系统（基础数据装载）",
            Role.PROVINCE_STAFF,
            "Loading the divisions, the major catalogue and the colleges (manage.py load_reference_data).",
        ),
        SystemActor(
            "workplan-loader",
            "系统（工作要点装载）",
            Role.PROVINCE_STAFF,
            "Loading the annual work plan from its data file (workplan.loader).",
        ),
        SystemActor(
            "reporting-loader",
            "系统（报送数据集装载）",
            Role.PROVINCE_STAFF,
            "Loading data-set definitions from files (manage.py reporting_load).",
        ),
        SystemActor(
            "reporting-deadline",
            "系统（报送截止）",
            Role.PROVINCE_STAFF,
            "Closing data reports at their deadline: unsubmitted forms closed, approved ones locked "
            "(reporting.close_overdue).",
        ),
        SystemActor(
            "programmes-loader",
            "系统（项目类型装载）",
            Role.PROVINCE_STAFF,
            "Loading programme types and the plan's calls from files (manage.py programmes_load).",
        ),
        SystemActor(
            "reporting-rollup",
            "系统（报送数据汇总）",
            Role.PROVINCE_STAFF,
            "Carrying approved reporting figures into the work plan's targets linked to an indicator.",
        ),
        SystemActor(
            "demo",
            "系统（演示数据）",
            Role.PROVINCE_ADMIN,
            "Writing the demo province (manage.py demo): approvals at every level of the chain.",
            decides_any_step=True,
        ),
    )
}


def is_system_actor(user) -> bool:
    name = getattr(user, "username", "") or ""
    return name.startswith(PREFIX) and name[len(PREFIX) :] in ACTORS and not user.is_active


def decides_any_step(user) -> bool:
    """Whether ``user`` is a system actor declared to decide any approval step."""
    return is_system_actor(user) and ACTORS[user.username[len(PREFIX) :]].decides_any_step


def _root_paths() -> list[str]:
    from zhijiao.orgs.models import Region

    return list(Region.objects.filter(parent__isnull=True).values_list("path", flat=True))


def actor_grants(user) -> tuple[Grant, ...]:
    """The declared grants of a system actor (none for any other inactive user). Cached on the user."""
    if not is_system_actor(user):
        return ()
    cached = getattr(user, "_zhijiao_actor_grants", None)
    if cached is None:
        actor = ACTORS[user.username[len(PREFIX) :]]
        cached = tuple(Grant(role=actor.role, region_path=path) for path in _root_paths())
        user._zhijiao_actor_grants = cached
    return cached


def system_actor(key: str):
    """The user standing for ``key``'s work (``ACTORS``), created on first use."""
    from django.contrib.auth import get_user_model

    actor = ACTORS[key]  # KeyError: an undeclared actor is a programming error
    user, created = get_user_model().objects.get_or_create(
        username=actor.username,
        defaults={"display_name": actor.display_name, "is_active": False},
    )
    if created:
        from .audit import AuditAction, audit_record, snapshot

        user.set_unusable_password()
        user.save(update_fields=["password"])
        # Like every account, the actor's creation is in the audit log (written by the platform).
        audit_record(actor=None, action=AuditAction.CREATE, instance=user, after=snapshot(user))
    return user


def display_name(username: str) -> str | None:
    """The display name of a system actor's username, or None for anyone else."""
    if username.startswith(PREFIX):
        actor = ACTORS.get(username[len(PREFIX) :])
        if actor is not None:
            return actor.display_name
    return None


__all__ = [
    "ACTORS",
    "SystemActor",
    "actor_grants",
    "decides_any_step",
    "display_name",
    "is_system_actor",
    "system_actor",
]
