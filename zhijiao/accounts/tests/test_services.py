from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhijiao.accounts import services
from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment, User
from zhijiao.accounts.selectors import can_grant, can_manage_user, grantable_roles, user_list
from zhijiao.core.context import client_ip_var, request_id_var
from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.core.testing import TEST_PASSWORD, make_user

GOOD = "Kx7#mPq2-vLn"

pytestmark = pytest.mark.django_db


def messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- password policy ------------------------------------------------------------------------------


class TestPasswordPolicy:
    @pytest.mark.parametrize(
        "password, expected",
        [
            ("Ab1!xyz", "too short"),
            ("abcdefghjkmnpq", "at least 3 of"),
            ("Password123", "common password"),
            ("Zhangwei2024!", "too similar to the username"),
        ],
    )
    def test_weak_passwords_are_rejected_with_a_message(self, world, password, expected):
        user = make_user("zhangwei2024", Role.SCHOOL_ADMIN, node=world.school_a)
        with pytest.raises(ValidationError) as exc:
            services.user_set_password(actor=user, user=user, password=password)
        assert expected in messages_of(exc.value)
        user.refresh_from_db()
        assert user.check_password(TEST_PASSWORD)

    def test_a_strong_password_is_set_and_dated(self, world):
        user = world["school_a"]
        services.user_set_password(actor=user, user=user, password=GOOD)
        user.refresh_from_db()
        assert user.check_password(GOOD)
        assert user.password_changed_at is not None
        entry = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk)).first()
        assert entry.action == AuditAction.UPDATE
        assert "password" not in (entry.after or {})
        assert "password_changed_at" in entry.after

    def test_user_create_runs_the_validators(self, world):
        with pytest.raises(ValidationError) as exc:
            services.user_create(
                actor=world["province_admin"], username="newbie", display_name="新用户", password="short"
            )
        assert "too short" in messages_of(exc.value)
        assert not User.objects.filter(username="newbie").exists()

    def test_a_manager_resets_a_managed_users_password(self, world):
        services.user_set_password(actor=world["jinan"], user=world["school_a"], password=GOOD)
        assert authenticate(username="school_a", password=GOOD) is not None

    def test_out_of_scope_password_reset_is_refused(self, world):
        with pytest.raises(OutOfScope):
            services.user_set_password(actor=world["qingdao"], user=world["school_a"], password=GOOD)
        world["school_a"].refresh_from_db()
        assert world["school_a"].check_password(TEST_PASSWORD)


# --- users ---------------------------------------------------------------------------------------


class TestUserCreate:
    def test_province_creates_a_user_without_a_role(self, world):
        user = services.user_create(
            actor=world["province_admin"],
            username="pool1",
            display_name="张三",
            password=GOOD,
            email="Pool1@Example.cn",
            phone="13912345678",
        )
        assert user.check_password(GOOD)
        assert user.email == "pool1@example.cn"
        entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(user.pk))
        assert entry.action == AuditAction.CREATE
        assert entry.after["phone"] != "13912345678"  # masked in the audit log
        assert "password" not in entry.after

    def test_school_admin_creates_a_colleague_for_its_own_school(self, world):
        user = services.user_create(
            actor=world["school_a"],
            username="teacher_a",
            display_name="李老师",
            password=GOOD,
            role=Role.SCHOOL_ADMIN,
            institution=world.school_a,
        )
        assert list(user.role_assignments.values_list("role", "institution")) == [
            (Role.SCHOOL_ADMIN, world.school_a.pk)
        ]
        assert user_list(viewer=world["school_a"]).filter(pk=user.pk).exists()

    def test_school_admin_cannot_create_a_user_it_would_not_see(self, world):
        with pytest.raises(OutOfScope):
            services.user_create(actor=world["school_a"], username="ghost", display_name="x", password=GOOD)
        assert not User.objects.filter(username="ghost").exists()

    @pytest.mark.parametrize(
        "actor, role, node",
        [
            ("school_a", Role.PROVINCE_ADMIN, "province"),
            ("school_a", Role.SCHOOL_ADMIN, "school_b"),
            ("school_a", Role.CITY_ADMIN, "jinan"),
            ("jinan", Role.SCHOOL_ADMIN, "school_b"),
            ("jinan", Role.CITY_ADMIN, "qingdao"),
            ("jinan", Role.AUDITOR, "province"),
            ("jinan", Role.EXPERT, None),
            ("province_staff", Role.SCHOOL_ADMIN, "school_a"),
            ("auditor", Role.SCHOOL_ADMIN, "school_a"),
        ],
    )
    def test_roles_outside_or_above_the_actor_are_refused(self, world, actor, role, node):
        node_obj = getattr(world, node) if node else None
        kwargs = {}
        if node_obj is not None:
            kwargs[{"Region": "region", "Institution": "institution"}[type(node_obj).__name__]] = node_obj
        with pytest.raises(OutOfScope):
            services.user_create(
                actor=world[actor], username="x1", display_name="x", password=GOOD, role=role, **kwargs
            )
        assert not User.objects.filter(username="x1").exists()

    def test_duplicate_username_is_refused_case_insensitively(self, world):
        with pytest.raises(ValidationError) as exc:
            services.user_create(
                actor=world["province_admin"], username="School_A", display_name="x", password=GOOD
            )
        assert "already exists" in messages_of(exc.value)

    def test_markup_in_display_name_is_refused(self, world):
        with pytest.raises(ValidationError):
            services.user_create(
                actor=world["province_admin"],
                username="xss",
                display_name="<script>alert(1)</script>",
                password=GOOD,
            )


