"""The kernel reads what the apps contribute on their AppConfig (core.contributions)."""

from django.apps import apps
from django.urls import reverse

from zhijiao.core.contributions import DemoLoader, contributions, demo_loaders
from zhijiao.core.navigation import menu_groups, menu_items


def test_every_zhijiao_app_mounts_its_pages_and_the_kernel_declares_only_its_own():
    mounted = {module for _config, urls in contributions("urls") for _prefix, module, *_ in urls}
    for config in apps.get_app_configs():
        if config.name.startswith("zhijiao."):
            assert f"{config.name}.urls" in mounted, config.name
    kernel = {"core", "orgs", "accounts"}
    for config, urls in contributions("urls"):
        if config.label in kernel:
            assert all(module.startswith(config.name) for _p, module, *_ in urls)


def test_the_public_lookup_resolves_before_the_staff_pages():
    from config.urls import urlpatterns

    prefixes = [str(p.pattern) for p in urlpatterns]
    assert prefixes.index("verify/") < prefixes.index("credentials/")
    assert prefixes[0] == "api/v1/"
    assert reverse("credentials:certificate_list").startswith("/credentials/")


def test_menu_groups_are_declared_once_and_every_item_has_one():
    keys = [g.key for g in menu_groups()]
    assert len(keys) == len(set(keys))
    assert {i.group for i in menu_items()} <= set(keys)
    # The kernel's groups frame the subsystems': start first, system administration last.
    assert keys[0] == "start" and keys[-1] == "system"


def test_demo_loaders_run_after_the_apps_they_name():
    order = demo_loaders()
    position = {}
    for index, (label, _loader) in enumerate(order):
        position.setdefault(label, index)
    for label, loader in order:
        for dep in loader.after:
            assert position[dep] < position[label], (label, dep)
    stages = [loader.stage for _label, loader in order]
    assert set(stages) == {"reference", "shared", "subsystem"}


def test_a_cycle_between_demo_loaders_is_refused(monkeypatch):
    import pytest

    a, b = apps.get_app_config("students"), apps.get_app_config("credentials")
    monkeypatch.setattr(a, "demo_loader", DemoLoader("x.y", after=("credentials",)), raising=False)
    monkeypatch.setattr(b, "demo_loader", DemoLoader("x.z", after=("students",)), raising=False)
    with pytest.raises(RuntimeError, match="cycle"):
        demo_loaders()
