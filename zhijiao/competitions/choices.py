from django.db import models
from django.utils.translation import gettext_lazy as _


class EventLevel(models.TextChoices):
    PROVINCIAL = "provincial", _("Provincial competition (省赛)")


class EventStage(models.TextChoices):
    OPEN = "open", _("Open for entries")
    JUDGING = "judging", _("Judging")
    APPROVED = "approved", _("Results approved")
    PUBLISHED = "published", _("Results published")


class ContestKind(models.TextChoices):
    STUDENT_SKILLS = "student_skills", _("Students' skills competition")
    TEACHING = "teaching", _("Teachers' teaching ability competition")
    HEAD_TEACHER = "head_teacher", _("Head teachers' (班主任) ability competition")


class EntryStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted to the city")
    SENT = "sent", _("Approved and sent by the city")
    RETURNED = "returned", _("Returned by the city")
    WITHDRAWN = "withdrawn", _("Withdrawn by the school")


class MemberKind(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")


class Award(models.TextChoices):
    FIRST = "first", _("First prize (一等奖)")
    SECOND = "second", _("Second prize (二等奖)")
    THIRD = "third", _("Third prize (三等奖)")
