from django.urls import path

from . import views, views_notifications

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("otp/", views.OTPView.as_view(), name="otp"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("inbox/", views_notifications.InboxView.as_view(), name="inbox"),
    path("notifications/", views_notifications.NotificationPreferencesView.as_view(), name="notifications"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/add/", views.UserCreateView.as_view(), name="user_add"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("users/<int:pk>/roles/", views.UserRolesView.as_view(), name="user_roles"),
    path("users/<int:pk>/active/", views.UserActiveView.as_view(), name="user_active"),
    path("users/<int:pk>/password/", views.UserPasswordView.as_view(), name="user_password"),
    path("users/<int:pk>/otp-reset/", views.UserOTPResetView.as_view(), name="user_otp_reset"),
]
