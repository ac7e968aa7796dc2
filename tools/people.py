#!/usr/bin/env python3
"""An independent computation of a stage's capacity from who did the work (the figures of
valuestream's `PeopleFit`), from a long CSV, with the standard library only.

Usage: people.py LOG.csv START END [STAGE_STATES...]

Reads the BPI Challenge 2013 layout (case:concept:name, lifecycle:transition as the state,
time:timestamp, org:resource). A visit to the stage is a run of consecutive events (in time
order, ties in file order) whose state is one of STAGE_STATES; it lasts until the item's
next event in another stage (or the log's last instant, if none) and belongs to the
resource of its first event. Visits are clipped to [START, END); those of no length are
left out. Prints the people in all, per full week from START, their median, the service
and union busy time in days, the items held at once, the busy share and the servers
round(median x items at once).
"""

import csv
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from statistics import median

WAIT = {"Awaiting Assignment", "Unmatched", "Assigned", "Wait", "Wait - User",
        "Wait - Vendor", "Wait - Implementation", "Wait - Customer"}
DONE = {"Resolved", "Closed", "In Call", "Cancelled"}


def main():
    path, start, end = sys.argv[1], sys.argv[2], sys.argv[3]
    stage = set(sys.argv[4:]) or {"In Progress"}
    ws, we = datetime.fromisoformat(start), datetime.fromisoformat(end)
    items = defaultdict(list)
    last = None
    with open(path, newline="") as f:
        for i, r in enumerate(csv.DictReader(f)):
            t = datetime.fromisoformat(r["time:timestamp"])
            items[r["case:concept:name"]].append((t, i, r["lifecycle:transition"], r["org:resource"]))
            last = t if last is None or t > last else last
    held = defaultdict(list)  # person -> [(start, end)]
    unnamed = 0
    for evs in items.values():
        evs.sort(key=lambda e: (e[0], e[1]))
        # Only committed items: some event in a wait or active stage.
        if not any(s in WAIT or s in stage for _, _, s, _ in evs):
            continue
        cur = None  # (start, resource) of the open visit to the stage
        prev_kind = None
        for t, _, s, who in evs:
            kind = "stage" if s in stage else ("done" if s in DONE else "other")
            if kind == prev_kind:
                continue
            if cur is not None:
                add(held, cur, t, ws, we)
                unnamed += cur[1] == "" and clip(cur[0], t, ws, we) is not None
                cur = None
            if kind == "stage":
                cur = (t, who)
            prev_kind = kind
        if cur is not None:
            add(held, cur, last, ws, we)
            unnamed += cur[1] == "" and clip(cur[0], last, ws, we) is not None
    held.pop("", None)
    week = timedelta(days=7)
    full = int((we - ws) / week)
    nweeks = full + (1 if ws + full * week < we else 0)
    per_week = [set() for _ in range(nweeks)]
    service = busy = 0.0
    services = 0
    for who, iv in held.items():
        iv.sort()
        services += len(iv)
        service += sum((b - a).total_seconds() for a, b in iv)
        union = []
        for a, b in iv:
            if union and a <= union[-1][1]:
                union[-1][1] = max(union[-1][1], b)
            else:
                union.append([a, b])
        for a, b in union:
            busy += (b - a).total_seconds()
            for w in range(nweeks):
                w0, w1 = ws + w * week, min(ws + (w + 1) * week, we)
                if a < w1 and b > w0:
                    per_week[w].add(who)
    counts = [len(s) for s in per_week]
    available = sum(c * (min(ws + (w + 1) * week, we) - (ws + w * week)).total_seconds()
                    for w, c in enumerate(counts))
    typical = median(counts[:full]) if full else len(held)
    h = service / busy
    print(f"people {len(held)}; per full week {counts[:full]} (median {typical}); "
          f"services {services} named, {unnamed} unnamed; service {service / 86400:.6f} d; "
          f"busy {busy / 86400:.6f} d; items at once {h:.6f}; busy share {busy / available:.6f}; "
          f"servers {round(typical * h)}")


def clip(a, b, ws, we):
    a, b = max(a, ws), min(b, we)
    return (a, b) if b > a else None


def add(held, cur, end, ws, we):
    c = clip(cur[0], end, ws, we)
    if c is not None:
        held[cur[1]].append(c)


if __name__ == "__main__":
    main()
