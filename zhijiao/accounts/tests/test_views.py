import io
import time

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from zhijiao.accounts import services
from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment, User
from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.testing import TEST_PASSWORD, make_user

GOOD = "Kx7#mPq2-vLn"
LOGIN = reverse("accounts:login")
OTP = reverse("accounts:otp")
HOME = reverse("core:home")
USERS = reverse("accounts:user_list")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_client(client):
    """These tests read the English source messages: the client has chosen English (the switch's
    cookie; the browser's Accept-Language is not asked, core.middleware.ChosenLanguageMiddleware)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in_user(client):
    return client.session.get(SESSION_KEY)


def post_login(client, username, password=TEST_PASSWORD, remote_addr=None, **extra):
    meta = {"REMOTE_ADDR": remote_addr} if remote_addr else {}
    return client.post(LOGIN, {"username": username, "password": password, **extra}, **meta)


def form_errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


# --- sign-in --------------------------------------------------------------------------------------


class TestLogin:
    def test_page_renders_for_anonymous(self, client):
        response = client.get(LOGIN)
        assert response.status_code == 200
        assert b'name="username"' in response.content and b'name="password"' in response.content

    def test_success_signs_in_and_is_audited_with_ip_and_request_id(self, client, world):
        response = post_login(client, "school_a")
        assert response.status_code == 302 and response["Location"] == HOME
        assert signed_in_user(client) == str(world["school_a"].pk)
        entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
        assert entry.actor == world["school_a"]
        assert entry.ip_address == "127.0.0.1"
        assert entry.request_id == response["X-Request-ID"]
        assert client.get(HOME).status_code == 200

    def test_next_is_followed_only_when_local(self, client, world):
        assert post_login(client, "school_a", next="/institutions/")["Location"] == "/institutions/"
        client.logout()
        assert post_login(client, "school_a", next="https://evil.example/")["Location"] == HOME

    def test_wrong_password_is_refused_and_audited(self, client, world):
        response = post_login(client, "school_a", "wrong-Passw0rd")
        assert response.status_code == 200
        assert "Wrong username or password." in form_errors(response)
        assert signed_in_user(client) is None
        entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
        assert entry.object_id == str(world["school_a"].pk)
        assert entry.ip_address == "127.0.0.1" and entry.request_id

    def test_unknown_username_gets_the_same_message(self, client, world):
        known = form_errors(post_login(client, "school_a", "wrong-Passw0rd"))
        unknown = form_errors(post_login(client, "no_such_user", "wrong-Passw0rd"))
        assert known == unknown

    @override_settings(LOGIN_MAX_FAILURES=3, LOGIN_CAPTCHA_AFTER=10)
    def test_lockout_even_with_the_right_password_then_unlock(self, client, world, monkeypatch):
        from zhijiao.core import ratelimit

        for _ in range(2):
            assert "Wrong username" in form_errors(post_login(client, "school_a", "wrong-Passw0rd"))
        locked = form_errors(post_login(client, "school_a", "wrong-Passw0rd"))
        assert "Too many failed sign-ins" in locked
        # The right password does not help while locked.
        response = post_login(client, "school_a")
        assert response.status_code == 200 and form_errors(response) == locked
        assert signed_in_user(client) is None
        assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 4
        # An unknown name locks with the very same message: nothing tells whether it exists.
        for _ in range(3):
            unknown = form_errors(post_login(client, "no_such_user", "wrong-Passw0rd"))
        assert unknown == locked
        # The same account from another address is not locked.
        other = post_login(client, "school_a", remote_addr="10.20.30.40")
        assert other.status_code == 302
        client.logout()
        # The lock runs out.
        later = ratelimit._now_ms() + 31 * 60 * 1000
        monkeypatch.setattr(ratelimit, "_now_ms", lambda: later)
        assert post_login(client, "school_a").status_code == 302
        assert signed_in_user(client) == str(world["school_a"].pk)
        assert User.objects.get(username="school_a").failed_login_count == 0

    def test_inactive_user_cannot_sign_in(self, client, world):
        User.objects.filter(username="school_a").update(is_active=False)
        response = post_login(client, "school_a")
        assert "Wrong username or password." in form_errors(response)
        assert signed_in_user(client) is None

    def test_logout_is_post_only(self, login, client, world):
        login(world["school_a"])
        assert client.get(reverse("accounts:logout")).status_code == 405
        assert signed_in_user(client) is not None
        response = client.post(reverse("accounts:logout"))
        assert response.status_code == 302 and response["Location"] == LOGIN
        assert signed_in_user(client) is None
        assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=world["school_a"]).exists()


# --- TOTP -----------------------------------------------------------------------------------------


class TestOTP:
    def test_province_admin_sets_up_totp_at_first_sign_in(self, client, world, totp_code):
        response = post_login(client, "province_admin", next="/institutions/")
        assert response.status_code == 302 and response["Location"] == OTP
        assert signed_in_user(client) is None  # the password alone signs nobody in
        assert client.get(HOME)["Location"].startswith(LOGIN)
        page = client.get(OTP)
        assert page.status_code == 200
        assert page.context["setup"] is True
        assert b"<svg" in page.content
        device = TOTPDevice.objects.get(user=world["province_admin"], confirmed=False)
        assert page.context["secret"].replace(" ", "") in page.content.decode().replace(" ", "")
        # A wrong code fails.
        wrong = client.post(OTP, {"otp_token": "000000" if totp_code(device) != "000000" else "111111"})
        assert wrong.status_code == 200 and "wrong or has expired" in form_errors(wrong)
        assert signed_in_user(client) is None
        # django_otp throttles the device after a wrong code; a quick retry is told to wait.
        throttled = client.post(OTP, {"otp_token": totp_code(device)})
        assert "Wait a little" in form_errors(throttled)
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        # The right code confirms the device and signs in.
        response = client.post(OTP, {"otp_token": totp_code(device)})
        assert response.status_code == 302 and response["Location"] == "/institutions/"
        assert signed_in_user(client) == str(world["province_admin"].pk)
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(HOME).status_code == 200
        assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=world["province_admin"]).count() == 1

    def test_confirmed_device_is_verified(self, client, world, totp_code):
        device = TOTPDevice.objects.create(user=world["province_admin"], name="phone", confirmed=True)
        post_login(client, "province_admin")
        page = client.get(OTP)
        assert page.context["setup"] is False and b"<svg" not in page.content
        assert client.post(OTP, {"otp_token": "12345"}).status_code == 200  # malformed: refused by the form
        assert signed_in_user(client) is None
        response = client.post(OTP, {"otp_token": totp_code(device)})
        assert response.status_code == 302 and response["Location"] == HOME
        assert client.get(HOME).status_code == 200

    def test_wrong_codes_count_towards_the_lockout(self, client, world, totp_code, settings):
        settings.LOGIN_MAX_FAILURES = 2
        device = TOTPDevice.objects.create(user=world["province_admin"], name="phone", confirmed=True)
        bad = "000000" if totp_code(device) != "000000" else "111111"
        post_login(client, "province_admin")
        client.post(OTP, {"otp_token": bad})
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        response = client.post(OTP, {"otp_token": bad})
        assert response.status_code == 302 and response["Location"] == LOGIN
        assert services.login_locked(username="province_admin", address="127.0.0.1")
        assert client.get(OTP)["Location"] == LOGIN  # the pending step is gone

    def test_optional_device_also_requires_the_code(self, client, world):
        TOTPDevice.objects.create(user=world["school_a"], name="phone", confirmed=True)
        assert post_login(client, "school_a")["Location"] == OTP
        assert signed_in_user(client) is None

    def test_otp_page_without_a_pending_sign_in_goes_to_login(self, client, world):
        assert client.get(OTP)["Location"] == LOGIN

    def test_pending_step_expires(self, client, world):
        post_login(client, "province_admin")
        session = client.session
        session["_otp_pending_at"] = int(time.time()) - 3600
        session.save()
        assert client.get(OTP)["Location"] == LOGIN

    def test_middleware_sends_unverified_province_admin_to_otp(self, client, world, totp_code):
        client.force_login(world["province_admin"])  # a session without the second factor
        for url in (HOME, USERS, reverse("accounts:token"), reverse("accounts:password_change")):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(OTP + "?next=")
        device = TOTPDevice.objects.create(user=world["province_admin"], name="phone", confirmed=True)
        response = client.post(f"{OTP}?next={USERS}", {"otp_token": totp_code(device)})
        assert response["Location"] == USERS
        assert client.get(USERS).status_code == 200

    def test_other_roles_are_not_asked(self, client, world):
        client.force_login(world["school_a"])
        assert client.get(HOME).status_code == 200


# --- idle timeout ---------------------------------------------------------------------------------


class TestIdleTimeout:
    def test_idle_session_is_signed_out(self, login, client, world, settings):
        login(world["school_a"])
        assert client.get(HOME).status_code == 200
        session = client.session
        session["_last_seen"] = int(time.time()) - (settings.SESSION_IDLE_TIMEOUT_MINUTES * 60 + 5)
        session.save()
        response = client.get(USERS)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN + "?timeout=1")
        assert signed_in_user(client) is None
        assert client.get(HOME)["Location"].startswith(LOGIN)
        assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, message="idle timeout").exists()
        assert b"without activity" in client.get(LOGIN + "?timeout=1").content

    def test_active_session_stays(self, login, client, world):
        login(world["school_a"])
        client.get(HOME)
        session = client.session
        session["_last_seen"] = int(time.time()) - 60
        session.save()
        assert client.get(USERS).status_code == 200
        # The request renewed the time of last activity (it was a minute old).
        assert client.session["_last_seen"] >= int(time.time()) - 2

    def test_a_recent_session_is_not_written_on_every_request(self, login, client, world, settings):
        from django.contrib.sessions.models import Session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        settings.SESSION_LAST_SEEN_SECONDS = 60  # as in use (0 in the test settings)
        login(world["school_a"])
        client.get(HOME)
        seen = client.session["_last_seen"]
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(USERS).status_code == 200
        writes = [q["sql"] for q in ctx.captured_queries if Session._meta.db_table in q["sql"]]
        assert writes and all(w.startswith("SELECT") for w in writes), writes
        assert client.session["_last_seen"] == seen
        # Older than SESSION_LAST_SEEN_SECONDS: written again.
        settings.SESSION_LAST_SEEN_SECONDS = 0
        client.get(USERS)
        assert client.session["_last_seen"] >= seen
        with CaptureQueriesContext(connection) as ctx:
            client.get(USERS)
        assert any(
            q["sql"].startswith("UPDATE") for q in ctx.captured_queries if Session._meta.db_table in q["sql"]
        )


# --- own password and token -----------------------------------------------------------------------


class TestOwnAccount:
    URL = reverse("accounts:password_change")

    def test_anonymous_is_sent_to_login(self, client):
        assert client.get(self.URL)["Location"].startswith(LOGIN)
        assert client.get(reverse("accounts:token"))["Location"].startswith(LOGIN)

    def test_password_change(self, login, client, world):
        login(world["school_a"])
        data = {"old_password": "nope", "new_password1": GOOD, "new_password2": GOOD}
        assert "current password is wrong" in form_errors(client.post(self.URL, data))
        data["old_password"] = TEST_PASSWORD
        data["new_password1"] = data["new_password2"] = "abcdefghjkmnpq"
        assert "at least 3 of" in form_errors(client.post(self.URL, data))
        data["new_password1"] = data["new_password2"] = GOOD
        response = client.post(self.URL, data)
        assert response.status_code == 302
        user = User.objects.get(username="school_a")
        assert user.check_password(GOOD) and user.password_changed_at
        assert client.get(HOME).status_code == 200  # still signed in

    def test_token_is_shown_once(self, login, client, world):
        import re

        login(world["school_a"])
        url = reverse("accounts:token")
        assert b"no API token yet" in client.get(url).content
        from django_otp.oath import totp

        device = TOTPDevice.objects.get(user=world["school_a"], confirmed=True)  # login() set one up
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        response = client.post(url, {"action": "create", "name": "数据同步", "days": "90", "otp_code": code})
        key = re.search(r'id="new-token">([^<]+)<', response.content.decode()).group(1)
        assert key.encode() in response.content
        page = client.get(url).content.decode()
        assert key not in page and "数据同步" in page and key[:8] in page


# --- user management ------------------------------------------------------------------------------


def usernames(response) -> set[str]:
    return {row.record.username for row in response.context["table"].page.object_list}


class TestUserList:
    def test_anonymous_is_sent_to_login(self, client, world):
        assert client.get(USERS)["Location"].startswith(LOGIN)

    @pytest.mark.parametrize("name", ["expert", "ent_a", "auditor", "province_staff"])
    def test_roles_without_manage_users_are_refused(self, login, client, world, name):
        login(world[name])
        assert client.get(USERS).status_code == 403

    def test_scoping(self, login, client, world):
        login(world["school_a"])
        assert usernames(client.get(USERS)) == {"school_a"}
        login(world["jinan"])
        assert usernames(client.get(USERS)) == {"jinan", "school_a", "ent_a"}
        login(world["province_admin"])
        assert usernames(client.get(USERS)) == set(world.users)

    def test_filters_and_sorting(self, login, client, world):
        login(world["province_admin"])
        assert usernames(client.get(USERS, {"role": Role.CITY_ADMIN})) == {"jinan", "qingdao"}
        assert usernames(client.get(USERS, {"organisation": "青岛"})) == {"qingdao", "school_b"}
        User.objects.filter(username="ent_a").update(is_active=False)
        assert usernames(client.get(USERS, {"is_active": "false"})) == {"ent_a"}
        assert usernames(client.get(USERS, {"q": "school"})) == {"school_a", "school_b"}
        rows = client.get(USERS, {"sort": "-username"}).context["table"].page.object_list
        names = [r.record.username for r in rows]
        assert names == sorted(names, reverse=True)

    def test_htmx_gets_the_table_partial(self, login, client, world):
        login(world["province_admin"])
        response = client.get(USERS, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert b"<html" not in response.content and b"school_a" in response.content

    def test_export_is_scoped_and_filtered(self, login, client, world):
        world["school_a"].phone = "13912345678"
        world["school_a"].save()
        login(world["jinan"])
        response = client.get(USERS, {"export": "xlsx", "role": Role.SCHOOL_ADMIN})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        rows = list(wb.active.iter_rows(values_only=True))
        assert rows[0][0] == "Username"
        assert [r[0] for r in rows[1:]] == ["school_a"]
        assert "13912345678" not in rows[1]  # the phone is masked
        assert AuditEntry.objects.filter(action=AuditAction.EXPORT, actor=world["jinan"]).exists()

    def test_query_count_does_not_grow_with_users(self, login, client, world, django_assert_max_num_queries):
        login(world["province_admin"])
        client.get(USERS)  # warm caches (content types, session)

        def count_queries() -> int:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert client.get(USERS).status_code == 200
            return len(ctx.captured_queries)

        few = count_queries()
        for i in range(30):
            make_user(f"bulk{i}", Role.SCHOOL_ADMIN, node=world.school_a if i % 2 else world.school_b)
        assert count_queries() == few
        # + the planner's estimate that decides how to count (core.listing): constant with the rows.
        with django_assert_max_num_queries(12) as ctx:
            client.get(USERS)
        counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
        assert counts and all(" LIMIT " in sql for sql in counts)  # bounded, never all the users


class TestUserDetail:
    def test_out_of_scope_is_404(self, login, client, world):
        login(world["school_b"])
        assert client.get(reverse("accounts:user_detail", args=[world["school_a"].pk])).status_code == 404
        assert client.get(reverse("accounts:user_detail", args=[999999])).status_code == 404

    def test_in_scope_shows_roles_sign_ins_and_history(self, login, client, world):
        post_login(client, "school_a", "wrong-Passw0rd")
        login(world["jinan"])
        from zhijiao.accounts import services

        services.user_update(actor=world["jinan"], user=world["school_a"], data={"display_name": "王校长"})
        response = client.get(reverse("accounts:user_detail", args=[world["school_a"].pk]))
        assert response.status_code == 200
        assert response.context["can_manage"]
        assert [ra.institution for ra in response.context["roles"]] == [world.school_a]
        assert [e.action for e in response.context["sign_ins"]] == [AuditAction.LOGIN_FAILED]
        assert response.context["history"][0]["changes"][0]["after"] == "王校长"
        assert "王校长" in response.content.decode()


class TestUserEdit:
    def url(self, user):
        return reverse("accounts:user_edit", args=[user.pk])

    def test_anonymous(self, client, world):
        assert client.get(self.url(world["school_a"]))["Location"].startswith(LOGIN)

    def test_other_school_gets_404_and_changes_nothing(self, login, client, world):
        login(world["school_b"])
        assert client.get(self.url(world["school_a"])).status_code == 404
        assert client.post(self.url(world["school_a"]), {"display_name": "hacked"}).status_code == 404
        assert User.objects.get(username="school_a").display_name == ""

    def test_city_cannot_reach_the_province(self, login, client, world):
        login(world["jinan"])
        assert client.get(self.url(world["province_admin"])).status_code == 404

    def test_visible_but_not_manageable_is_403(self, login, client, world):
        RoleAssignment.objects.create(
            user=world["qingdao"], role=Role.SCHOOL_ADMIN, institution=world.school_a
        )
        login(world["jinan"])
        assert client.get(reverse("accounts:user_detail", args=[world["qingdao"].pk])).status_code == 200
        assert client.post(self.url(world["qingdao"]), {"display_name": "x"}).status_code == 403

    def test_in_scope_edit(self, login, client, world):
        login(world["jinan"])
        response = client.post(
            self.url(world["school_a"]),
            {"display_name": "王校长", "email": "w@example.cn", "phone": "0531-1234567"},
        )
        assert response.status_code == 302
        user = User.objects.get(username="school_a")
        assert (user.display_name, user.email, user.phone) == ("王校长", "w@example.cn", "0531-1234567")

    def test_bad_input_is_a_form_error(self, login, client, world):
        login(world["jinan"])
        response = client.post(self.url(world["school_a"]), {"display_name": "<b>x</b>", "phone": "abc"})
        assert response.status_code == 200
        assert response.context["form"].errors


class TestUserAdd:
    URL = reverse("accounts:user_add")

    def data(self, **extra):
        return {
            "username": "teacher1",
            "display_name": "李老师",
            "new_password1": GOOD,
            "new_password2": GOOD,
            **extra,
        }

    def test_school_admin_adds_a_colleague(self, login, client, world):
        login(world["school_a"])
        page = client.get(self.URL)
        assert [c[0] for c in page.context["form"].fields["role"].choices] == ["", Role.SCHOOL_ADMIN]
        assert list(page.context["form"].fields["institution"].queryset) == [world.school_a]
        response = client.post(self.URL, self.data(role=Role.SCHOOL_ADMIN, institution=world.school_a.pk))
        assert response.status_code == 302
        user = User.objects.get(username="teacher1")
        assert user.role_assignments.get().institution == world.school_a

    def test_school_admin_cannot_add_at_another_school(self, login, client, world):
        login(world["school_a"])
        response = client.post(self.URL, self.data(role=Role.SCHOOL_ADMIN, institution=world.school_b.pk))
        assert response.status_code == 200
        assert "institution" in response.context["form"].errors
        assert not User.objects.filter(username="teacher1").exists()

    def test_school_admin_cannot_add_a_province_admin(self, login, client, world):
        login(world["school_a"])
        response = client.post(self.URL, self.data(role=Role.PROVINCE_ADMIN, region=world.province.pk))
        assert response.status_code == 200
        assert not User.objects.filter(username="teacher1").exists()

    def test_weak_password_and_mismatch(self, login, client, world):
        login(world["province_admin"])
        response = client.post(
            self.URL, self.data(role=Role.EXPERT, new_password1="short", new_password2="short")
        )
        assert "too short" in form_errors(response)
        response = client.post(self.URL, self.data(role=Role.EXPERT, new_password2="other"))
        assert "do not match" in form_errors(response)
        assert not User.objects.filter(username="teacher1").exists()

    def test_missing_node_is_explained(self, login, client, world):
        login(world["province_admin"])
        response = client.post(self.URL, self.data(role=Role.CITY_ADMIN))
        assert "Choose where" in form_errors(response)


class TestUserRoles:
    def url(self, user):
        return reverse("accounts:user_roles", args=[user.pk])

    def test_jinan_cannot_assign_at_a_qingdao_school(self, login, client, world):
        target = make_user("t1", Role.SCHOOL_ADMIN, node=world.school_a)
        login(world["jinan"])
        response = client.post(
            self.url(target),
            {"action": "assign", "role": Role.SCHOOL_ADMIN, "institution": world.school_b.pk},
        )
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not target.role_assignments.filter(institution=world.school_b).exists()

    def test_school_admin_cannot_grant_province_admin(self, login, client, world):
        target = make_user("t1", Role.SCHOOL_ADMIN, node=world.school_a)
        login(world["school_a"])
        response = client.post(
            self.url(target), {"action": "assign", "role": Role.PROVINCE_ADMIN, "region": world.province.pk}
        )
        assert response.status_code == 200
        assert not target.role_assignments.filter(role=Role.PROVINCE_ADMIN).exists()

    def test_assign_and_revoke_in_scope(self, login, client, world):
        target = make_user("t1", Role.SCHOOL_ADMIN, node=world.school_a)
        login(world["jinan"])
        response = client.post(
            self.url(target), {"action": "assign", "role": Role.ENTERPRISE, "enterprise": world.ent_a.pk}
        )
        assert response.status_code == 302
        ra = target.role_assignments.get(role=Role.ENTERPRISE)
        response = client.post(self.url(target), {"action": "revoke", "assignment": ra.pk})
        assert response.status_code == 302
        assert not target.role_assignments.filter(pk=ra.pk).exists()
        # The last role cannot be revoked by the city: the user would leave its scope.
        last = target.role_assignments.get()
        client.post(self.url(target), {"action": "revoke", "assignment": last.pk})
        assert target.role_assignments.filter(pk=last.pk).exists()

    def test_revoking_someone_elses_assignment_is_404(self, login, client, world):
        target = make_user("t1", Role.SCHOOL_ADMIN, node=world.school_a)
        login(world["jinan"])
        other = world["school_a"].role_assignments.get()
        assert client.post(self.url(target), {"action": "revoke", "assignment": other.pk}).status_code == 404
        assert RoleAssignment.objects.filter(pk=other.pk).exists()

    def test_out_of_scope_user_is_404(self, login, client, world):
        login(world["jinan"])
        assert client.get(self.url(world["school_b"])).status_code == 404


class TestUserActions:
    def test_deactivate_and_activate(self, login, client, world):
        login(world["jinan"])
        url = reverse("accounts:user_active", args=[world["school_a"].pk])
        assert client.get(url).status_code == 405
        client.post(url, {"active": "0"})
        assert not User.objects.get(username="school_a").is_active
        client.post(url, {"active": "1"})
        assert User.objects.get(username="school_a").is_active

    def test_out_of_scope_deactivate_is_404(self, login, client, world):
        login(world["qingdao"])
        url = reverse("accounts:user_active", args=[world["school_a"].pk])
        assert client.post(url, {"active": "0"}).status_code == 404
        assert User.objects.get(username="school_a").is_active

    def test_manager_sets_a_password(self, login, client, world):
        login(world["jinan"])
        url = reverse("accounts:user_password", args=[world["school_a"].pk])
        assert client.post(url, {"new_password1": GOOD, "new_password2": GOOD}).status_code == 302
        assert User.objects.get(username="school_a").check_password(GOOD)

    def test_manager_resets_two_factor(self, login, client, world):
        TOTPDevice.objects.create(user=world["school_a"], name="phone", confirmed=True)
        login(world["jinan"])
        client.post(reverse("accounts:user_otp_reset", args=[world["school_a"].pk]))
        assert not TOTPDevice.objects.filter(user=world["school_a"]).exists()


class TestOptionalTwoFactor:
    def test_any_user_may_set_up_totp_and_is_then_asked_for_it(self, client, world, totp_code):
        client.force_login(world["school_a"])
        assert b"Set up two-factor" in client.get(reverse("accounts:password_change")).content
        page = client.get(OTP)
        assert page.context["setup"] is True
        device = TOTPDevice.objects.get(user=world["school_a"])
        assert client.post(OTP, {"otp_token": totp_code(device)})["Location"] == HOME
        assert TOTPDevice.objects.get(user=world["school_a"]).confirmed
        client.post(reverse("accounts:logout"))
        assert post_login(client, "school_a")["Location"] == OTP


def test_otp_code_accepts_full_width_digits_and_spaces():
    from zhijiao.accounts.forms import OTPForm

    form = OTPForm({"otp_token": "１２３ ４５６"})
    assert form.is_valid() and form.cleaned_data["otp_token"] == "123456"
    assert not OTPForm({"otp_token": "12345a"}).is_valid()
