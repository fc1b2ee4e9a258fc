"""Pages of the student registry: roster, one student (history, masked ID), registration batches,
status changes, graduation lists, and the student's own page (/students/me/). One module per
subject; every name is re-exported here, so ``views.BatchDetailView`` keeps working."""

from .graduation import (
    GraduationListAddView,
    GraduationListDetailView,
    GraduationListListView,
    _internship_grades,
)
from .photos import PhotoImportView, StudentPhotoFileView
from .quality import TermRegistrationReportView
from .records import (
    MyRecordView,
    StudentAccountView,
    StudentAddView,
    StudentDetailView,
    StudentListView,
    StudentPhotoView,
    _get,
    _student_account,
    student_context,
)
from .registration import (
    BatchAddView,
    BatchDetailView,
    BatchListView,
    _ApprovalPageView,
)
from .statistics import RegistryStatisticsView
from .status_changes import (
    StatusChangeAddView,
    StatusChangeDetailView,
    StatusChangeListView,
)

__all__ = [
    "GraduationListAddView",
    "GraduationListDetailView",
    "GraduationListListView",
    "_internship_grades",
    "MyRecordView",
    "StudentAccountView",
    "StudentAddView",
    "StudentDetailView",
    "StudentListView",
    "StudentPhotoView",
    "StudentPhotoFileView",
    "PhotoImportView",
    "RegistryStatisticsView",
    "_get",
    "_student_account",
    "student_context",
    "BatchAddView",
    "BatchDetailView",
    "BatchListView",
    "_ApprovalPageView",
    "StatusChangeAddView",
    "StatusChangeDetailView",
    "StatusChangeListView",
    "TermRegistrationReportView",
]
