from django.urls import path

from . import views_public

app_name = "competitions_public"

urlpatterns = [
    path("results/<slug:code>/", views_public.results, name="results"),
    path("verify/", views_public.verify, name="verify"),
    path("verify/c/<str:code>", views_public.verify_code, name="verify_code"),
]
