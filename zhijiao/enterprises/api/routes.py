from .views import EnterpriseViewSet


def register(router) -> None:
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
