import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import User


class UserTable(tables.Table):
    username = tables.LinkColumn("accounts:user_detail", args=[tables.A("pk")], verbose_name=_("Username"))
    display_name = tables.Column(verbose_name=_("Display name"))
    roles = tables.Column(verbose_name=_("Roles"), empty_values=(), orderable=False)
    email = tables.Column(verbose_name=_("E-mail"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))
    last_login = tables.DateTimeColumn(verbose_name=_("Last sign-in"), format="Y-m-d H:i")

    class Meta:
        model = User
        fields = ("username", "display_name", "roles", "email", "is_active", "last_login")
        order_by = ("username",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No users match.")

    def render_roles(self, record):
        # role_assignments is prefetched by accounts.selectors.user_list (no query per row).
        items = [(ra.get_role_display(), ra.node or "") for ra in record.role_assignments.all()]
        if not items:
            return "—"
        return format_html_join(
            mark_safe("<br>"), '<span class="badge text-bg-light border">{}</span> {}', items
        )


def user_export_rows(queryset):
    from zhijiao.core.validators import mask_phone

    # iterator(chunk_size) keeps memory flat and still runs the role prefetch per chunk.
    for user in queryset.iterator(chunk_size=500):
        roles = "; ".join(f"{ra.get_role_display()} · {ra.node or '-'}" for ra in user.role_assignments.all())
        yield [
            user.username,
            user.display_name,
            roles,
            user.email,
            mask_phone(user.phone) if user.phone else "",
            _("yes") if user.is_active else _("no"),
            user.last_login.strftime("%Y-%m-%d %H:%M") if user.last_login else "",
        ]


USER_EXPORT_HEADERS = [
    _("Username"),
    _("Display name"),
    _("Roles"),
    _("E-mail"),
    _("Phone"),
    _("Active"),
    _("Last sign-in"),
]
