"""技能大赛: an event (year, level, organiser, dates, award ratios) with contests by 专业类 and kind
(students' skills, teachers' teaching ability, 班主任 ability; team or individual; quotas per school
and per city; a rubric), schools' entries of students from the registry or of teachers, judges from
the programmes expert pool, scores per judge and rubric item, and award certificates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel
from zhijiao.core.scoping import Rel

from .choices import Award, ContestKind, EntryStatus, EventLevel, EventStage, MemberKind


class Event(ScopedModel):
    """A competition event (e.g. the 2021 provincial vocational-college skills competition).
    Every signed-in user reads events; the organising authority (the province) changes them."""

    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("organising authority"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(
        _("competition level"), max_length=12, choices=EventLevel.choices, default=EventLevel.PROVINCIAL
    )
    organiser = models.CharField(_("organiser"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    entry_deadline = models.DateField(_("entry deadline (schools)"))
    city_deadline = models.DateField(_("deadline for the cities to send entries"))
    stage = models.CharField(
        _("stage"), max_length=10, choices=EventStage.choices, default=EventStage.OPEN, db_index=True
    )
    first_ratio = models.PositiveSmallIntegerField(_("first prizes (per cent of entries)"))
    second_ratio = models.PositiveSmallIntegerField(_("second prizes (per cent of entries)"))
    third_ratio = models.PositiveSmallIntegerField(_("third prizes (per cent of entries)"))
    avoid_same_city = models.BooleanField(_("judges from an entrant's city withdraw"), default=False)
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo values"), default=False)

    scope_region_path = "region__path"
    scope_public_view = True
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("competition event")
        verbose_name_plural = _("competition events")
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_ratio__lte=100 - models.F("second_ratio") - models.F("third_ratio")),
                name="competitions_event_ratios",
                violation_error_message=_("The prize ratios add up to at most 100 %."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="competitions_event_dates",
                violation_error_message=_("An event ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contest(ScopedModel):
    """One contest of an event (赛项): a 专业类 and a kind, team or individual, the entries each
    school and each city may send, the rubric (items with their highest scores)."""

    event = models.ForeignKey(
        Event, verbose_name=_("competition event"), on_delete=models.PROTECT, related_name="contests"
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=14, choices=ContestKind.choices)
    major_class = models.ForeignKey(
        "majors.MajorClass",
        verbose_name=_("major class"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    require_major = models.BooleanField(_("students must study a major of the 专业类"), default=True)
    team_size = models.PositiveSmallIntegerField(_("members per entry"), default=1)
    quota_per_school = models.PositiveSmallIntegerField(_("entries per school"))
    quota_per_city = models.PositiveSmallIntegerField(_("entries per city"))
    judges_needed = models.PositiveSmallIntegerField(_("judges"), default=3)
    rubric = models.JSONField(_("rubric"), default=list)
    blind = models.BooleanField(_("blind judging"), default=True)
    is_demo = models.BooleanField(_("demo values"), default=False)

    scope_region_path = "event__region__path"
    scope_public_view = True
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["event", "kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team_size__gte=1, judges_needed__gte=1),
                name="competitions_contest_sizes",
                violation_error_message=_("A contest has at least one member per entry and one judge."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_team(self) -> bool:
        return self.team_size > 1

    @property
    def for_students(self) -> bool:
        return self.kind == ContestKind.STUDENT_SKILLS


class Entry(ScopedModel):
    """A school's entry to a contest (a student, a team of students, or teachers). The judges of
    the contest see the entries of their contest (without the school when it is judged blind)."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("contest"), on_delete=models.PROTECT, related_name="entries"
    )
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("entry number"), max_length=20)
    team_name = models.CharField(_("team name"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.SUBMITTED, db_index=True
    )
    city_note = models.CharField(_("city's note"), max_length=300, blank=True)
    time_seconds = models.PositiveIntegerField(_("time used (seconds)"), null=True, blank=True)
    score = models.DecimalField(_("average score"), max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("ranking"), null=True, blank=True)
    award = models.CharField(_("prize"), max_length=8, choices=Award.choices, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})
    scope_relations = {"view": (Rel.assigned("contest__judges"),)}

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["contest", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "number"],
                name="competitions_entry_number",
                violation_error_message=_("This entry number is taken."),
            )
        ]
        indexes = [models.Index(fields=["contest", "institution", "status"], name="competitions_entry_quota")]

    def __str__(self) -> str:
        return f"{self.contest} · {self.number}"


class EntryMember(models.Model):
    """A member of an entry: a student of the registry, or a teacher by name. Read through the entry."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="members"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MemberKind.choices)
    student = models.ForeignKey(
        "students.Student",
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("full name"), max_length=50)

    class Meta:
        verbose_name = _("entry member")
        verbose_name_plural = _("entry members")
        ordering = ["entry", "pk"]

    def __str__(self) -> str:
        return self.name


class JudgeAssignment(ScopedModel):
    """An expert of the pool judging a contest; the judges of a contest see one another."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="judges"
    )
    expert = models.ForeignKey(
        "programmes.Expert", verbose_name=_("expert"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("judge account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_region_path = "contest__event__region__path"
    scope_change_nodes = frozenset({"region"})
    scope_relations = {"view": (Rel.assigned("contest__judges"),)}

    class Meta:
        verbose_name = _("judge assignment")
        verbose_name_plural = _("judge assignments")
        ordering = ["contest", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "expert"],
                name="competitions_judge_unique",
                violation_error_message=_("This expert already judges this contest."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.expert}"


class Score(ScopedModel):
    """One judge's scores of one entry, per rubric item (by the item's place, "1", "2", …)."""

    entry = models.ForeignKey(Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(
        JudgeAssignment, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="scores"
    )
    items = models.JSONField(_("scores"), default=dict)
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=2)

    scope_region_path = "entry__contest__event__region__path"
    scope_change_nodes = frozenset({"region"})
    scope_relations = {
        "view": (Rel.assigned("entry__contest__judges"),),
        "change": (Rel.assigned("entry__contest__judges"),),
    }

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["entry", "judge"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "judge"],
                name="competitions_score_unique",
                violation_error_message=_("This judge has scored this entry already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry} · {self.judge.expert}"


class AwardCertificate(ScopedModel):
    """An award certificate (获奖证书) of a published result: its number and the random code printed
    on it with a QR, looked up on the public verification page. The text is copied at issue."""

    entry = models.OneToOneField(
        Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    verify_code = models.CharField(_("online verification code"), max_length=16, unique=True)
    award = models.CharField(_("prize"), max_length=8, choices=Award.choices)
    holders = models.CharField(_("winners"), max_length=400)
    institution_name = models.CharField(_("school"), max_length=200)
    contest_name = models.CharField(_("contest"), max_length=200)
    event_name = models.CharField(_("competition event"), max_length=200)
    organiser = models.CharField(_("organiser"), max_length=200)
    issued_on = models.DateField(_("date of award"))

    scope_region_path = "entry__institution__region__path"
    scope_institution = "entry__institution_id"
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("award certificate")
        verbose_name_plural = _("award certificates")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number
