"""Samples, percentiles and a resident-memory sampler."""

import threading
import time

import psutil


def percentile(values, q):
    """The q-th percentile (0-100) of values, linearly interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Series:
    """Repeated measurements of one quantity on one side, with errors."""

    def __init__(self, unit="ms", values=None, errors=None):
        self.unit = unit
        self.values = list(values or [])
        self.errors = list(errors or [])

    def add(self, value):
        """Record one measurement."""
        self.values.append(value)

    def fail(self, message):
        """Record one failed attempt."""
        self.errors.append(str(message)[:300])

    @property
    def ok(self):
        """True when something was measured and nothing failed."""
        return bool(self.values) and not self.errors

    def p(self, q):
        """The q-th percentile of the values."""
        return percentile(self.values, q)

    @property
    def median(self):
        """The median of the values."""
        return percentile(self.values, 50)

    def to_dict(self):
        """A JSON-ready description."""
        return {
            "unit": self.unit,
            "n": len(self.values),
            "median": self.median,
            "p95": self.p(95),
            "p99": self.p(99),
            "min": min(self.values) if self.values else None,
            "max": max(self.values) if self.values else None,
            "errors": self.errors[:20],
            "error_count": len(self.errors),
        }


class Timer:
    """Wall-clock duration of a block, in milliseconds."""

    def __enter__(self):
        self.start = time.perf_counter()
        self.ms = None
        return self

    def __exit__(self, *exc):
        self.ms = (time.perf_counter() - self.start) * 1000.0
        return False


def rss(pids):
    """Resident memory of the given processes, in bytes (gone ones: 0)."""
    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.Error:
            pass
    return total


class RssSampler:
    """Sample the resident memory of processes in a background thread.

    ``pids_fn`` returns the pids to watch (re-read each sample, so a worker
    restarted by gunicorn is followed). Reports the baseline taken at start
    and the peak per pid and in total.
    """

    def __init__(self, pids_fn, interval=0.02):
        self.pids_fn = pids_fn
        self.interval = interval
        self.baseline = 0
        self.peak = 0
        self.peak_per_pid = {}
        self._stop = threading.Event()
        self._thread = None

    def _sample(self):
        pids = list(self.pids_fn())
        total = 0
        for pid in pids:
            value = rss([pid])
            total += value
            if value > self.peak_per_pid.get(pid, 0):
                self.peak_per_pid[pid] = value
        self.peak = max(self.peak, total)
        return total

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self.baseline = self._sample()
        self.peak = self.baseline
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self._sample()
        return False

    @property
    def growth_mb(self):
        """Peak minus baseline, in MB."""
        return (self.peak - self.baseline) / 1e6
