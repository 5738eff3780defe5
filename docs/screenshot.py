"""The README's screenshot of the coverage page, taken from a real ``newsmon serve``.

A demonstration database (synthetic articles of the benchmark generator,
``benchmarks/serve_scale.py``: the configured outlets over 90 days) is
served, the system's Chromium opens the coverage page for one topic, waits
for the charts and saves ``docs/coverage.png``.

Run: ``.venv/bin/python docs/screenshot.py [--out docs/coverage.png]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "benchmarks"))

from serve_scale import build  # noqa: E402

from tests.serve_helpers import chart_marks, chromium_executable, chromium_page, serving  # noqa: E402

TOPIC = "karabakh-blockade"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "coverage.png")
    parser.add_argument("--articles", type=int, default=20000)
    args = parser.parse_args(argv)
    if chromium_executable() is None:
        print("no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "demo.db"
        build(db, args.articles, days=90, versions_every=1000)
        with serving(db) as base, chromium_page(Path(work) / "profile", height=1000) as page:
            page.goto(f"{base}/-/dashboards/coverage?topic={TOPIC}", wait_until="networkidle")
            page.wait_for_function(
                "() => document.querySelectorAll('g.mark-rect.role-mark > path').length > 0",
                timeout=60000,
            )
            page.wait_for_timeout(1000)
            if chart_marks(page, "#chart-by-outlet", "rect") <= 0 or page.newsmon_errors:
                print(f"the page did not draw: {page.newsmon_errors}", file=sys.stderr)
                return 1
            page.screenshot(path=str(args.out), full_page=True)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
