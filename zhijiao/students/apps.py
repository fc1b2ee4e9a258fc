from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import SCHOOL_SIDE, MenuGroup, MenuItem

#: Menu entries a student sees (a user with a student record).
STUDENT = "zhijiao.students.selectors.user_has_student_record"


class StudentsConfig(AppConfig):
    name = "zhijiao.students"
    label = "students"
    verbose_name = _("Student registry")
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule): counts recounted nightly.
    beat_schedule = {
        "students.tally_rebuild": {
            "task": "core.tally_rebuild",
            "schedule": crontab(hour=3, minute=0),
            "kwargs": {
                "specs": [
                    "zhijiao.students.tallies.STUDENTS",
                    "zhijiao.students.tallies.ENROLMENTS",
                    "zhijiao.students.tallies.ENROLMENT_MIX",
                ]
            },
        },
        # 休学 ending / not back after one (XJ-FUXUE), each morning; safe to run twice.
        "students.suspension_reminders": {
            "task": "students.suspension_reminders",
            "schedule": crontab(hour=7, minute=30),
        },
    }
    notification_kinds = "zhijiao.students.choices.NotificationKind"
    urls = [("students/", "zhijiao.students.urls")]
    demo_loader = DemoLoader("zhijiao.students.demo.load_demo_students")
    api_routes = "zhijiao.students.api.routes.register"
    home_panels = "zhijiao.students.home.panels"
    importers = "zhijiao.students.importers"
    autocomplete = "zhijiao.students.autocomplete"

    menu = [
        MenuGroup("registry", _("Student registry"), order=30),
        MenuItem(_("Students"), "students:student_list", "registry", "view", SCHOOL_SIDE),
        MenuItem(_("Registration batches"), "students:batch_list", "registry", "view", SCHOOL_SIDE),
        MenuItem(_("Status changes"), "students:change_list", "registry", "view", SCHOOL_SIDE),
        MenuItem(_("Term registration"), "students:term_registration", "registry", "view", SCHOOL_SIDE),
        MenuItem(_("Registry statistics"), "students:statistics", "registry", "view", SCHOOL_SIDE),
        MenuItem(_("Graduation lists"), "students:graduation_list_list", "registry", "view", SCHOOL_SIDE),
        MenuItem(_("My record"), "students:me", "mine", None, visible_if=STUDENT),
    ]
    # The 学籍 rules in the platform's rule registry (core.rules).
    rules = "zhijiao.students.rules"
    lifecycles = "zhijiao.students.lifecycles"
