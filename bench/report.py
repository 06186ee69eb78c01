"""The Markdown table: figures, machine, versions and date."""

import datetime
import os
import platform
import subprocess
from importlib import metadata

import psutil

from . import ROOT
from .results import LABELS


def fmt_number(value):
    """A figure with a sensible number of digits."""
    if value is None:
        return "–"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_side(series, stats):
    """One side's cell: the chosen percentiles, unit, count and errors."""
    if series is None:
        return "–"
    if not series.values and series.errors:
        return f"**error** ({len(series.errors)}): {clean(series.errors[0])}"
    labels = []
    for q in stats:
        labels.append(fmt_number(series.p(q)))
    text = " / ".join(labels) + f" {series.unit}"
    if len(series.values) > 1:
        text += f" (n={len(series.values)})"
    if series.errors:
        text += f", **{len(series.errors)} errors**: {clean(series.errors[0])}"
    return text


def clean(text, limit=160):
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")[:limit]


def stats_label(stats):
    """Column legend for the percentiles of a row."""
    names = [LABELS.get(q, f"p{q}") for q in stats]
    return " / ".join(names)


def render_table(rows):
    """The Markdown table of all rows."""
    lines = [
        "| # | Measure | Shown | kitsu-web | Baseline: direct Zou "
        "(or as named) | Ratio kitsu-web / baseline | Notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        number, _, title = row.measure.partition(". ")
        if row.missing:
            cells = [number, clean(f"{title}: {row.metric}"), "–",
                     row.missing, row.missing, "n/a", clean(row.note)]
        else:
            cells = [
                number,
                clean(f"{title}: {row.metric}"),
                stats_label(row.stats),
                fmt_side(row.kitsu, row.stats),
                fmt_side(row.zou, row.stats),
                clean(row.ratio_text()),
                clean(row.note, 400),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def version_of(package):
    """Installed version of a Python distribution, or "?"."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def chromium_version(path):
    """Chromium's version string, or None."""
    if not path:
        return None
    try:
        out = subprocess.run([path, "--version"], capture_output=True,
                             text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def cpu_model():
    """The CPU model name from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_revision():
    """The checked-out commit of kitsu-web ("-dirty" if the app differs)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--",
             "kitsu_web", "templates", "static", "config", "app.py"],
            cwd=ROOT, capture_output=True, text=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return (out or "?") + ("-dirty" if dirty else "")


def environment(zou_version=None, chromium=None):
    """Machine and software facts for the report header."""
    memory = psutil.virtual_memory().total / 2**30
    return {
        "date": datetime.datetime.now().astimezone().strftime(
            "%Y-%m-%d %H:%M %Z"),
        "machine": (f"{os.cpu_count()} cores ({cpu_model()}), "
                    f"{memory:.1f} GiB RAM, {platform.system()} "
                    f"{platform.release()}"),
        "load": "load average {:.2f} / {:.2f} / {:.2f}".format(
            *os.getloadavg()),
        "versions": ", ".join(filter(None, [
            f"kitsu-web {git_revision()}",
            f"Zou {zou_version or '?'}",
            f"Python {platform.python_version()}",
            f"Flask {version_of('flask')}",
            f"gunicorn {version_of('gunicorn')}",
            f"gevent {version_of('gevent')}",
            f"Flask-SocketIO {version_of('flask-socketio')}",
            chromium,
        ])),
    }


def render(rows, env, workload, options):
    """The whole report: header lines and the table."""
    lines = [
        "## kitsu-web vs direct Zou",
        "",
        f"- Date: {env['date']}",
        f"- Machine: {env['machine']}; {env['load']} at the start, "
        f"{env.get('load_end', '?')} at the end",
        f"- Versions: {env['versions']}",
        f"- Workload: {workload}",
        f"- Options: {options}",
        "- Times in ms, lower is better; rates in MB/s, higher is better. "
        "A ratio is refused when either side had an error.",
        "",
        render_table(rows),
        "",
    ]
    return "\n".join(lines)
