"""``python -m bench``: seed, start kitsu-web, measure, print the table."""

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import requests

from . import OUTPUT_DIR, ROOT, profile
from .context import Context
from .measures import MEASURES, TITLES
from .measures.browser import chromium_path
from .report import chromium_version, environment, render
from .results import failed_rows
from .seed import seed
from .server import KitsuWeb
from .zouapi import ensure_stack, stop_stack

log = logging.getLogger("bench")
CHOICES = [*MEASURES, "profile"]


def parse_args(argv):
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure kitsu-web against direct Zou on a seeded "
                    "production and print a Markdown table.")
    parser.add_argument(
        "--scale", type=float, default=1.0,
        help="workload size; 1 = 5,000 shots / 40,000 shot tasks "
             "(default), 0.02 = 100 shots")
    parser.add_argument(
        "--quick", action="store_true",
        help="fewer repetitions, shorter runs (a rough table in minutes)")
    parser.add_argument(
        "--only", action="append", choices=CHOICES, metavar="MEASURE",
        help=f"run only this measure (repeatable): {', '.join(CHOICES)}")
    parser.add_argument(
        "--keep-stack", action="store_true",
        help="leave the bench Zou stack running at the end")
    parser.add_argument(
        "--output", default=str(OUTPUT_DIR / "latest.md"),
        help="where to write the table (default .cache/bench/latest.md)")
    return parser.parse_args(argv)


def zou_version(api_url):
    """Zou's version from its root route."""
    try:
        return requests.get(api_url + "/", timeout=10).json().get("version")
    except (requests.RequestException, ValueError):
        return None


def describe(workload, scale):
    """One line about the seeded production."""
    mb = 2**20
    return (
        f"\"{workload['project_name']}\" (scale {scale:g}): "
        f"{workload['sequences']} sequences, {workload['shots']:,} shots, "
        f"{workload['shot_tasks']:,} shot tasks, {workload['assets']} "
        f"assets, {workload['asset_tasks']:,} asset tasks, comments on 5% "
        f"of tasks ({workload['comments_target']:,}), a "
        f"{workload['attachment']['size'] // mb} MB attachment, a "
        f"{workload['upload_bytes'] // mb} MB upload; seed check/top-up "
        f"took {workload['seed_seconds']} s in this run"
    )


def run_measures(ctx, names):
    """Run the chosen measures; a crash becomes an error row."""
    rows = []
    for name in names:
        log.info("measure %s", name)
        started = time.monotonic()
        try:
            rows.extend(MEASURES[name](ctx))
        except Exception as exc:  # noqa: BLE001 - the harness completes
            log.exception("measure %s crashed", name)
            rows.extend(failed_rows(TITLES[name],
                                    f"{type(exc).__name__}: {exc}"))
        log.info("measure %s done in %.0f s", name,
                 time.monotonic() - started)
    return rows


def main(argv=None):
    """Run the benchmark; return the process exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(message)s")
    names = [n for n in CHOICES if not args.only or n in args.only]
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    started_at = time.monotonic()
    env_before = environment()
    stack, started_stack = ensure_stack()
    web = None
    try:
        workload, people, bot = seed(stack, args.scale)
        admin = {"email": stack["admin_email"],
                 "password": stack["admin_password"]}
        web = KitsuWeb(stack, bot_token=bot["token"]).start()
        ctx = Context(stack["api_url"], stack["event_url"], web.url, admin,
                      workload, web=web, people=people, quick=args.quick,
                      stack=stack)
        rows = run_measures(ctx, [n for n in names if n in MEASURES])
        web.stop()
        profile_text = ""
        if "profile" in names:
            log.info("profiling the shot list request")
            try:
                profile_text = profile.run(stack, workload, admin)
            except Exception as exc:  # noqa: BLE001 - reported, not fatal
                log.exception("profile failed")
                profile_text = f"Profile failed: {exc}\n"
        env = environment(zou_version(stack["api_url"]),
                          chromium_version(chromium_path()))
        env["load_end"] = env["load"].replace("load average ", "")
        env["load"] = env_before["load"]
        options = (f"scale {args.scale:g}"
                   + (", quick" if args.quick else "")
                   + (f", only {', '.join(names)}" if args.only else "")
                   + f"; whole run {time.monotonic() - started_at:.0f} s")
        text = render(rows, env, describe(workload, args.scale), options)
        if profile_text:
            text += "\n" + profile_text
        output = args.output
        with open(output, "w") as handle:
            handle.write(text)
        with open(OUTPUT_DIR / "latest.json", "w") as handle:
            json.dump({"env": env, "options": options,
                       "rows": [r.to_dict() for r in rows]}, handle,
                      indent=1)
        sys.stdout.write(text)
        log.info("table written to %s", _relative(output))
        return 0
    finally:
        if web is not None:
            web.stop()
        if started_stack and not args.keep_stack:
            stop_stack()


def _relative(path):
    """A path relative to the project when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
