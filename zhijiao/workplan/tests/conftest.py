import pytest

from zhijiao.workplan.loader import PLAN_2021_EXAMPLES, plan_load


@pytest.fixture
def plan(world):
    """The 2021 plan loaded under the World's province with the demo's example dates, owned by province_staff,
    division head province_admin."""
    p, _counts = plan_load(examples=PLAN_2021_EXAMPLES)
    p.tasks.update(owner=world["province_staff"])
    p.head = world["province_admin"]
    p.save(update_fields=["head"])
    return p


@pytest.fixture
def kp(plan):
    def _get(number, kind="key_point"):
        return plan.tasks.get(kind=kind, number=number)

    return _get


@pytest.fixture(autouse=True)
def _english(english):
    """Assertions in this app's tests are on the English source strings."""
    yield
