"""Benchmark harness: kitsu-web measured against direct Zou, side by side.

``python -m bench`` brings up its own Zou stack (``scripts/zou-stack up
--name bench``), seeds a large production through Zou's bulk routes, starts
kitsu-web with gunicorn in front of it, runs the measures and prints one
Markdown table. See docs/benchmark.md.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / ".cache" / "bench"
STACK_NAME = "bench"
