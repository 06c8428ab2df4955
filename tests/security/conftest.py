"""The marketplace's parties (seller, buyer, bureau, a patent) for the hostile-input tests."""

from tests.trading.conftest import bureau, buyer, patent, seller  # noqa: F401 - fixtures