class TestUserUpdate:
    def test_in_scope_update_is_saved_and_audited(self, world):
        user, changed = services.user_update(
            actor=world["jinan"], user=world["school_a"], data={"display_name": "  济南一中专 管理员 "}
        )
        assert changed
        user.refresh_from_db()
        assert user.display_name == "济南一中专 管理员"
        entry = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk)).first()
        assert entry.before == {"display_name": ""}
        assert entry.after == {"display_name": "济南一中专 管理员"}

    def test_no_op_writes_nothing(self, world):
        before = AuditEntry.objects.count()
        _user, changed = services.user_update(
            actor=world["school_a"], user=world["school_a"], data={"email": ""}
        )
        assert not changed
        assert AuditEntry.objects.count() == before

    def test_other_school_cannot_edit(self, world):
        with pytest.raises(OutOfScope):
            services.user_update(actor=world["school_b"], user=world["school_a"], data={"display_name": "x"})
        world["school_a"].refresh_from_db()
        assert world["school_a"].display_name == ""

    def test_bad_phone_is_refused(self, world):
        with pytest.raises(ValidationError) as exc:
            services.user_update(actor=world["school_a"], user=world["school_a"], data={"phone": "call me"})
        assert "phone" in exc.value.message_dict

    def test_a_user_with_a_role_above_the_actor_cannot_be_edited(self, world):
        # The province admin also holds a role inside 济南: 济南 sees them but may not manage them.
        pa = world["province_admin"]
        RoleAssignment.objects.create(user=pa, role=Role.SCHOOL_ADMIN, institution=world.school_a)
        assert user_list(viewer=world["jinan"]).filter(pk=pa.pk).exists()
        assert not can_manage_user(world["jinan"], user_list(viewer=world["jinan"]).get(pk=pa.pk))
        with pytest.raises(OutOfScope):
            services.user_update(actor=world["jinan"], user=pa, data={"display_name": "x"})
        with pytest.raises(OutOfScope):
            services.user_set_password(actor=world["jinan"], user=pa, password=GOOD)
        with pytest.raises(OutOfScope):
            services.user_deactivate(actor=world["jinan"], user=pa)


class TestActivation:
    def test_deactivate_and_activate(self, world):
        user = world["school_a"]
        user.locked_until = timezone.now() + timedelta(minutes=5)
        user.save()
        services.user_deactivate(actor=world["jinan"], user=user)
        user.refresh_from_db()
        assert not user.is_active
        assert authenticate(username="school_a", password=TEST_PASSWORD) is None
        services.user_activate(actor=world["jinan"], user=user)
        user.refresh_from_db()
        assert user.is_active and user.locked_until is None
        assert AuditEntry.objects.filter(object_id=str(user.pk), action=AuditAction.UPDATE).count() == 2

    def test_cannot_deactivate_oneself(self, world):
        with pytest.raises(ValidationError):
            services.user_deactivate(actor=world["jinan"], user=world["jinan"])

    def test_out_of_scope_deactivate_is_refused(self, world):
        with pytest.raises(OutOfScope):
            services.user_deactivate(actor=world["qingdao"], user=world["school_a"])
        world["school_a"].refresh_from_db()
        assert world["school_a"].is_active


