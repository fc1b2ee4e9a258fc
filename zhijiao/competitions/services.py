"""The writers of 技能大赛: events and contests (province), schools' entries of registry students
or teachers before the deadline and within the school quota, the cities' sending within the city
quota, judges from the programmes expert pool with hard 回避 and balanced loads, scores per judge
and rubric item, the ranking with its tie rule (COMP-TIE-BREAK), prizes by ratio, approval and
publication of the results, and award certificates with a verification code."""

from __future__ import annotations

import datetime
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import rules
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.services import OutOfScope, model_create, model_update
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region
from zhijiao.programmes import assignment
from zhijiao.programmes import selectors as expert_pool
from zhijiao.programmes import services as programme_services
from zhijiao.students import selectors as registry
from zhijiao.students.choices import EnrolmentStatus

from . import rules as comp_rules  # noqa: F401 - registers the rules the checks below cite
from .choices import Award, ContestKind, EntryStatus, EventLevel, EventStage, MemberKind
from .models import AwardCertificate, Contest, Entry, EntryMember, Event, JudgeAssignment, Score

ACTIVE = (EntryStatus.SUBMITTED, EntryStatus.SENT)
STUDYING = (EnrolmentStatus.REGISTERED, EnrolmentStatus.RETAINED)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def today() -> datetime.date:
    return timezone.localdate()


def _require_province(actor) -> None:
    if not user_scope(actor).is_province:
        raise OutOfScope(_("Only the province may do this."))


def city_path(institution) -> str:
    """The path of the city an institution lies in ("370000/370100/")."""
    parts = institution.region.path.split("/")
    return "/".join(parts[:2]) + "/"


def is_city_of(institution, actor) -> bool:
    """The actor holds a change grant at the institution's city (or a region between)."""
    path = institution.region.path
    return any(
        g.region_path and g.region_path.count("/") >= 2 and path.startswith(g.region_path)
        for g in user_scope(actor).grants_for("change")
    )


# --- events and contests -----------------------------------------------------------------------------


def default_ratios() -> tuple[int, int, int]:
    return (
        int(rules.param("COMPETITIONS_FIRST_PRIZE_PERCENT")),
        int(rules.param("COMPETITIONS_SECOND_PRIZE_PERCENT")),
        int(rules.param("COMPETITIONS_THIRD_PRIZE_PERCENT")),
    )


def _collect(errors: dict, check):
    """Run one check and keep its refusal with the others', so a form shows every problem at once
    (the province corrects the notice in one pass); ``_refuse`` raises them together."""
    try:
        return check()
    except ValidationError as exc:
        exc.update_error_dict(errors)
        return None


