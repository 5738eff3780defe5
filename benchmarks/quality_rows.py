"""One row of the data-quality table that benchmarks/quality.py prints."""

from __future__ import annotations


def _number(value) -> float | None:
    return None if value is None else float(value)


def row(
    section: str,
    metric: str,
    newsmon,
    reference=None,
    reference_name: str | None = None,
    target=None,
    *,
    higher: bool = True,
) -> dict:
    """A metric's row: newsmon's figure beside a reference tool's, and the target it must meet.

    Figures are floats (or None: not measured, no reference, no target);
    ``higher`` says whether a higher figure is better (it meets the target
    from above) or a lower one.
    """
    return {
        "section": section,
        "metric": metric,
        "newsmon": _number(newsmon),
        "reference": _number(reference),
        "reference_name": reference_name,
        "target": _number(target),
        "higher_is_better": higher,
    }
