"""The item-level calibration of `valuestream forecast --open --calibrate`, recounted from
its JSON and the log alone.

Written from the calibration's definition (the `calibrate_open` docs and issue 15), not
from valuestream's code. Only the Python standard library is used (and the log reading of
tools/holdout_measures.py, itself written from DESIGN.md).

python3 tools/open_calibration.py CALIBRATION.json LOG.csv WORKFLOW.toml \
    [--id COL --state COL --time COL]

CALIBRATION.json is `calibration_detail` of `valuestream forecast LOG --open --calibrate
--json` (or the whole output), or the JSON `tests/forecast_open_real.rs` writes. For each
past instant t of its points it checks that the items listed are exactly those in progress
at t (committed at or before t, not done as the log known up to t shows), so that no item
was chosen on its outcome; then, per confidence level c, it counts an item when the end
of its c-date (the next midnight, UTC) is at or before the log's end, and as met when the
log shows it done before that end. It prints the counts and exits with 1 if they differ
from the JSON's `levels`.
"""
import argparse
import json
import os
import sys
from datetime import date, datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from holdout_measures import MS_PER_DAY, Workflow, parse_ms, read_log, timeline  # noqa: E402


def end_of_day_ms(text):
    d = date.fromisoformat(text)
    start = datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
    return int(start.timestamp()) * 1000 + MS_PER_DAY


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("calibration")
    ap.add_argument("log")
    ap.add_argument("workflow")
    ap.add_argument("--id", default="id")
    ap.add_argument("--state", default="state")
    ap.add_argument("--time", default="timestamp")
    a = ap.parse_args()
    with open(a.calibration) as f:
        c = json.load(f)
    c = c.get("calibration_detail", c)
    wf = Workflow(a.workflow)
    items = read_log(a.log, a.id, a.state, a.time)
    as_of = parse_ms(c["as_of"])
    final = {i: timeline(ev, wf, as_of) for i, ev in items.items()}
    problems = 0
    for p in c["points"]:
        t = parse_ms(p["as_of"])
        open_then = set()
        for i, ev in items.items():
            commitment, done = timeline(ev, wf, t)
            if commitment is not None and commitment <= t and done is None:
                open_then.add(i)
        listed = {x["id"] for x in p["items"]}
        if listed != open_then:
            problems += 1
            print(f"{p['as_of']}: {len(listed)} items listed, {len(open_then)} open in the log")
    out = []
    for level in c["levels"]:
        key = repr(level["confidence"])
        counted = met = 0
        for p in c["points"]:
            for x in p["items"]:
                d = x["done_by"].get(key)
                if d is None:
                    continue
                end = end_of_day_ms(d)
                if end > as_of:
                    continue
                counted += 1
                done = final[x["id"]][1]
                met += done is not None and done < end
        out.append({"confidence": level["confidence"], "points": counted, "met": met})
        if (counted, met) != (level["points"], level["met"]):
            problems += 1
    print(json.dumps({"levels": out, "agrees": problems == 0}, indent=1))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
