from rest_framework import serializers

from zhijiao.core.api.serializers import (
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    ServiceModelSerializer,
    choice_label,
)
from zhijiao.orgs.models import Institution, Region
from zhijiao.orgs.selectors import regions_for_change


class RegionSerializer(ModelSerializer):
    level_label = choice_label("level")
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_label", "parent", "parent_name", "path"]
        read_only_fields = fields


class InstitutionSerializer(ServiceModelSerializer):
    region = ScopedPrimaryKeyRelatedField(model=Region, scope=regions_for_change)
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    kind_label = choice_label("kind")
    ownership_label = choice_label("ownership")
    status_label = choice_label("status")

    class Meta:
        model = Institution
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "ownership",
            "ownership_label",
            "region",
            "region_code",
            "region_name",
            "supervising_authority",
            "status",
            "status_label",
            "address",
            "website",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is checked by the service (full_clean), in the same transaction as the write.
        validators = []
