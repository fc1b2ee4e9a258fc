from rest_framework import serializers

from zhijiao.core.api.serializers import (
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    ServiceModelSerializer,
    choice_label,
)
from zhijiao.core.validators import mask_phone, mask_resident_id
from zhijiao.majors.models import InstitutionMajor
from zhijiao.orgs.models import Institution
from zhijiao.students.choices import ChangeKind, Grade, GraduationOutcome, Pathway, Term
from zhijiao.students.forms import offerings_for_students
from zhijiao.students.models import (
    Enrolment,
    Graduation,
    GraduationList,
    RegistrationBatch,
    StatusChange,
    Student,
)
from zhijiao.students.services import institutions_for_students
from zhijiao.workflows.api.serializers import DecisionSerializer, ReasonSerializer  # noqa: F401 (re-exported)


class EnrolmentSerializer(ModelSerializer):
    status_label = choice_label("status")
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    major_code = serializers.CharField(source="offering.major.code", read_only=True)
    major_name = serializers.CharField(source="offering.major.name", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "student",
            "institution",
            "institution_name",
            "offering",
            "major_code",
            "major_name",
            "class_name",
            "cohort_year",
            "entry_date",
            "study_years",
            "pathway",
            "stage",
            "status",
            "status_label",
            "is_current",
            "registered_at",
            "left_at",
            "batch",
        ]
        read_only_fields = fields


class StudentSerializer(ServiceModelSerializer):
    """ID and phone numbers are masked in the API (the full number only on the audited detail page)."""

    id_number = serializers.CharField(write_only=True, max_length=30)
    id_number_masked = serializers.SerializerMethodField()
    guardian_phone_masked = serializers.SerializerMethodField()
    institution = ScopedPrimaryKeyRelatedField(
        model=Institution, scope=institutions_for_students, write_only=True
    )
    offering = ScopedPrimaryKeyRelatedField(
        model=InstitutionMajor, scope=offerings_for_students, write_only=True
    )
    entry_date = serializers.DateField(write_only=True)
    class_name = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=50)
    study_years = serializers.IntegerField(write_only=True, required=False, min_value=1, max_value=8)
    pathway = serializers.ChoiceField(choices=Pathway.choices, write_only=True, required=False)
    current_institution_name = serializers.CharField(source="current_institution.name", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Student
        fields = [
            "id",
            "name",
            "gender",
            "id_type",
            "id_number",
            "id_number_masked",
            "birth_date",
            "registry_number",
            "current_institution",
            "current_institution_name",
            "guardian_name",
            "guardian_phone",
            "guardian_phone_masked",
            "ethnicity",
            "hukou_region",
            "source_category",
            "aid_category",
            "name_flagged",
            "status",
            "institution",
            "offering",
            "entry_date",
            "class_name",
            "study_years",
            "pathway",
        ]
        read_only_fields = ["registry_number", "current_institution", "name_flagged"]
        extra_kwargs = {
            "guardian_phone": {"write_only": True},
            "birth_date": {"required": False},
            "gender": {"required": False},
        }
        validators = []

    def get_id_number_masked(self, obj) -> str:
        return mask_resident_id(obj.id_number)

    def get_guardian_phone_masked(self, obj) -> str:
        return mask_phone(obj.guardian_phone)

    def get_status(self, obj) -> str | None:
        current = getattr(obj, "current_enrolments", None)
        return current[0].status if current else None


class BatchSerializer(ServiceModelSerializer):
    institution = ScopedPrimaryKeyRelatedField(model=Institution, scope=institutions_for_students)
    # Optional in the schema, as on the model: the autumn intake unless another is named.
    term = serializers.ChoiceField(choices=Term.choices, default=Term.AUTUMN)
    year = serializers.IntegerField(min_value=2000, max_value=2100)  # as the page's form
    status_label = choice_label("status")

    class Meta:
        model = RegistrationBatch
        fields = [
            "id",
            "institution",
            "year",
            "term",
            "status",
            "status_label",
            "deadline",
            "override_reason",
            "submitted_at",
            "approved_at",
            "approval",
        ]
        read_only_fields = [
            "status",
            "deadline",
            "override_reason",
            "submitted_at",
            "approved_at",
            "approval",
        ]


class StatusChangeSerializer(ServiceModelSerializer):
    student = serializers.PrimaryKeyRelatedField(queryset=Student.objects.none())
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    target_institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True
    )
    target_offering = serializers.PrimaryKeyRelatedField(
        queryset=InstitutionMajor.objects.all(), required=False, allow_null=True
    )
    status_label = choice_label("status")

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "student",
            "enrolment",
            "kind",
            "status",
            "status_label",
            "reason",
            "effective_date",
            "months",
            "suspension_reason",
            "from_status",
            "to_status",
            "target_institution",
            "target_offering",
            "target_class_name",
            "applied_at",
            "new_enrolment",
            "approval",
            "created_at",
        ]
        read_only_fields = [
            "enrolment",
            "status",
            "from_status",
            "to_status",
            "applied_at",
            "new_enrolment",
            "approval",
            "created_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            from zhijiao.students.selectors import student_list

            self.fields["student"].queryset = student_list(user=request.user, action="change")


class GraduationSerializer(ModelSerializer):
    student = serializers.IntegerField(source="enrolment.student_id", read_only=True)
    student_name = serializers.CharField(source="enrolment.student.name", read_only=True)
    institution = serializers.IntegerField(source="enrolment.institution_id", read_only=True)

    class Meta:
        model = Graduation
        fields = [
            "id",
            "enrolment",
            "student",
            "student_name",
            "institution",
            "outcome",
            "graduation_date",
            "status",
            "conduct_grade",
            "internship_grade",
            "credits_complete",
            "approved_by",
            "approved_at",
            "replaces",
            "graduation_list",
            "ineligible_reasons",
        ]
        read_only_fields = fields


class GraduationEntrySerializer(serializers.Serializer):
    enrolment = serializers.PrimaryKeyRelatedField(queryset=Enrolment.objects.none())
    outcome = serializers.ChoiceField(choices=GraduationOutcome.choices, default=GraduationOutcome.GRADUATED)
    credits_complete = serializers.BooleanField(default=False)
    internship_grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, default="")
    conduct_grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, default="")
    replaces = serializers.PrimaryKeyRelatedField(
        queryset=Graduation.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            from zhijiao.students.selectors import enrolment_list, graduation_list

            self.fields["enrolment"].queryset = enrolment_list(user=request.user, action="change")
            self.fields["replaces"].queryset = graduation_list(user=request.user, action="change")


class GraduationListSerializer(ServiceModelSerializer):
    institution = ScopedPrimaryKeyRelatedField(model=Institution, scope=institutions_for_students)
    entries = GraduationEntrySerializer(many=True, write_only=True)
    graduations = GraduationSerializer(many=True, read_only=True)

    class Meta:
        model = GraduationList
        fields = [
            "id",
            "institution",
            "year",
            "graduation_date",
            "status",
            "submitted_at",
            "approval",
            "entries",
            "graduations",
        ]
        read_only_fields = ["status", "submitted_at", "approval"]
