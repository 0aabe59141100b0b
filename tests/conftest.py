"""The suite runs on two processes (build.py test: pytest-xdist, --dist loadgroup). Everything that drives
Chromium shares one browser and one built site per process, so it all runs in one group, one test
after another, while the other process takes the rest."""
import pytest

BROWSER_TESTS = ("tests/site/", "tests/browser/", "tests/webgpu/test_in_browser.py")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.nodeid.startswith(BROWSER_TESTS):
            item.add_marker(pytest.mark.xdist_group("browser"))