# --- roles ---------------------------------------------------------------------------------------


class TestRoleNodeKinds:
    @pytest.mark.parametrize(
        "role, node",
        [
            (Role.PROVINCE_ADMIN, "jinan"),
            (Role.PROVINCE_STAFF, "school_a"),
            (Role.AUDITOR, None),
            (Role.CITY_ADMIN, "province"),
            (Role.CITY_ADMIN, "lixia"),
            (Role.CITY_ADMIN, "school_a"),
            (Role.SCHOOL_ADMIN, "jinan"),
            (Role.SCHOOL_ADMIN, "ent_a"),
            (Role.ENTERPRISE, "school_a"),
            (Role.ENTERPRISE, None),
            (Role.EXPERT, "province"),
        ],
    )
    def test_wrong_node_kind_is_refused(self, world, role, node):
        target = make_user("target")
        node_obj = getattr(world, node) if node else None
        kwargs = {}
        if node_obj is not None:
            kind = {"Region": "region", "Institution": "institution", "Enterprise": "enterprise"}
            kwargs[kind[type(node_obj).__name__]] = node_obj
        with pytest.raises(ValidationError) as exc:
            services.role_assign(actor=world["province_admin"], user=target, role=role, **kwargs)
        assert "held" in messages_of(exc.value)
        assert not target.role_assignments.exists()

    @pytest.mark.parametrize(
        "role, node",
        [
            (Role.PROVINCE_ADMIN, "province"),
            (Role.PROVINCE_STAFF, "province"),
            (Role.AUDITOR, "province"),
            (Role.CITY_ADMIN, "qingdao"),
            (Role.SCHOOL_ADMIN, "school_b"),
            (Role.ENTERPRISE, "ent_b"),
            (Role.EXPERT, None),
        ],
    )
    def test_right_node_kind_is_accepted(self, world, role, node):
        target = make_user("target")
        node_obj = getattr(world, node) if node else None
        kwargs = {}
        if node_obj is not None:
            kind = {"Region": "region", "Institution": "institution", "Enterprise": "enterprise"}
            kwargs[kind[type(node_obj).__name__]] = node_obj
        ra = services.role_assign(actor=world["province_admin"], user=target, role=role, **kwargs)
        assert ra.node == node_obj
        entry = AuditEntry.objects.get(object_type="accounts.roleassignment", object_id=str(ra.pk))
        assert entry.action == AuditAction.CREATE
        assert entry.after["user"] == target.pk


