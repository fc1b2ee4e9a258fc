from django.urls import path

from . import views

app_name = "programmes"

urlpatterns = [
    path("", views.calls, name="calls"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/apply/", views.apply, name="apply"),
    path("calls/<int:pk>/recommend/", views.recommend, name="recommend"),
    path("calls/<int:pk>/ranking/", views.ranking, name="ranking"),
    path("calls/<int:pk>/manage/", views.manage, name="manage"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("experts/", views.experts, name="experts"),
    path("experts/new/", views.expert_new, name="expert_new"),
    path("reviews/", views.my_reviews, name="my_reviews"),
    path("reviews/<int:pk>/", views.review_form, name="review_form"),
    path("public/<slug:code>/", views.public_notice, name="public_notice"),
    path("public/<slug:code>/objection/", views.public_objection, name="public_objection"),
    path("calls/<int:pk>/objections/", views.objections, name="objections"),
]
