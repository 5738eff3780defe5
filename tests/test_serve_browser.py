"""The coverage page in a real browser: the system's Chromium loads it from ``newsmon serve``."""

from __future__ import annotations

import pytest

from tests.serve_helpers import (
    BLOCKADE,
    build_fixture_db,
    chart_marks,
    chromium_executable,
    chromium_page,
    serving,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser_ready():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[dev]')")
    if chromium_executable() is None:
        pytest.skip(
            "no Chromium on this machine and it could not be installed "
            "(.ci/run tries 'apt-get install chromium'; NEWSMON_CHROMIUM names another binary)"
        )


def test_coverage_page_draws_its_charts_without_errors(browser_ready, tmp_path):
    db = build_fixture_db(tmp_path / "collection.db")
    with serving(db) as base, chromium_page(tmp_path / "profile") as page:
        page.goto(
            f"{base}/-/dashboards/coverage?topic={BLOCKADE}&since=2023-04-30&until=2023-05-03",
            wait_until="networkidle",
        )
        for chart in ("by-outlet", "by-language", "share"):
            page.wait_for_selector(f"#chart-{chart} canvas, #chart-{chart} svg", timeout=30000)
        # Vega draws asynchronously after the data arrives: wait for marks.
        page.wait_for_function(
            "() => document.querySelector('#chart-by-outlet canvas, #chart-by-outlet svg')",
            timeout=30000,
        )
        page.wait_for_timeout(500)
        # Days with relevant articles of the topic: 04-30 apa (az), 05-01 asbarez (en)
        # and news-am (hy), 05-03 news-am (hy): four bars each; one line of shares.
        drawn = {
            "by-outlet": chart_marks(page, "#chart-by-outlet", "rect"),
            "by-language": chart_marks(page, "#chart-by-language", "rect"),
            "share": chart_marks(page, "#chart-share", "line"),
        }
        assert drawn == {"by-outlet": 4, "by-language": 4, "share": 1}
        assert page.newsmon_errors == []
        # Everything came from newsmon serve itself: no CDN.
        assert page.newsmon_hosts == {"127.0.0.1"}
        assert "Coverage" in page.title() or "Coverage" in page.content()
