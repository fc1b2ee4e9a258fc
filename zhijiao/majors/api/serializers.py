from rest_framework import serializers

from zhijiao.core.api.serializers import (
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    ServiceModelSerializer,
    choice_label,
)
from zhijiao.core.validators import validate_plain_text
from zhijiao.majors.forms import institutions_for_offerings
from zhijiao.majors.models import InstitutionMajor, Major, MajorCategory, MajorClass
from zhijiao.majors.selectors import major_list
from zhijiao.orgs.models import Institution


class MajorCategorySerializer(ModelSerializer):
    level_label = choice_label("level")

    class Meta:
        model = MajorCategory
        fields = ["id", "level", "level_label", "code", "name"]
        read_only_fields = fields


class MajorClassSerializer(ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    level = serializers.CharField(source="category.level", read_only=True)

    class Meta:
        model = MajorClass
        fields = ["id", "code", "name", "category", "category_code", "category_name", "level"]
        read_only_fields = fields


class MajorSerializer(ModelSerializer):
    level_label = choice_label("level")
    major_class_code = serializers.CharField(source="major_class.code", read_only=True)
    major_class_name = serializers.CharField(source="major_class.name", read_only=True)
    category = serializers.IntegerField(source="major_class.category_id", read_only=True)
    category_code = serializers.CharField(source="major_class.category.code", read_only=True)
    category_name = serializers.CharField(source="major_class.category.name", read_only=True)

    class Meta:
        model = Major
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_label",
            "is_controlled",
            "catalogue_version",
            "note",
            "major_class",
            "major_class_code",
            "major_class_name",
            "category",
            "category_code",
            "category_name",
        ]
        read_only_fields = fields


class OfferingSerializer(ServiceModelSerializer):
    institution = ScopedPrimaryKeyRelatedField(model=Institution, scope=institutions_for_offerings)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    major = ScopedPrimaryKeyRelatedField(model=Major, scope=lambda user: major_list(user=user))
    major_code = serializers.CharField(source="major.code", read_only=True)
    major_name = serializers.CharField(source="major.name", read_only=True)
    level = serializers.CharField(source="major.level", read_only=True)
    status_label = choice_label("status")

    class Meta:
        model = InstitutionMajor
        fields = [
            "id",
            "institution",
            "institution_name",
            "major",
            "major_code",
            "major_name",
            "level",
            "start_year",
            "status",
            "status_label",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # The model's note has no markup validator; the page form refuses markup, so does the API.
        extra_kwargs = {"note": {"validators": [validate_plain_text]}}
        # institution + major + year uniqueness is checked by the service, with its own message.
        validators = []
