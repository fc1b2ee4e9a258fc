app_name = "verify"

urlpatterns: list = []
