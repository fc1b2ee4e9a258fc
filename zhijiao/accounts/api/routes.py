from .views import UserViewSet


def register(router) -> None:
    router.register("users", UserViewSet, basename="user")
