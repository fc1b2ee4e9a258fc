from django.urls import path

from . import views_public

app_name = "verify"

urlpatterns = [
    path("", views_public.index, name="index"),
    path("v/<str:number>", views_public.short_link, name="short_link"),
    path("c/<str:code>", views_public.code_link, name="code_link"),
    path("qr/", views_public.signed_qr, name="signed_qr"),
    path("keys.json", views_public.keys_json, name="keys_json"),
    path("keys.pem", views_public.keys_pem, name="keys_pem"),
]
