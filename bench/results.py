"""One row of the benchmark table: a figure for kitsu-web and for Zou."""

from dataclasses import dataclass, field

from .stats import Series

MISSING = "n/a (feature missing)"
LABELS = {0: "min", 50: "median", 100: "max"}


@dataclass
class Row:
    """A measured quantity on both sides, and how to compare them.

    ``kitsu`` and ``zou`` are Series (or None when a side has no
    counterpart). ``stats`` names the percentiles shown (50 is the median).
    ``ratio`` is "time" (kitsu-web / Zou, lower is better), "rate"
    (kitsu-web / Zou throughput, higher is better) or None (no ratio).
    ``missing`` replaces the figures when the feature under test is absent.
    """

    measure: str
    metric: str
    kitsu: Series = None
    zou: Series = None
    stats: tuple = (50, 95)
    ratio: str = "time"
    note: str = ""
    missing: str = ""
    extra: dict = field(default_factory=dict)

    def ratio_text(self):
        """The ratio of medians and tails, or why there is none."""
        if self.missing:
            return "n/a"
        if not self.ratio or self.kitsu is None or self.zou is None:
            return "–"
        refused = [
            f"{side} errored ({len(series.errors)})"
            for side, series in (("kitsu-web", self.kitsu), ("Zou", self.zou))
            if series.errors
        ]
        if refused:
            return "refused: " + ", ".join(refused)
        if not self.kitsu.values or not self.zou.values:
            return "refused: no data"
        parts = []
        for q in self.stats:
            mine, theirs = self.kitsu.p(q), self.zou.p(q)
            if not theirs:
                return "refused: zero baseline"
            label = LABELS.get(q, f"p{q}")
            parts.append(f"{label} ×{mine / theirs:.2f}")
        return " · ".join(parts)

    def to_dict(self):
        """A JSON-ready description."""
        return {
            "measure": self.measure,
            "metric": self.metric,
            "kitsu": self.kitsu.to_dict() if self.kitsu else None,
            "zou": self.zou.to_dict() if self.zou else None,
            "stats": list(self.stats),
            "ratio": self.ratio_text(),
            "note": self.note,
            "missing": self.missing,
            "extra": self.extra,
        }


def missing_rows(measure, metrics, reason=MISSING):
    """Rows that say the feature a measure needs is not there."""
    return [Row(measure, metric, missing=reason, ratio=None)
            for metric in metrics]


def failed_rows(measure, error):
    """A row that says the measure itself crashed."""
    series = Series()
    series.fail(error)
    return [Row(measure, "harness error", kitsu=series, ratio=None,
                note=str(error)[:200])]
