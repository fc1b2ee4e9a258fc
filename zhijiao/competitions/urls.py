from django.urls import path

from . import views

app_name = "competitions"

urlpatterns = [
    path("", views.events, name="events"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/contests/new/", views.contest_create, name="contest_create"),
    path("events/<int:pk>/manage/", views.event_manage, name="event_manage"),
    path("contests/<int:pk>/", views.contest_detail, name="contest_detail"),
    path("contests/<int:pk>/edit/", views.contest_edit, name="contest_edit"),
    path("contests/<int:pk>/send/", views.contest_send, name="contest_send"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("judging/", views.my_judging, name="my_judging"),
    path("judging/<int:pk>/", views.judging, name="judging"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
]
