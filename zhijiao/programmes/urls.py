from django.urls import path

from . import views, views_followup, views_types

app_name = "programmes"

urlpatterns = [
    path("", views.calls, name="calls"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/apply/", views.apply, name="apply"),
    path("calls/<int:pk>/recommend/", views.recommend, name="recommend"),
    path("calls/<int:pk>/ranking/", views.ranking, name="ranking"),
    path("calls/<int:pk>/manage/", views.manage, name="manage"),
    path("calls/<int:pk>/settings/", views.call_settings, name="call_settings"),
    path("calls/<int:pk>/decision/", views.decision, name="decision"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("experts/", views.experts, name="experts"),
    path("experts/new/", views.expert_new, name="expert_new"),
    path("reviews/", views.my_reviews, name="my_reviews"),
    path("reviews/<int:pk>/", views.review_form, name="review_form"),
    path("public/", views.public_notices, name="public_notices"),
    path("public/<slug:code>/", views.public_notice, name="public_notice"),
    path("public/<slug:code>/objection/", views.public_objection, name="public_objection"),
    path("calls/<int:pk>/objections/", views.objections, name="objections"),
    # Awards and follow-up rounds (中期检查, 验收, 期满考核).
    path("awards/", views_followup.awards, name="awards"),
    path("calls/<int:pk>/followup/", views_followup.rounds, name="followup_rounds"),
    path("followup/<int:pk>/", views_followup.round_detail, name="followup_round"),
    path("followup/<int:pk>/manage/", views_followup.round_manage, name="followup_round_manage"),
    path("followup/reports/<int:pk>/", views_followup.report_detail, name="followup_report"),
    path("followup/reviews/", views_followup.my_reviews, name="followup_my_reviews"),
    path("followup/reviews/<int:pk>/", views_followup.review_form, name="followup_review"),
    # Programme types as versioned data.
    path("types/", views_types.types, name="types"),
    path("types/<int:pk>/", views_types.type_detail, name="type_detail"),
    path("types/<int:pk>/export/", views_types.type_export, name="type_export"),
    path("types/<int:pk>/edit/", views_types.type_edit, name="type_edit"),
    path("types/<int:pk>/editor/", views_types.type_editor, name="type_editor"),
    path("types/import/", views_types.type_import, name="type_import"),
]
