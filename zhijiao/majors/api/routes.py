from .views import MajorCategoryViewSet, MajorClassViewSet, MajorViewSet, OfferingViewSet


def register(router) -> None:
    router.register("major-categories", MajorCategoryViewSet, basename="major-category")
    router.register("major-classes", MajorClassViewSet, basename="major-class")
    router.register("majors", MajorViewSet, basename="major")
    router.register("offered-majors", OfferingViewSet, basename="offered-major")
