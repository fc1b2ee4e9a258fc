"""Internships (实习): plans, posts, placements and everything hung on a placement.

Rules of 《职业学校学生实习管理规定》 (教职成〔2021〕4号) live in ``rules.py``; writes in ``services.py``.
Domain notes: ``shared/domain/internships.md``.
"""

from .activity import (
    CheckIn,
    DirectReport,
    Evaluation,
    PayRecord,
    Report,
)
from .aggregates import (
    HostTally,
)
from .alerts import (
    Alert,
)
from .base import (
    GRADE_CHOICES,
    validate_attachment_size,
)
from .batch import (
    EarlyTermination,
    LeaveRequest,
    PostChange,
)
from .exceptions import (
    RuleException,
)
from .incidents import (
    Incident,
    IncidentFollowUp,
)
from .inspections import (
    Inspection,
    InspectionItem,
)
from .placements import (
    Agreement,
    InsurancePolicy,
    MentorAssignment,
    Placement,
    _PlacementChild,
)
from .plans import (
    InternshipPlan,
    Post,
)
from .safety import (
    PlacementSafety,
)
from .vetting import (
    BlacklistEntry,
    HostAssessment,
)

__all__ = [
    "GRADE_CHOICES",
    "validate_attachment_size",
    "InternshipPlan",
    "Post",
    "Placement",
    "_PlacementChild",
    "Agreement",
    "InsurancePolicy",
    "MentorAssignment",
    "CheckIn",
    "Report",
    "DirectReport",
    "PayRecord",
    "Evaluation",
    "Alert",
    "HostTally",
    "RuleException",
    "Inspection",
    "InspectionItem",
    "PostChange",
    "LeaveRequest",
    "EarlyTermination",
    "HostAssessment",
    "BlacklistEntry",
    "PlacementSafety",
    "Incident",
    "IncidentFollowUp",
]
