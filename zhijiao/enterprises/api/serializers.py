from rest_framework import serializers

from zhijiao.core.api.serializers import ScopedPrimaryKeyRelatedField, ServiceModelSerializer, choice_label
from zhijiao.enterprises.models import Enterprise
from zhijiao.orgs.models import Region
from zhijiao.orgs.selectors import regions_for_change


class EnterpriseSerializer(ServiceModelSerializer):
    """``contact_phone`` is masked (``core.sensitive``); ``POST …/{id}/reveal/`` shows it in full."""

    region = ScopedPrimaryKeyRelatedField(model=Region, scope=regions_for_change)
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    industry_label = choice_label("industry")

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "credit_code",
            "name",
            "industry",
            "industry_label",
            "region",
            "region_code",
            "region_name",
            "headcount",
            "contact_name",
            "contact_phone",
            "address",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
