#!/usr/bin/env python3
"""Cycle times of an XES log through a workflow, written independently of valuestream
(standard library only: gzip, xml.etree.iterparse, tomllib).

It reads the XES itself and applies the definitions of DESIGN.md ("metric definitions"), not
the crate's code:

- the state of an event is the values of the attributes named by --state joined by a space
  (default concept:name+lifecycle:transition, as `valuestream --state` reads it);
- a state no stage of the workflow maps is dropped (as `--drop-unmapped`), and counted;
- the events of an item (a trace) are ordered by time, ties in file order; consecutive
  events in one stage are one visit, lasting until the next visit starts;
- arrival = the first event; commitment = the first entry into the commitment stage or a
  later stage that is not done; done = the start of the trailing run of visits in done
  stages (none if the last visit is not done);
- with --done-is-final, the first entry into a done stage is final: later events keep the
  item in that done visit (as `valuestream --done-is-final`);
- done without commitment is discarded; cycle time = done - commitment and lead time =
  done - arrival, for committed items that are done; percentiles are Hyndman-Fan type 7.

usage: python3 tools/xes_flow.py LOG.xes[.gz] WORKFLOW.toml [--state A+B] [--done-is-final]
           [--prefix W_]

--prefix counts the traces with at least one event whose first state attribute starts
with it (for BPI Challenge 2012: the applications with a work item, W_). Prints JSON.

For BPI Challenge 2012 W (the figures tests/report_bpic2012.rs checks):

    python3 tools/xes_flow.py ../shared/data/bpic2012.xes.gz \\
        data/workflows/bpic2012_w.toml --done-is-final --prefix W_
"""

import argparse
import gzip
import json
import tomllib
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def load_workflow(path):
    with open(path, "rb") as f:
        wf = tomllib.load(f)
    stages = wf["stage"]
    state_to_stage = {}
    for i, s in enumerate(stages):
        for st in s.get("states") or [s["name"]]:
            state_to_stage[st] = i
    kinds = [s["kind"] for s in stages]
    names = [s["name"] for s in stages]
    if "commitment" in wf:
        commit = names.index(wf["commitment"])
    else:
        commit = next(i for i, k in enumerate(kinds) if k != "backlog")
    commits = [i >= commit and kinds[i] != "done" for i in range(len(stages))]
    return names, kinds, state_to_stage, commits


def ms(text):
    """An XES timestamp as integer milliseconds since the epoch (exact: no float)."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    d = dt - EPOCH
    return (d.days * 86_400 + d.seconds) * 1000 + d.microseconds // 1000


def traces(path):
    """(trace id, [(first attribute's value, state, ms)]) for each trace, in file order."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        trace_id, events, ev = None, None, None
        for what, el in ET.iterparse(f, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if what == "start":
                if tag == "trace":
                    trace_id, events = None, []
                elif tag == "event" and events is not None:
                    ev = {}
                continue
            if tag == "event" and ev is not None:
                events.append(ev)
                ev = None
            elif tag == "trace":
                yield trace_id, events
                events = None
                el.clear()
            elif ev is not None:
                ev[el.get("key")] = el.get("value")
            elif events is not None and el.get("key") == "concept:name":
                trace_id = el.get("value")


def type7(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    h = (len(xs) - 1) * p
    lo = int(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("workflow")
    ap.add_argument("--state", default="concept:name+lifecycle:transition")
    ap.add_argument("--done-is-final", action="store_true")
    ap.add_argument("--prefix", default=None)
    a = ap.parse_args()
    names, kinds, state_to_stage, commits = load_workflow(a.workflow)
    parts = [p.strip() for p in a.state.split("+")]

    items = []  # (id, [(stage, ms)] in time order)
    read = dropped = with_prefix = 0
    states = set()
    for tid, events in traces(a.log):
        read += len(events)
        if a.prefix and any(e[parts[0]].startswith(a.prefix) for e in events):
            with_prefix += 1
        mapped = []
        for k, e in enumerate(events):
            state = " ".join(e[p].strip() for p in parts)
            states.add(state)
            if state in state_to_stage:
                mapped.append((ms(e["time:timestamp"]), k, state_to_stage[state]))
            else:
                dropped += 1
        mapped.sort()  # by time, ties in file order
        items.append((tid, [(s, t) for t, _, s in mapped]))
    as_of = max(t for _, ev in items for _, t in ev)
    start = min(ev[0][1] for _, ev in items if ev)

    out = {
        "traces": len(items),
        "events_read": read,
        "states": len(states),
        "events_dropped_unmapped": dropped,
        "events_after_done_kept_done": 0,
        "items_without_events": 0,
        "committed": 0,
        "done": 0,
        "discarded": 0,
        "in_progress": 0,
        "not_started": 0,
    }
    if a.prefix:
        out[f"traces_with_{a.prefix}"] = with_prefix
    cycles, leads, done_in_stage = [], [], {}
    for _, ev in items:
        if not ev:
            out["items_without_events"] += 1
            continue
        if a.done_is_final:
            first_done = next((k for k, (s, _) in enumerate(ev) if kinds[s] == "done"), None)
            if first_done is not None:
                out["events_after_done_kept_done"] += len(ev) - first_done - 1
                ev = ev[: first_done + 1]
        visits = []  # (stage, start)
        for s, t in ev:
            if not visits or visits[-1][0] != s:
                visits.append((s, t))
        arrival = visits[0][1]
        commitment = next((t for s, t in visits if commits[s]), None)
        run = len(visits)
        while run > 0 and kinds[visits[run - 1][0]] == "done":
            run -= 1
        done = visits[run][1] if run < len(visits) else None
        if commitment is not None:
            out["committed"] += 1
        if commitment is not None and done is not None:
            out["done"] += 1
            cycles.append((done - commitment) / 86_400_000)
            leads.append((done - arrival) / 86_400_000)
            name = names[visits[run][0]]
            done_in_stage[name] = done_in_stage.get(name, 0) + 1
        elif done is not None:
            out["discarded"] += 1
        elif commitment is not None:
            out["in_progress"] += 1
        else:
            out["not_started"] += 1
    out["done_by_stage"] = done_in_stage
    out["as_of_ms"] = as_of
    out["window_days"] = (as_of - start) / 86_400_000
    out["cycle_time_days"] = {
        "mean": sum(cycles) / len(cycles) if cycles else None,
        "p50": type7(cycles, 0.5),
        "p85": type7(cycles, 0.85),
        "p95": type7(cycles, 0.95),
        "max": max(cycles, default=None),
    }
    out["lead_time_days_mean"] = sum(leads) / len(leads) if leads else None
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