class TestRoleAssign:
    def test_city_admin_cannot_assign_at_a_school_in_another_city(self, world):
        with pytest.raises(OutOfScope):
            services.role_assign(
                actor=world["jinan"], user=make_user("t1"), role=Role.SCHOOL_ADMIN, institution=world.school_b
            )
        assert (
            not RoleAssignment.objects.filter(institution=world.school_b)
            .exclude(user=world["school_b"])
            .exists()
        )

    def test_school_admin_cannot_grant_province_admin(self, world):
        colleague = make_user("colleague", Role.SCHOOL_ADMIN, node=world.school_a)
        with pytest.raises(OutOfScope):
            services.role_assign(
                actor=world["school_a"], user=colleague, role=Role.PROVINCE_ADMIN, region=world.province
            )
        assert not colleague.role_assignments.filter(role=Role.PROVINCE_ADMIN).exists()

    def test_city_admin_grants_within_its_city(self, world):
        target = make_user("t2", Role.SCHOOL_ADMIN, node=world.school_a)
        services.role_assign(actor=world["jinan"], user=target, role=Role.ENTERPRISE, enterprise=world.ent_a)
        services.role_assign(actor=world["jinan"], user=target, role=Role.CITY_ADMIN, region=world.jinan)
        assert set(target.role_assignments.values_list("role", flat=True)) == {
            Role.SCHOOL_ADMIN,
            Role.ENTERPRISE,
            Role.CITY_ADMIN,
        }

    def test_the_scope_cache_is_cleared(self, world):
        target = make_user("t3", Role.SCHOOL_ADMIN, node=world.school_a)
        assert not user_scope(target).allows("view_audit")
        services.role_assign(
            actor=world["province_admin"], user=target, role=Role.AUDITOR, region=world.province
        )
        assert user_scope(target).allows("view_audit")

    def test_no_one_changes_their_own_roles(self, world):
        with pytest.raises(ValidationError):
            services.role_assign(
                actor=world["province_admin"],
                user=world["province_admin"],
                role=Role.AUDITOR,
                region=world.province,
            )
        ra = world["jinan"].role_assignments.get()
        with pytest.raises(ValidationError):
            services.role_revoke(actor=world["jinan"], assignment=ra)

    def test_duplicate_role_is_refused(self, world):
        with pytest.raises(ValidationError):
            services.role_assign(
                actor=world["jinan"],
                user=world["school_a"],
                role=Role.SCHOOL_ADMIN,
                institution=world.school_a,
            )

    def test_granting_to_a_user_with_roles_elsewhere_is_refused(self, world):
        # qingdao's school admin: jinan may not add roles to a user it does not manage.
        with pytest.raises(OutOfScope):
            services.role_assign(
                actor=world["jinan"],
                user=world["school_b"],
                role=Role.SCHOOL_ADMIN,
                institution=world.school_a,
            )

    def test_can_grant_and_grantable_roles(self, world):
        assert can_grant(world["jinan"], Role.SCHOOL_ADMIN, institution=world.school_a)
        assert not can_grant(world["jinan"], Role.SCHOOL_ADMIN, institution=world.school_b)
        assert not can_grant(world["school_a"], Role.CITY_ADMIN, region=world.jinan)
        assert [r for r, _ in grantable_roles(world["school_a"])] == [Role.SCHOOL_ADMIN]
        assert set(r for r, _ in grantable_roles(world["jinan"])) == {
            Role.CITY_ADMIN,
            Role.SCHOOL_ADMIN,
            Role.ENTERPRISE,
        }
        assert len(grantable_roles(world["province_admin"])) == len(Role.choices)
        assert grantable_roles(world["auditor"]) == []


class TestRoleRevoke:
    def test_revoke_in_scope(self, world):
        target = make_user("t4", Role.SCHOOL_ADMIN, node=world.school_a)
        extra = services.role_assign(
            actor=world["jinan"], user=target, role=Role.ENTERPRISE, enterprise=world.ent_a
        )
        services.role_revoke(actor=world["jinan"], assignment=extra)
        assert list(target.role_assignments.values_list("role", flat=True)) == [Role.SCHOOL_ADMIN]
        entry = AuditEntry.objects.get(object_type="accounts.roleassignment", action=AuditAction.DELETE)
        assert entry.before["user"] == target.pk

    def test_revoking_the_last_role_in_scope_is_refused(self, world):
        target = make_user("t5", Role.SCHOOL_ADMIN, node=world.school_a)
        with pytest.raises(OutOfScope) as exc:
            services.role_revoke(actor=world["school_a"], assignment=target.role_assignments.get())
        assert "deactivate" in str(exc.value)
        assert target.role_assignments.exists()

    def test_province_may_revoke_the_last_role(self, world):
        target = make_user("t6", Role.SCHOOL_ADMIN, node=world.school_a)
        services.role_revoke(actor=world["province_admin"], assignment=target.role_assignments.get())
        assert not target.role_assignments.exists()

    def test_out_of_scope_revoke_is_refused(self, world):
        ra = world["school_a"].role_assignments.get()
        with pytest.raises(OutOfScope):
            services.role_revoke(actor=world["qingdao"], assignment=ra)
        assert RoleAssignment.objects.filter(pk=ra.pk).exists()


# --- sign-in --------------------------------------------------------------------------------------


