from rest_framework import serializers

from zhijiao.accounts.models import RoleAssignment, User
from zhijiao.core.api.serializers import ModelSerializer, choice_label
from zhijiao.core.validators import mask_phone


class RoleAssignmentSerializer(ModelSerializer):
    role_label = choice_label("role")
    node_kind = serializers.CharField(read_only=True, allow_null=True)
    node_name = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "role_label", "node_kind", "region", "institution", "enterprise", "node_name"]
        read_only_fields = fields

    def get_node_name(self, obj: RoleAssignment) -> str | None:
        node = obj.node
        return str(node) if node is not None else None


class UserSerializer(ModelSerializer):
    """Who a user is and which roles they hold where; never the password hash. Phone masked."""

    roles = RoleAssignmentSerializer(source="role_assignments", many=True, read_only=True)
    phone = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "phone",
            "is_active",
            "last_login",
            "date_joined",
            "roles",
        ]
        read_only_fields = fields

    def get_phone(self, obj: User) -> str:
        return mask_phone(obj.phone) if obj.phone else ""
