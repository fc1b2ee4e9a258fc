from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import ENTERPRISE, SCHOOL_SIDE, MenuGroup, MenuItem

#: Menu entries a student sees (a user with a student record).
STUDENT = "zhijiao.students.selectors.user_has_student_record"


class InternshipsConfig(AppConfig):
    name = "zhijiao.internships"
    label = "internships"
    verbose_name = _("Internships")
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule), Asia/Shanghai times.
    beat_schedule = {
        # The compliance sweep (alerts, escalation) as a job row, before the offices open.
        "internships.sweep": {
            "task": "core.enqueue_job",
            "schedule": crontab(hour=1, minute=15),
            "kwargs": {"kind": "internships.sweep"},
        },
        "internships.tally_rebuild": {
            "task": "core.tally_rebuild",
            "schedule": crontab(hour=3, minute=30),
            "kwargs": {
                "specs": [
                    "zhijiao.internships.tallies.PLACEMENTS",
                    "zhijiao.internships.tallies.ALERTS_OPEN",
                    "zhijiao.internships.tallies.ALERTS_LEVEL",
                    "zhijiao.internships.tallies.ALERTS_HOST",
                ],
                "sql": [
                    "zhijiao.internships.tallies.BLOCKED_REBUILD",
                    "zhijiao.internships.tallies.DASHBOARD_REBUILD",
                ],
            },
        },
        # Overdue incident reports and follow-ups (直报), every hour at :20; safe to run twice.
        "internships.incidents_escalate": {
            "task": "internships.incidents_escalate",
            "schedule": crontab(minute=20),
        },
    }
    notification_kinds = "zhijiao.internships.models.incidents.NotificationKind"
    urls = [("internships/", "zhijiao.internships.urls")]
    demo_loader = DemoLoader("zhijiao.internships.demo.load_demo_internships", after=("students",))
    api_routes = "zhijiao.internships.api.routes.register"
    home_panels = "zhijiao.internships.home.panels"
    autocomplete = "zhijiao.internships.autocomplete"
    #: The registry prefills graduation entries with these grades (students.views).
    enrolment_grades = "zhijiao.internships.selectors.internship_grades_for"

    menu = [
        MenuGroup("internships", _("Internships"), order=50),
        MenuItem(_("Internship dashboard"), "internships:dashboard", "internships", "view", SCHOOL_SIDE),
        MenuItem(_("Internship plans"), "internships:plan_list", "internships", "view", SCHOOL_SIDE),
        MenuItem(
            _("Internship posts"), "internships:post_list", "internships", "view", SCHOOL_SIDE | {ENTERPRISE}
        ),
        MenuItem(
            _("Placements"), "internships:placement_list", "internships", "view", SCHOOL_SIDE | {ENTERPRISE}
        ),
        MenuItem(_("Host assessments"), "internships:assessment_list", "internships", "view", SCHOOL_SIDE),
        MenuItem(_("Published host list"), "internships:host_list", "internships", "view", SCHOOL_SIDE),
        MenuItem(_("Host blacklist"), "internships:blacklist_list", "internships", "view", SCHOOL_SIDE),
        MenuItem(_("Compliance alerts"), "internships:alert_list", "internships", "view", SCHOOL_SIDE),
        MenuItem(_("Direct reports"), "internships:direct_report_list", "internships", "view", SCHOOL_SIDE),
        MenuItem(_("Incident reports"), "internships:incident_list", "internships", "view", SCHOOL_SIDE),
        MenuItem(_("Special inspections"), "internships:inspection_list", "internships", "view", SCHOOL_SIDE),
        MenuItem(
            _("Mentor worklist"), "internships:worklist", "internships", "change", SCHOOL_SIDE | {ENTERPRISE}
        ),
        MenuItem(_("My internship"), "internships:my", "mine", None, visible_if=STUDENT),
        MenuItem(
            _("Reports reviewed per teacher"),
            "internships:teacher_counts",
            "internships",
            "view",
            SCHOOL_SIDE,
        ),
        MenuItem(_("My leave requests"), "internships:my_leave", "mine", None, visible_if=STUDENT),
        # 教职成〔2021〕4号第七条: the school's published host list, open to its students (and parents).
        MenuItem(_("My school's host list"), "internships:host_list", "mine", None, visible_if=STUDENT),
    ]
    # The rules of 《职业学校学生实习管理规定》 in the platform's rule registry (core.rules).
    rules = "zhijiao.internships.rules"
    lifecycles = "zhijiao.internships.lifecycles"
    # Placements and insurance lists through the shared import pipeline (core.importing).
    importers = "zhijiao.internships.importers"
