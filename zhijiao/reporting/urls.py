from django.urls import path

from . import views, views_analytics, views_fill

app_name = "reporting"

urlpatterns = [
    path("", views.index, name="index"),
    path("open/", views.submission_open, name="submission_open"),
    path("submissions/<int:pk>/", views.submission_form, name="submission_form"),
    path("submissions/<int:pk>/template/", views_fill.template_download, name="template_download"),
    path("submissions/<int:pk>/upload/", views_fill.template_upload, name="template_upload"),
    path("submissions/<int:pk>/prefill/", views_fill.prefill, name="prefill"),
    path("submissions/<int:pk>/check/", views_fill.check, name="check"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/decide/", views.decide, name="decide"),
    path("completeness/", views.completeness, name="completeness"),
    path("aggregates/", views.pivot, name="pivot"),
    path("definitions/upload/", views.definition_upload, name="definition_upload"),
    path("definitions/export/", views.definition_export, name="definition_export"),
    path("analytics/", views_analytics.analytics_pivot, name="analytics"),
    path("dashboard/", views_analytics.dashboard, name="dashboard"),
    path("scoring/", views_analytics.scoring, name="scoring"),
]

urlpatterns += [
    path("city-returns/", views.city_returns, name="city_returns"),
    path("city-returns/open/", views.city_return_open, name="city_return_open"),
    path("city-returns/decide/", views.city_returns_decide, name="city_returns_decide"),
    path("city-returns/<int:pk>/", views.city_return, name="city_submission"),
]
