from .views import InstitutionViewSet, RegionViewSet


def register(router) -> None:
    router.register("regions", RegionViewSet, basename="region")
    router.register("institutions", InstitutionViewSet, basename="institution")