def _refuse(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _check_dates(entry_deadline, city_deadline, starts_on, ends_on) -> None:
    if not (entry_deadline <= city_deadline <= starts_on <= ends_on):
        raise ValidationError(
            _("Entries close first, then the cities send them, then the event starts and ends.")
        )


@transaction.atomic
def event_create(
    *,
    actor,
    code: str,
    name: str,
    year: int,
    organiser: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    entry_deadline: datetime.date,
    city_deadline: datetime.date,
    level: str = EventLevel.PROVINCIAL,
    ratios: tuple[int, int, int] | None = None,
    avoid_same_city: bool = False,
    is_demo: bool = False,
) -> Event:
    """An event with its dates and prize ratios (% of the entries of a contest; COMP-AWARD-RATIOS
    gives the default)."""
    _require_province(actor)
    errors: dict = {}
    _collect(errors, lambda: _check_dates(entry_deadline, city_deadline, starts_on, ends_on))
    checked = _collect(errors, lambda: _check_ratios(ratios or default_ratios()))
    _refuse(errors)
    first, second, third = checked
    province = Region.objects.get(level=RegionLevel.PROVINCE, parent__isnull=True)
    return model_create(
        actor=actor,
        instance=Event(
            region=province,
            code=code,
            name=name,
            year=year,
            level=level,
            organiser=organiser,
            starts_on=starts_on,
            ends_on=ends_on,
            entry_deadline=entry_deadline,
            city_deadline=city_deadline,
            first_ratio=first,
            second_ratio=second,
            third_ratio=third,
            avoid_same_city=avoid_same_city,
            is_demo=is_demo,
        ),
        event="competition.event_saved",
    )


@transaction.atomic
def event_reschedule(
    *,
    actor,
    event: Event,
    entry_deadline: datetime.date,
    city_deadline: datetime.date,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> Event:
    """The province corrects the event's dates (a notice's correction), before the judging."""
    _require_province(actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.stage != EventStage.OPEN:
        raise ValidationError(_("The dates are corrected before the judging."))
    starts_on, ends_on = starts_on or event.starts_on, ends_on or event.ends_on
    _check_dates(entry_deadline, city_deadline, starts_on, ends_on)
    event, _changed = model_update(
        actor=actor,
        instance=event,
        data={
            "entry_deadline": entry_deadline,
            "city_deadline": city_deadline,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
        event="competition.event_saved",
    )
    return event


def _check_ratios(ratios) -> tuple[int, int, int]:
    try:
        first, second, third = (int(r) for r in ratios)
    except (TypeError, ValueError):
        raise ValidationError(_("The prize ratios are whole per cents.")) from None
    if min(first, second, third) < 0 or first + second + third > 100:
        raise ValidationError(_("The prize ratios add up to at most 100 %."))
    return first, second, third


@transaction.atomic
def event_update(
    *,
    actor,
    event: Event,
    name: str,
    year: int,
    organiser: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    entry_deadline: datetime.date,
    city_deadline: datetime.date,
    ratios: tuple[int, int, int],
    avoid_same_city: bool,
) -> Event:
    """The province edits an event (the notice and its corrections): everything while it is open
    for entries; once the judges are assigned, only its name, organiser and prize ratios (the dates
    and the 回避 rule decided who judges); nothing once the results are approved."""
    _require_province(actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.stage in (EventStage.APPROVED, EventStage.PUBLISHED):
        raise ValidationError(_("The results are approved; the event is no longer edited."))
    errors: dict = {}
    checked = _collect(errors, lambda: _check_ratios(ratios))
    _collect(errors, lambda: _check_dates(entry_deadline, city_deadline, starts_on, ends_on))
    if event.stage != EventStage.OPEN and (
        (entry_deadline, city_deadline, starts_on, ends_on, bool(avoid_same_city))
        != (event.entry_deadline, event.city_deadline, event.starts_on, event.ends_on, event.avoid_same_city)
    ):
        ValidationError(
            _("The judges are assigned: the dates and the 回避 rule of the event no longer change.")
        ).update_error_dict(errors)
    _refuse(errors)
    first, second, third = checked
    event, _changed = model_update(
        actor=actor,
        instance=event,
        data={
            "name": name.strip(),
            "year": year,
            "organiser": organiser.strip(),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "entry_deadline": entry_deadline,
            "city_deadline": city_deadline,
            "first_ratio": first,
            "second_ratio": second,
            "third_ratio": third,
            "avoid_same_city": bool(avoid_same_city),
        },
        event="competition.event_saved",
    )
    return event


def clean_rubric(rubric) -> list[dict]:
    """A rubric is a list of items ``{code, name, max}`` with distinct codes and positive maxima."""
    if not isinstance(rubric, list) or not rubric:
        raise ValidationError({"rubric": _("A rubric has at least one item.")})
    cleaned, seen = [], set()
    for item in rubric:
        try:
            code, name, top = str(item["code"]).strip(), str(item["name"]).strip(), Decimal(str(item["max"]))
        except (KeyError, TypeError, InvalidOperation):
            raise ValidationError({"rubric": _("Every rubric item has a code, a name and a highest score.")})
        if not code or not name or code in seen or not top.is_finite() or top <= 0:
            raise ValidationError({"rubric": _("Every rubric item has a code, a name and a highest score.")})
        seen.add(code)
        cleaned.append({"code": code, "name": name, "max": format(top.normalize(), "f")})
    return cleaned


@transaction.atomic
def contest_create(
    *,
    actor,
    event: Event,
    name: str,
    kind: str,
    rubric: list,
    quota_per_school: int,
    quota_per_city: int,
    major_class=None,
    require_major: bool = True,
    team_size: int = 1,
    judges_needed: int = 3,
    blind: bool = True,
    is_demo: bool = False,
) -> Contest:
    _require_province(actor)
    if event.stage != EventStage.OPEN:
        raise ValidationError(_("Contests are added while the event is open for entries."))
    if kind != ContestKind.STUDENT_SKILLS:
        require_major = False
    errors: dict = {}
    _check_contest(
        errors,
        kind=kind,
        major_class=major_class,
        require_major=require_major,
        quota_per_school=quota_per_school,
        quota_per_city=quota_per_city,
    )
    cleaned = _collect(errors, lambda: clean_rubric(rubric))
    _refuse(errors)
    return model_create(
        actor=actor,
        instance=Contest(
            event=event,
            name=name,
            kind=kind,
            major_class=major_class,
            require_major=require_major,
            team_size=team_size,
            quota_per_school=quota_per_school,
            quota_per_city=quota_per_city,
            judges_needed=judges_needed,
            rubric=cleaned,
            blind=blind,
            is_demo=is_demo,
        ),
        event="competition.contest_saved",
    )


def _check_contest(
    errors: dict, *, kind: str, major_class, require_major: bool, quota_per_school: int, quota_per_city: int
) -> None:
    """A contest's own checks, each refusal kept in ``errors`` (see ``_collect``)."""
    if kind == ContestKind.STUDENT_SKILLS and require_major and major_class is None:
        ValidationError(
            {"major_class": _("A students' contest limited to a 专业类 names it.")}
        ).update_error_dict(errors)
    if quota_per_city < quota_per_school:
        ValidationError(_("A city may send at least as many entries as one school.")).update_error_dict(
            errors
        )


@transaction.atomic
def contest_update(
    *,
    actor,
    contest: Contest,
    name: str,
    kind: str,
    rubric: list,
    quota_per_school: int,
    quota_per_city: int,
    major_class=None,
    require_major: bool = True,
    team_size: int = 1,
    judges_needed: int = 3,
    blind: bool = True,
) -> Contest:
    """The province edits a contest while its event is open for entries. Its kind, 专业类 and
    members per entry stay as they are once a school has entered (the entries were checked
    against them); quotas below the entries already made are refused."""
    _require_province(actor)
    contest = Contest.objects.select_for_update(of=("self",)).select_related("event").get(pk=contest.pk)
    if contest.event.stage != EventStage.OPEN:
        raise ValidationError(_("Contests are changed while the event is open for entries."))
    if kind != ContestKind.STUDENT_SKILLS:
        require_major = False
    errors: dict = {}
    _check_contest(
        errors,
        kind=kind,
        major_class=major_class,
        require_major=require_major,
        quota_per_school=quota_per_school,
        quota_per_city=quota_per_city,
    )
    cleaned = _collect(errors, lambda: clean_rubric(rubric))
    active = Entry.objects.filter(contest=contest, status__in=ACTIVE)
    if active.exists():
        if (
            kind != contest.kind
            or team_size != contest.team_size
            or getattr(major_class, "pk", None) != contest.major_class_id
            or bool(require_major) != contest.require_major
        ):
            ValidationError(
                _("Schools have entered: the kind, the 专业类 and the members per entry no longer change.")
            ).update_error_dict(errors)
        most = max(
            (row["n"] for row in active.values("institution_id").annotate(n=models.Count("pk")).order_by()),
            default=0,
        )
        if quota_per_school < most:
            ValidationError(
                {
                    "quota_per_school": _(
                        "A school has entered %(n)d entries already; the quota is at least that."
                    )
                    % {"n": most}
                }
            ).update_error_dict(errors)
    _refuse(errors)
    return model_update(
        actor=actor,
        instance=contest,
        data={
            "name": name.strip(),
            "kind": kind,
            "major_class": major_class,
            "require_major": bool(require_major),
            "team_size": team_size,
            "quota_per_school": quota_per_school,
            "quota_per_city": quota_per_city,
            "judges_needed": judges_needed,
            "rubric": cleaned,
            "blind": bool(blind),
        },
        event="competition.contest_saved",
    )[0]


# --- entries -----------------------------------------------------------------------------------------


def entry_schools(actor):
    """The schools under which the actor may enter contests."""
    return restrict(Institution.objects.all(), actor, "change", owner_of=Entry)


def student_problems(contest: Contest, institution, student) -> list[str]:
    """Why a student may not enter (COMP-ELIG-STUDENT): registered (在籍) at the school, and of the
    contest's 专业类 when it requires one."""
    enrolment = registry.current_enrolment(student)
    name = student.name
    if (
        enrolment is None
        or enrolment.status not in STUDYING
        or student.current_institution_id != institution.pk
        or enrolment.institution_id != institution.pk
    ):
        return [_("%(name)s is not a registered student of this school.") % {"name": name}]
    if contest.require_major and contest.major_class_id:
        major = enrolment.offering.major if enrolment.offering_id else None
        if major is None or major.major_class_id != contest.major_class_id:
            return [
                _("%(name)s does not study a major of %(cls)s.")
                % {"name": name, "cls": contest.major_class.name}
            ]
    return []


def _entry_number(contest: Contest) -> str:
    n = Entry.objects.filter(contest=contest).count() + 1
    return f"{contest.pk:03d}-{n:03d}"


@transaction.atomic
def entry_create(
    *,
    actor,
    contest: Contest,
    institution,
    students=(),
    teachers=(),
    team_name: str = "",
) -> Entry:
    """A school enters students of the registry (or teachers, by name) in a contest before the
    entry deadline (COMP-DEADLINE) and within the school quota (COMP-QUOTA). Checked under a lock
    on the contest, so two entries at the same moment never pass the quota together."""
    if not entry_schools(actor).filter(pk=institution.pk).exists():
        raise OutOfScope(_("A school enters its own students and teachers."))
    contest = (
        Contest.objects.select_for_update(of=("self",))
        .select_related("event", "major_class")
        .get(pk=contest.pk)
    )
    event = contest.event
    if event.stage != EventStage.OPEN or today() > event.entry_deadline:
        raise ValidationError(
            _("Entries closed on %(d)s (%(rule)s).")
            % {"d": event.entry_deadline.isoformat(), "rule": comp_rules.DEADLINE.citation}
        )
    students = list(students)
    teachers = [t.strip() for t in teachers if t and t.strip()]
    members = students if contest.for_students else teachers
    if contest.for_students and teachers or not contest.for_students and students:
        raise ValidationError(
            _("This contest is for students only.")
            if contest.for_students
            else _("This contest is for teachers only.")
        )
    if len(members) != contest.team_size:
        raise ValidationError(
            _("An entry of this contest has %(n)d members; %(m)d were given.")
            % {"n": contest.team_size, "m": len(members)}
        )
    problems: list[str] = []
    if contest.for_students:
        if len({s.pk for s in students}) != len(students):
            problems.append(_("A student is named twice."))
        for student in students:
            problems += student_problems(contest, institution, student)
        taken = set(
            EntryMember.objects.filter(
                entry__contest=contest, entry__status__in=ACTIVE, student__in=students
            ).values_list("name", flat=True)
        )
        if taken:
            problems.append(
                _("Already entered in this contest: %(list)s.") % {"list": "、".join(sorted(taken))}
            )
    elif len(set(teachers)) != len(teachers):
        problems.append(_("A teacher is named twice."))
    if problems:
        raise ValidationError(problems)
    used = Entry.objects.filter(contest=contest, institution=institution, status__in=ACTIVE).count()
    if used >= contest.quota_per_school:
        raise ValidationError(
            _("%(school)s may enter %(quota)d entries in this contest; %(n)d are entered (%(rule)s).")
            % {
                "school": institution.name,
                "quota": contest.quota_per_school,
                "n": used,
                "rule": comp_rules.QUOTA.citation,
            }
        )
    entry = model_create(
        actor=actor,
        instance=Entry(
            contest=contest,
            institution=institution,
            number=_entry_number(contest),
            team_name=team_name.strip()[:100],
        ),
        event="competition.entry_submitted",
    )
    for member in members:
        row = (
            EntryMember(entry=entry, kind=MemberKind.STUDENT, student=member, name=member.name)
            if contest.for_students
            else EntryMember(entry=entry, kind=MemberKind.TEACHER, name=member[:50])
        )
        row.full_clean()
        row.save()
    return entry


@transaction.atomic
def entry_withdraw(*, actor, entry: Entry) -> Entry:
    entry = Entry.objects.select_for_update(of=("self",)).select_related("contest__event").get(pk=entry.pk)
    if entry.status != EntryStatus.SUBMITTED or entry.contest.event.stage != EventStage.OPEN:
        raise ValidationError(_("Only an entry the city has not sent can be withdrawn."))
    entry, _changed = model_update(
        actor=actor,
        instance=entry,
        data={"status": EntryStatus.WITHDRAWN},
        event="competition.entry_withdrawn",
    )
    return entry


@transaction.atomic
def city_send(*, actor, contest: Contest, entries: list[Entry]) -> int:
    """The city approves its schools' entries and sends them to the province, within the city quota
    (COMP-QUOTA) and before the cities' deadline, under a lock on the contest."""
    if not entries:
        raise ValidationError(_("Choose the entries to send."))
    contest = Contest.objects.select_for_update(of=("self",)).select_related("event").get(pk=contest.pk)
    entries = list(Entry.objects.filter(pk__in=[e.pk for e in entries]).select_related("institution__region"))
    if not entries or not all(is_city_of(e.institution, actor) for e in entries):
        raise OutOfScope(_("A city sends the entries of its own schools."))
    event = contest.event
    if event.stage != EventStage.OPEN or today() > event.city_deadline:
        raise ValidationError(
            _("The cities' deadline (%(d)s) has passed.") % {"d": event.city_deadline.isoformat()}
        )
    if any(e.contest_id != contest.pk for e in entries):
        raise ValidationError(_("These entries belong to another contest."))
    if any(e.status != EntryStatus.SUBMITTED for e in entries):
        raise ValidationError(_("Only submitted entries are sent."))
    cities = {city_path(e.institution) for e in entries}
    if len(cities) != 1:
        raise ValidationError(_("A city sends the entries of its own schools, one city at a time."))
    path = cities.pop()
    sent = Entry.objects.filter(
        contest=contest, status=EntryStatus.SENT, institution__region__path__startswith=path
    ).count()
    if sent + len(entries) > contest.quota_per_city:
        city = Region.objects.filter(path=path).first()
        raise ValidationError(
            _("%(city)s may send %(quota)d entries to this contest; %(n)d are sent already (%(rule)s).")
            % {
                "city": city.name if city else path,
                "quota": contest.quota_per_city,
                "n": sent,
                "rule": comp_rules.QUOTA.citation,
            }
        )
    for entry in entries:
        model_update(
            actor=actor, instance=entry, data={"status": EntryStatus.SENT}, event="competition.entry_sent"
        )
    return len(entries)


@transaction.atomic
def city_return(*, actor, entry: Entry, reason: str) -> Entry:
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("institution__region", "contest__event")
        .get(pk=entry.pk)
    )
    if not is_city_of(entry.institution, actor):
        raise OutOfScope(_("A city sends the entries of its own schools."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the entry is returned.")})
    if entry.status != EntryStatus.SUBMITTED or entry.contest.event.stage != EventStage.OPEN:
        raise ValidationError(_("Only a submitted entry can be returned."))
    entry, _changed = model_update(
        actor=actor,
        instance=entry,
        data={"status": EntryStatus.RETURNED, "city_note": reason[:300]},
        event="competition.entry_returned",
    )
    return entry


# --- judges and 回避 ----------------------------------------------------------------------------------


def specialty_of(contest: Contest) -> str | None:
    """The 专业大类 code (高职专科 numbering, as the expert pool keeps it) of a contest's 专业类:
    a 中职 category 61–79 corresponds to 41–59."""
    if contest.major_class_id is None:
        return None
    code = int(contest.major_class.code[:2])
    return str(code - 20 if 61 <= code <= 79 else code)


def conflicts(
    expert, *, institution_ids: set[int], city_paths: set[str], avoid_same_city: bool, on
) -> list[str]:
    """The hard 回避 reasons that keep an expert off a contest with these entrants."""
    reasons = []
    if expert_pool.expert_recent_institutions(expert, on=on) & institution_ids:
        years = int(rules.param("PROGRAMMES_AVOID_FORMER_EMPLOYER_YEARS"))
        reasons.append(_("works at an entrant school or left one less than %(n)d years ago") % {"n": years})
    if avoid_same_city and expert.city.path in city_paths:
        reasons.append(_("is from an entrant's city"))
    return reasons


def _entrants(contest: Contest):
    sent = Entry.objects.filter(contest=contest, status=EntryStatus.SENT).select_related(
        "institution__region"
    )
    return {e.institution_id for e in sent}, {city_path(e.institution) for e in sent}


def _loads(pairs: dict[int, list[int]]) -> tuple[int, int]:
    """The busiest and the least busy expert's number of contests (among those who judge)."""
    load: dict[int, int] = {}
    for experts in pairs.values():
        for e in experts:
            load[e] = load.get(e, 0) + 1
    return max(load.values()), min(load.values())


def _judges_choose(contests: list[Contest], candidates: dict[int, list]) -> dict:
    """Which experts judge which contest. When every contest needs the same number of judges, the
    programmes' optimal assignment (``programmes.assignment.solve``: a minimum-cost flow, the
    contest's 专业大类 matched first, then the most even load) — and its greedy baseline on the same
    input, for the report. Contests needing different numbers fall back to the greedy choice below
    (the solver takes one number for all)."""
    needed = {c.judges_needed for c in contests}
    app_field = {c.pk: specialty_of(c) for c in contests}
    if len(needed) == 1:
        experts = {e.pk: e for rows in candidates.values() for e in rows}
        problem = {
            "n": needed.pop(),
            "allowed": {c.pk: [e.pk for e in candidates[c.pk]] for c in contests},
            "app_field": {k: v for k, v in app_field.items() if v is not None},
            "specialties": {pk: list(e.specialties or []) for pk, e in experts.items()},
        }
        result = assignment.solve(**problem)
        baseline = assignment.greedy(**problem)
        top, low = _loads(result.pairs)
        base_top, base_low = _loads(baseline.pairs)
        return {
            "pairs": result.pairs,
            "method": "solver",
            "max_load": top,
            "min_load": low,
            "greedy_max_load": base_top,
            "greedy_min_load": base_low,
        }
    # The contest with the fewest free experts chooses first, each taking the least-loaded experts,
    # those of the contest's 专业大类 first.
    load: dict[int, int] = {}
    pairs: dict[int, list[int]] = {}
    for contest in sorted(contests, key=lambda c: (len(candidates[c.pk]), c.pk)):
        field = app_field[contest.pk]
        ranked = sorted(
            candidates[contest.pk],
            key=lambda e: (load.get(e.pk, 0), field not in (e.specialties or []), e.pk),
        )[: contest.judges_needed]
        pairs[contest.pk] = [e.pk for e in ranked]
        for e in ranked:
            load[e.pk] = load.get(e.pk, 0) + 1
    top, low = _loads(pairs)
    return {"pairs": pairs, "method": "greedy", "max_load": top, "min_load": low}


@transaction.atomic
def judges_assign(*, actor, event: Event) -> dict:
    """Close the entries and give each contest with sent entries its judges from the expert pool:
    no judge with a conflict (hard 回避: an entrant school is the judge's employer or a former one
    within the rule's years, or the judge's city when the event says so), the contest's 专业大类
    matched where possible and loads as even as possible over the event (``_judges_choose``)."""
    _require_province(actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.stage != EventStage.OPEN:
        raise ValidationError(_("Judges are assigned once, when the entries close."))
    contests = [
        c
        for c in event.contests.select_related("major_class")
        if Entry.objects.filter(contest=c, status=EntryStatus.SENT).exists()
    ]
    if not contests:
        raise ValidationError(_("No city has sent an entry yet."))
    pool = list(expert_pool.judging_pool(user=actor).select_related("city"))
    on = today()
    candidates = {}
    for contest in contests:
        institutions, cities = _entrants(contest)
        candidates[contest.pk] = [
            e
            for e in pool
            if not conflicts(
                e,
                institution_ids=institutions,
                city_paths=cities,
                avoid_same_city=event.avoid_same_city,
                on=on,
            )
        ]
    short = [c.name for c in contests if len(candidates[c.pk]) < c.judges_needed]
    if short:
        raise ValidationError(
            _("Not enough experts without a conflict for: %(list)s. Add experts to the pool.")
            % {"list": "、".join(short)}
        )
    chosen = _judges_choose(contests, candidates)
    made = 0
    by_pk = {e.pk: e for e in pool}
    for contest in contests:
        for expert_pk in chosen["pairs"][contest.pk]:
            expert = by_pk[expert_pk]
            model_create(
                actor=actor,
                instance=JudgeAssignment(contest=contest, expert=expert, user=expert.user),
                event="competition.judge_assigned",
            )
            made += 1
    model_update(actor=actor, instance=event, data={"stage": EventStage.JUDGING}, event="competition.stage")
    return {"judges": made, **{k: v for k, v in chosen.items() if k != "pairs"}}


# --- scores ------------------------------------------------------------------------------------------


def clean_scores(rubric: list[dict], items: dict) -> tuple[dict[str, str], Decimal]:
    """The scores by the item's place ("1", "2", …) and their total, by the platform's one rubric
    rule (``programmes.services.rubric_scores_clean``: 0 to the item's highest, at most one decimal;
    a ValidationError keyed by item code)."""
    by_code, total = programme_services.rubric_scores_clean(rubric, items)
    return {str(n): by_code[item["code"]] for n, item in enumerate(rubric, start=1)}, total


@transaction.atomic
def score_submit(*, actor, entry: Entry, items: dict, judge: JudgeAssignment | None = None) -> Score:
    """A judge's scores of an entry of their contest (a correction replaces them until the results
    are approved). The province's competition office may record a judge's signed score sheet
    (``judge`` given). A judge with a conflict with the entry's school is refused."""
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("contest__event", "institution__region")
        .get(pk=entry.pk)
    )
    contest = entry.contest
    judges = JudgeAssignment.objects.filter(contest=contest).select_related("expert__city")
    if judge is not None:
        _require_province(actor)
        judge = judges.filter(pk=judge.pk).first()
    else:
        judge = judges.filter(user_id=getattr(actor, "pk", None)).first()
    if judge is None:
        raise OutOfScope(_("Only a judge of this contest scores its entries."))
    if contest.event.stage != EventStage.JUDGING:
        raise ValidationError(_("Scores are given while the event is being judged."))
    if entry.status != EntryStatus.SENT:
        raise ValidationError(_("Only entries sent by their city are judged."))
    reasons = conflicts(
        judge.expert,
        institution_ids={entry.institution_id},
        city_paths={city_path(entry.institution)},
        avoid_same_city=contest.event.avoid_same_city,
        on=today(),
    )
    if reasons:
        raise ValidationError(
            _("The judge withdraws from this entry (回避): %(why)s.") % {"why": "；".join(reasons)}
        )
    cleaned, total = clean_scores(contest.rubric, items)
    existing = Score.objects.filter(entry=entry, judge=judge).first()
    if existing is not None:
        score, _changed = model_update(
            actor=actor,
            instance=existing,
            data={"items": cleaned, "total": total},
            event="competition.scored",
        )
        return score
    return model_create(
        actor=actor,
        instance=Score(entry=entry, judge=judge, items=cleaned, total=total),
        event="competition.scored",
    )


@transaction.atomic
def entry_time_record(*, actor, entry: Entry, seconds: int) -> Entry:
    """The time an entry used (the tie rule's last step), recorded by the province while judging."""
    _require_province(actor)
    entry = Entry.objects.select_for_update(of=("self",)).select_related("contest__event").get(pk=entry.pk)
    if entry.contest.event.stage != EventStage.JUDGING:
        raise ValidationError(_("Times are recorded while the event is being judged."))
    if not isinstance(seconds, int) or seconds < 0 or seconds > 7 * 24 * 3600:
        raise ValidationError({"seconds": _("Enter the time used in whole seconds.")})
    entry, _changed = model_update(
        actor=actor, instance=entry, data={"time_seconds": seconds}, event="competition.timed"
    )
    return entry


# --- ranking, prizes, results ---------------------------------------------------------------------


def ranking(contest: Contest, entries=None) -> list[tuple[Entry, int, Decimal]]:
    """The sent entries of a contest with their rank and average total, best first (COMP-TIE-BREAK):
    the higher average total; then the higher average on the first rubric item, then the next
    items in order; then the shorter time used (no time counts as the longest); entries equal on
    all of these share a rank (1, 2, 2, 4)."""
    if entries is None:
        entries = Entry.objects.filter(contest=contest, status=EntryStatus.SENT).prefetch_related("scores")
    places = [str(n) for n in range(1, len(contest.rubric) + 1)]
    rows = []
    for entry in entries:
        scores = list(entry.scores.all())
        if not scores:
            continue
        count = Decimal(len(scores))
        mean = (sum((s.total for s in scores), Decimal(0)) / count).quantize(Decimal("0.01"))
        items = tuple(-(sum(Decimal(s.items.get(p, "0")) for s in scores) / count) for p in places)
        time = entry.time_seconds if entry.time_seconds is not None else 10**9
        rows.append(((-mean, items, time), entry, mean))
    rows.sort(key=lambda r: (r[0], r[1].number))
    ranked, previous, rank = [], None, 0
    for i, (key, entry, mean) in enumerate(rows, start=1):
        if key != previous:
            rank, previous = i, key
        ranked.append((entry, rank, mean))
    return ranked


def award_cuts(n: int, ratios: tuple[int, int, int]) -> list[tuple[str, int]]:
    """The last rank of each prize for ``n`` ranked entries: the prizes' shares are cumulative and
    rounded half up (10/20/30 % of 25 entries: ranks 1–3 first, 4–8 second, 9–15 third)."""
    cuts, share = [], 0
    for award, ratio in zip((Award.FIRST, Award.SECOND, Award.THIRD), ratios, strict=True):
        share += ratio
        cuts.append((award, int((Decimal(n * share) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))))
    return cuts


def award_for(rank: int, cuts: list[tuple[str, int]]) -> str:
    """Entries sharing a rank share its prize."""
    for award, last in cuts:
        if rank <= last:
            return award
    return ""


@transaction.atomic
def results_approve(*, actor, event: Event) -> int:
    """The province approves the results once every judge has scored every sent entry: ranks and
    prizes are written (and fixed)."""
    _require_province(actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.stage != EventStage.JUDGING:
        raise ValidationError(_("Results are approved once the judging is under way."))
    ratios = (event.first_ratio, event.second_ratio, event.third_ratio)
    missing = []
    for contest in event.contests.prefetch_related("judges"):
        judges = len(contest.judges.all())
        for entry in Entry.objects.filter(contest=contest, status=EntryStatus.SENT).prefetch_related(
            "scores"
        ):
            if len(entry.scores.all()) < judges:
                missing.append(f"{contest.name} {entry.number}")
    if missing:
        raise ValidationError(_("Scores are missing for: %(list)s.") % {"list": "、".join(missing[:20])})
    ranked_total = 0
    for contest in event.contests.all():
        ranked = ranking(contest)
        cuts = award_cuts(len(ranked), ratios)
        for entry, rank, mean in ranked:
            model_update(
                actor=actor,
                instance=entry,
                data={"score": mean, "rank": rank, "award": award_for(rank, cuts)},
                event="competition.ranked",
            )
        ranked_total += len(ranked)
    model_update(actor=actor, instance=event, data={"stage": EventStage.APPROVED}, event="competition.stage")
    return ranked_total


def _verify_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
        if not AwardCertificate.objects.filter(verify_code=code).exists():
            return code


@transaction.atomic
def results_publish(*, actor, event: Event) -> int:
    """Publish approved results (the public results page) and issue the award certificates."""
    _require_province(actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.stage != EventStage.APPROVED:
        raise ValidationError(_("Only approved results are published."))
    issued = 0
    winners = (
        Entry.objects.filter(contest__event=event, status=EntryStatus.SENT)
        .exclude(award="")
        .select_related("contest", "institution")
        .prefetch_related("members")
        .order_by("contest", "rank", "number")
    )
    on = today()
    for entry in winners:
        if AwardCertificate.objects.filter(entry=entry).exists():
            continue
        model_create(
            actor=actor,
            instance=AwardCertificate(
                entry=entry,
                number=f"JS{event.year}{entry.pk:07d}",
                verify_code=_verify_code(),
                award=entry.award,
                holders="、".join(m.name for m in entry.members.all())[:400],
                institution_name=entry.institution.name,
                contest_name=entry.contest.name,
                event_name=event.name,
                organiser=event.organiser,
                issued_on=on,
            ),
            event="competition.certificate_issued",
        )
        issued += 1
    model_update(
        actor=actor,
        instance=event,
        data={"stage": EventStage.PUBLISHED, "published_at": timezone.now()},
        event="competition.stage",
    )
    return issued
