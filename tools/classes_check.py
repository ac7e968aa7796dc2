#!/usr/bin/env python3
"""Classes of service recomputed from a long event log, independently of valuestream.

Written from the text of issue 14 and DESIGN.md (Python standard library only), to check
the `classes` key of `valuestream report --class-by ATTR --json`.

Definitions (DESIGN.md): an item's events are ordered by time, ties in input order; each
status maps to a stage of the workflow; consecutive events in one stage are one visit,
which lasts until the next one starts. Arrival = the first event; commitment = the first
visit to the commitment stage (default: the first stage that is not backlog) or a later
stage that is not done; done = the start of the item's trailing run of visits to done
stages. Cycle time = done - commitment, in days. An item committed and not done at as_of
(default: the latest event) is in progress; its age = as_of - commitment.

Classes (issue 14 and the README): one class per value of the attribute (an item's value
is its last non-empty one in file order; "(none)" without one). A class's SLE is, unless
set, its cycle-time p85 over its done items, Hyndman-Fan type 7: with sorted x and
h = (n - 1) * p / 100, x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]).
Share met = done items with cycle time <= SLE days / done items. An item in progress is
on track if age < 0.7 * SLE, at risk if 0.7 * SLE <= age <= SLE, past if age > SLE.
Stalled: in progress, and as_of - (start of its last visit) >= N, N = max(p50, 1 day).

usage: classes_check.py LOG.csv WORKFLOW.toml REPORT.json --id COL --state COL --time COL
       --attr COL [--as-of ISO]

Prints one line per class and exits 1 if any figure differs from the JSON's.
"""

import argparse
import csv
import json
import math
import sys
import tomllib
from datetime import datetime, timezone

DAY = 86_400.0


def parse_time(text):
    t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


def type7(sorted_values, p):
    n = len(sorted_values)
    h = (n - 1) * p / 100.0
    lo = math.floor(h)
    if lo + 1 >= n:
        return sorted_values[-1]
    return sorted_values[lo] + (h - lo) * (sorted_values[lo + 1] - sorted_values[lo])


def load_workflow(path):
    with open(path, "rb") as f:
        wf = tomllib.load(f)
    stages = wf["stage"]
    by_state = {}
    for i, s in enumerate(stages):
        for st in s.get("states") or [s["name"]]:
            by_state[st] = i
    kinds = [s["kind"] for s in stages]
    names = [s["name"] for s in stages]
    if "commitment" in wf:
        commit = names.index(wf["commitment"])
    else:
        commit = next(i for i, k in enumerate(kinds) if k not in ("backlog", "done"))
    return by_state, kinds, commit


def read_items(args, by_state):
    items = {}
    with open(args.log, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            it = items.setdefault(row[args.id], {"events": [], "attr": None})
            it["events"].append((parse_time(row[args.time]), len(it["events"]), by_state[row[args.state]]))
            value = row.get(args.attr, "")
            if value != "":
                it["attr"] = value
    return items


def item_figures(events, kinds, commit, as_of):
    """(cycle days or None, age days or None, days since the last move or None)."""
    events = sorted(e for e in events if e[0] <= as_of)
    visits = []  # [stage, start]
    for t, _, stage in events:
        if not visits or visits[-1][0] != stage:
            visits.append([stage, t])
    if not visits:
        return None, None, None
    commitment = next(
        (start for stage, start in visits if stage >= commit and kinds[stage] != "done"), None
    )
    k = len(visits)
    while k > 0 and kinds[visits[k - 1][0]] == "done":
        k -= 1
    done = visits[k][1] if k < len(visits) else None
    if commitment is None:
        return None, None, None
    if done is not None:
        return (done - commitment) / DAY, None, None
    return None, (as_of - commitment) / DAY, (as_of - visits[-1][1]) / DAY


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("workflow")
    ap.add_argument("report")
    ap.add_argument("--id", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--time", required=True)
    ap.add_argument("--attr", required=True)
    ap.add_argument("--as-of")
    args = ap.parse_args()
    by_state, kinds, commit = load_workflow(args.workflow)
    items = read_items(args, by_state)
    as_of = parse_time(args.as_of) if args.as_of else max(e[0] for it in items.values() for e in it["events"])
    classes = {}
    for it in items.values():
        c = classes.setdefault(it["attr"] or "(none)", {"cycle": [], "wip": []})
        cycle, age, since = item_figures(it["events"], kinds, commit, as_of)
        if cycle is not None:
            c["cycle"].append(cycle)
        elif age is not None:
            c["wip"].append((age, since))
    with open(args.report, encoding="utf-8") as f:
        got = {r["class"]: r for r in json.load(f)["classes"]["classes"]}
    bad = 0

    def check(name, what, mine, theirs, tol=1e-9):
        nonlocal bad
        same = (mine is None and theirs is None) or (
            mine is not None and theirs is not None and abs(mine - theirs) <= tol * max(1.0, abs(mine))
        )
        if not same:
            bad += 1
            print(f"MISMATCH {name} {what}: recomputed {mine}, valuestream {theirs}")

    for name, c in sorted(classes.items()):
        r = got.get(name)
        if r is None:
            bad += 1
            print(f"MISMATCH class {name} missing")
            continue
        cyc = sorted(c["cycle"])
        sle = None
        if r.get("sle_source") == "set":
            sle = r["sle"]["days"]
        elif cyc:
            sle = type7(cyc, 85)
        met = sum(1 for x in cyc if x <= sle) / len(cyc) if cyc and sle is not None else None
        counts = [0, 0, 0]
        if sle is not None:
            for age, _ in c["wip"]:
                counts[2 if age > sle else 1 if age >= 0.7 * sle else 0] += 1
        n_stall = max(type7(cyc, 50), 1.0) if cyc else None
        stalled = sum(1 for _, since in c["wip"] if n_stall is not None and since >= n_stall)
        check(name, "done", len(cyc), r["items"]["done"], 0)
        check(name, "in progress", len(c["wip"]), r["items"]["in_progress"], 0)
        check(name, "sle days", sle, r["sle"]["days"] if r["sle"] else None)
        check(name, "share met", met, r["sle_met"])
        a = r["aging"]
        check(name, "on track/at risk/past", 0, sum(abs(x - y) for x, y in zip(counts, [a["on_track"], a["at_risk"], a["past"]])), 0)
        check(name, "stalled after", n_stall, r["stalled_after_days"])
        check(name, "stalled", stalled, r["stalled"], 0)
        print(
            f"{name}: {len(cyc)} done, SLE {sle if sle is None else round(sle, 4)} days, "
            f"met {met if met is None else round(met, 4)}, on track/at risk/past {counts}, stalled {stalled}"
        )
    if len(got) != len(classes):
        bad += 1
        print(f"MISMATCH {len(classes)} classes recomputed, {len(got)} in the JSON")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