class TestLockout:
    @override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=30, LOGIN_CAPTCHA_AFTER=2)
    def test_lockout_is_per_account_and_address_and_runs_out(self, world, monkeypatch):
        from zhijiao.core import ratelimit

        user = world["school_a"]
        here, there = "10.0.0.1", "10.9.9.9"
        assert services.login_failed(username="school_a", address=here).captcha_required is False
        assert services.login_failed(username="school_a", address=here).captcha_required is True
        assert services.login_locked(username="school_a", address=here) is False
        assert services.login_failed(username="school_a", address=here).pair_locked is True
        assert services.login_locked(username="school_a", address=here) is True
        # The same account from another address is not locked (a stranger cannot lock an admin
        # out); it only needs the CAPTCHA.
        elsewhere = services.login_gate(username="school_a", address=there)
        assert elsewhere.pair_locked is False and elsewhere.captcha_required is True
        user.refresh_from_db()
        assert user.locked_until is None and user.failed_login_count == 3
        # The window slides past.
        later = ratelimit._now_ms() + 31 * 60 * 1000
        monkeypatch.setattr(ratelimit, "_now_ms", lambda: later)
        assert services.login_locked(username="school_a", address=here) is False
        assert services.login_gate(username="school_a", address=there).captcha_required is False

    @override_settings(LOGIN_MAX_FAILURES=2)
    def test_unknown_usernames_lock_the_same_way(self, world):
        assert services.login_locked(username="nobody", address="10.0.0.1") is False
        assert services.login_failed(username="nobody", address="10.0.0.1").pair_locked is False
        assert services.login_failed(username="nobody", address="10.0.0.1").pair_locked is True
        assert services.login_locked(username="nobody", address="10.0.0.1") is True

    @override_settings(LOGIN_ADDRESS_MAX_FAILURES=5, LOGIN_MAX_FAILURES=5)
    def test_one_password_sprayed_over_many_usernames_blocks_the_address(self, world):
        for i in range(5):
            services.login_failed(username=f"user{i}", address="10.6.6.6")
        assert services.login_gate(username="school_a", address="10.6.6.6").address_blocked is True
        assert services.login_gate(username="school_a", address="10.7.7.7").address_blocked is False

    def test_failures_are_audited_with_ip_and_request_id(self, world):
        rid, ip = request_id_var.set("req-123"), client_ip_var.set("10.1.2.3")
        try:
            services.login_failed(username="school_a")
            services.login_failed(username="nobody")
        finally:
            request_id_var.reset(rid)
            client_ip_var.reset(ip)
        entries = list(AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id"))
        assert [(e.object_repr, e.request_id, e.ip_address) for e in entries] == [
            ("school_a", "req-123", "10.1.2.3"),
            ("nobody", "req-123", "10.1.2.3"),
        ]
        assert entries[0].object_id == str(world["school_a"].pk)
        assert entries[0].scope_path == world.school_a.region.path

    def test_success_resets_the_counter_and_is_audited(self, world):
        user = world["school_a"]
        services.login_failed(username="school_a")
        services.login_succeeded(user=user)
        user.refresh_from_db()
        assert user.failed_login_count == 0
        entry = AuditEntry.objects.filter(action=AuditAction.LOGIN).get()
        assert entry.actor == user and entry.object_id == str(user.pk)


class TestTokensAndDevices:
    def test_token_rotate_replaces_the_key(self, world):
        from zhijiao.accounts.authentication import hash_key
        from zhijiao.accounts.models import ApiToken

        user = world["school_a"]
        token, first = services.token_create(actor=user, name="同步", days=90)
        new, second = services.token_rotate(actor=user, token=token)
        assert second != first and new.name == "同步" and 89 <= (new.expires_at - new.created_at).days <= 90
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert ApiToken.objects.get(key_hash=hash_key(second)) == new
        assert not ApiToken.objects.filter(key_hash=first).exists()  # only hashes are stored
        assert AuditEntry.objects.filter(message="API token rotated").count() == 1

    def test_anonymous_cannot_create(self, world):
        from django.contrib.auth.models import AnonymousUser

        with pytest.raises(OutOfScope):
            services.token_create(actor=AnonymousUser(), name="x", days=1)

    def test_device_start_is_reused_until_confirmed(self, world):
        user = world["province_admin"]
        d1 = services.otp_device_start(user=user)
        assert services.otp_device_start(user=user) == d1
        services.otp_device_confirm(user=user, device=d1)
        assert TOTPDevice.objects.get(user=user).confirmed
        assert services.otp_device_start(user=user) != d1

    def test_device_reset_by_a_manager(self, world):
        user = world["school_a"]
        TOTPDevice.objects.create(user=user, name="x", confirmed=True)
        with pytest.raises(OutOfScope):
            services.otp_devices_reset(actor=world["qingdao"], user=user)
        assert services.otp_devices_reset(actor=world["jinan"], user=user) == 1
        assert not TOTPDevice.objects.filter(user=user).exists()
