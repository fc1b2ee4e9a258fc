from zhijiao.accounts.filtersets import UserFilterSet
from zhijiao.accounts.models import User
from zhijiao.accounts.selectors import user_list
from zhijiao.core.api.views import RevealMixin, ScopedReadOnlyViewSet

from .serializers import UserSerializer


class UserViewSet(RevealMixin, ScopedReadOnlyViewSet):
    """Users whose roles lie in the caller's subtree; only for callers who manage users."""

    model = User
    required_action = "manage_users"
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ("username", "date_joined", "last_login")
    ordering = ("username",)

    def select(self, scope_action: str):
        # Reading users is itself the manage_users right: an auditor or expert sees none.
        return user_list(viewer=self.request.user, action="manage_users")
