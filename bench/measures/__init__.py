"""The measures, by the names ``--only`` accepts."""

from . import api, browser, events, load, shotlist, stream

MEASURES = {
    "api": api.run,
    "stream": stream.run,
    "shots": shotlist.run,
    "browser": browser.run,
    "events": events.run,
    "load": load.run,
}

TITLES = {
    "api": api.MEASURE,
    "stream": stream.MEASURE,
    "shots": shotlist.MEASURE,
    "browser": browser.MEASURE,
    "events": events.MEASURE,
    "load": load.MEASURE,
}
