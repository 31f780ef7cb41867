"""Browser tests: Playwright driving the system Chromium (Debian package `chromium`).

No browser is ever downloaded (`playwright install` is not used). Where Chromium or the
Playwright package is missing, every test here is skipped with the reason.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls
# (creating users and tasks) are then refused by Django unless this is set.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

try:
    import playwright  # noqa: F401

    MISSING = None if os.path.exists(CHROMIUM) else f"{CHROMIUM} 不存在(apt install chromium)"
except ImportError:
    MISSING = "未安装 playwright(pip install -e '.[dev]')"


def pytest_collection_modifyitems(config, items):
    if not MISSING:
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: {MISSING}")
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    }


@pytest.fixture
def screenshot_dir(tmp_path):
    """Screenshots go to $BROWSER_SCREENSHOTS when set (to look at them), else a temp dir."""
    target = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture(autouse=True)
def _keep_migration_data(django_db_serialized_rollback):
    """live_server flushes the database after each test; restore the rows data migrations
    made (the 优化办 / 领导 groups and their permissions) so later tests still find them."""
