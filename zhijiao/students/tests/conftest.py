import pytest


@pytest.fixture(autouse=True)
def _english(english):
    """Assertions in this app's tests are on the English source strings."""
    yield
