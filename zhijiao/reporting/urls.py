from django.urls import path

from . import views, views_analytics, views_editor, views_fill, views_reports

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
    # Reports from data (views_reports).
    path("reports/", views_reports.reports_index, name="reports"),
    path("reports/quality/open/", views_reports.quality_open, name="quality_open"),
    path("reports/quality/<int:pk>/", views_reports.quality_report, name="quality_report"),
    path("reports/quality/<int:pk>/pdf/", views_reports.quality_report_pdf, name="quality_report_pdf"),
    path("reports/summary/pdf/", views_reports.summary_pdf, name="summary_pdf"),
    path("reports/employment/pdf/", views_reports.employment_pdf, name="employment_pdf"),
    path("reports/scoring/pdf/", views_reports.scoring_pdf, name="scoring_pdf"),
    path("reports/bulletins/new/", views_reports.bulletin_create, name="bulletin_create"),
    path("reports/bulletins/<int:pk>/pdf/", views_reports.bulletin_pdf, name="bulletin_pdf"),
    path("reports/batch/", views_reports.batch_start, name="report_batch"),
    path("reports/jobs/<int:pk>/", views_reports.report_job, name="report_job"),
    path("reports/jobs/<int:pk>/download/", views_reports.report_job_download, name="report_job_download"),
]

urlpatterns += [
    path("city-returns/", views.city_returns, name="city_returns"),
    path("city-returns/open/", views.city_return_open, name="city_return_open"),
    path("city-returns/decide/", views.city_returns_decide, name="city_returns_decide"),
    path("city-returns/<int:pk>/", views.city_return, name="city_submission"),
    # a city's own return is filled as a school's form is (``fillers``): template, upload, checks
    path(
        "city-returns/<int:pk>/template/",
        views_fill.template_download,
        {"filler": "city"},
        name="city_template_download",
    ),
    path(
        "city-returns/<int:pk>/upload/",
        views_fill.template_upload,
        {"filler": "city"},
        name="city_template_upload",
    ),
    path("city-returns/<int:pk>/check/", views_fill.check, {"filler": "city"}, name="city_check"),
    # the data-set editor (province staff)
    path("editor/", views_editor.editor_index, name="editor"),
    path("editor/versions/<int:pk>/", views_editor.version_detail, name="editor_version"),
    path("editor/versions/<int:pk>/edit/<slug:what>/", views_editor.version_edit, name="editor_edit"),
    path("editor/versions/<int:pk>/publish/", views_editor.version_publish, name="editor_publish"),
    path("editor/versions/<int:pk>/discard/", views_editor.version_discard, name="editor_discard"),
    path("editor/versions/<int:pk>/export/", views_editor.version_export, name="editor_export"),
    path("editor/versions/<int:pk>/import/", views_editor.version_import, name="editor_import"),
    path("editor/versions/<int:pk>/periods/", views_editor.period_create, name="editor_period"),
    path("editor/versions/<int:pk>/expression/", views_editor.expression_check, name="editor_expression"),
    path("editor/data-sets/<int:pk>/draft/", views_editor.version_draft, name="editor_draft"),
    path("editor/indicators/", views_editor.indicator_list, name="editor_indicators"),
    path("editor/indicators/new/", views_editor.indicator_edit, name="editor_indicator_new"),
    path("editor/indicators/<int:pk>/", views_editor.indicator_edit, name="editor_indicator"),
    path("editor/schemes/", views_editor.scheme_list, name="editor_schemes"),
    path("editor/schemes/new/", views_editor.scheme_edit, name="editor_scheme_new"),
    path("editor/schemes/<int:pk>/", views_editor.scheme_edit, name="editor_scheme"),
    # file and reference elements of the web form
    path("submissions/<int:pk>/files/<slug:code>/", views_fill.file_upload, name="file_upload"),
    path(
        "submissions/<int:pk>/files/<int:file_pk>/download/", views_fill.file_download, name="file_download"
    ),
    path("references/<slug:kind>/", views_fill.reference_search, name="reference_search"),
]
