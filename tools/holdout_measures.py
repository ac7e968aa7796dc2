"""The measures of a held-out backtest, recomputed from the two logs alone.

Written from the held-out backtest's definition (DESIGN.md, "Trust"; the backtest issue),
not from valuestream's code, so that it checks the crate's figures independently. Only the
Python standard library is used.

python3 tools/holdout_measures.py --log OBSERVED.csv --predicted PREDICTED.csv \
    --workflow WORKFLOW.toml --train-until T [--as-of T] [--id COL --state COL --time COL]

OBSERVED is the real log (long CSV: one row per state entry); PREDICTED is the history one
replication of the model gave for the test period (`valuestream backtest --log`), long CSV
`id,state,timestamp` in the workflow's state names. The output is one JSON object:

- `train_until`, `as_of`, `test_days`;
- `cycle_time_days.{observed,predicted}.{count,mean,p50,p85}`: the cycle times (done −
  commitment) of the items committed after the split and done by `as_of`;
- `ctdd_days`: the 1-Wasserstein distance between those two samples (the area between their
  empirical distribution functions); `ctdd_relative` = `ctdd_days` / observed mean;
- `errors.{mean,p50,p85,throughput,wip}`: (predicted − observed) / observed, throughput being
  the items done in (split, as_of] per day and wip the time-average work in progress over
  the test period;
- `wip_distance_relative`: the mean absolute difference of the WIP at split + 1 day,
  split + 2 days, … (every whole day of the test period), over the observed mean WIP;
- `open_at_split.{count,done_observed,done_predicted}`: the items committed and not done
  at the split, and how many of them were done by `as_of` in each log.

The timeline of an item follows DESIGN.md: events in time order (ties in input order),
events in one stage in a row are one visit; commitment is the first entry into the
commitment stage or a later stage that is not done; done is the start of the trailing run of
visits in done stages. Percentiles are type 7 (numpy's default).
"""
import argparse
import csv
import json
import math
import tomllib
from datetime import datetime, timezone

MS_PER_DAY = 86_400_000


def parse_ms(text):
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    dt = datetime.fromisoformat(t)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    # Whole milliseconds, as the logs write them.
    delta = dt - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


class Workflow:
    def __init__(self, path):
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        self.kinds = []
        self.stage_of = {}
        for i, st in enumerate(doc["stage"]):
            self.kinds.append(st["kind"])
            for s in st.get("states", [st["name"]]):
                self.stage_of[s] = i
        names = [st["name"] for st in doc["stage"]]
        if "commitment" in doc:
            self.commitment = names.index(doc["commitment"])
        else:
            self.commitment = next(i for i, k in enumerate(self.kinds) if k != "backlog")

    def commits(self, stage):
        return stage >= self.commitment and self.kinds[stage] != "done"


def read_log(path, id_col, state_col, time_col):
    """Each item's events, in input order: {id: [(ms, state)]}."""
    items = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            items.setdefault(row[id_col], []).append((parse_ms(row[time_col]), row[state_col]))
    return items


def timeline(events, wf, as_of):
    """(commitment, done) of one item, in ms (None if never)."""
    visits = []
    for t, s in sorted(events, key=lambda e: e[0]):  # sorted() is stable
        if t > as_of or s not in wf.stage_of:
            continue
        stage = wf.stage_of[s]
        if visits and visits[-1][1] == stage:
            continue
        visits.append((t, stage))
    commitment = next((t for t, st in visits if wf.commits(st)), None)
    k = len(visits)
    while k > 0 and wf.kinds[visits[k - 1][1]] == "done":
        k -= 1
    done = visits[k][0] if k < len(visits) else None
    return commitment, done


def pct(xs, p):
    h = (len(xs) - 1) * p / 100.0
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def wasserstein(a, b):
    """Area between the empirical distribution functions of sorted samples a and b."""
    xs = sorted(set(a) | set(b))
    total, i, j = 0.0, 0, 0
    for k in range(len(xs) - 1):
        while i < len(a) and a[i] <= xs[k]:
            i += 1
        while j < len(b) and b[j] <= xs[k]:
            j += 1
        total += abs(i / len(a) - j / len(b)) * (xs[k + 1] - xs[k])
    return total


def measures(items, wf, split, as_of):
    placed = {i: timeline(ev, wf, as_of) for i, ev in items.items()}
    cycle = sorted((d - c) / MS_PER_DAY for c, d in placed.values()
                   if c is not None and c > split and d is not None)
    done_in_test = sum(1 for c, d in placed.values()
                       if c is not None and d is not None and split < d <= as_of)
    test_ms = as_of - split
    area = 0
    for c, d in placed.values():
        if c is None:
            continue
        a, b = max(c, split), min(d if d is not None else as_of, as_of)
        if b > a:
            area += b - a
    snapshots = [split + k * MS_PER_DAY for k in range(1, test_ms // MS_PER_DAY + 1)]
    wip_at = [sum(1 for c, d in placed.values()
                  if c is not None and c <= t and (d is None or t < d)) for t in snapshots]
    return {
        "placed": placed,
        "cycle": cycle,
        "throughput": done_in_test / (test_ms / MS_PER_DAY),
        "wip": area / test_ms,
        "wip_at": wip_at,
    }


def summary(xs):
    return {"count": len(xs), "mean": sum(xs) / len(xs), "p50": pct(xs, 50), "p85": pct(xs, 85)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--predicted", required=True)
    ap.add_argument("--workflow", required=True)
    ap.add_argument("--train-until", required=True)
    ap.add_argument("--as-of")
    ap.add_argument("--id", default="id")
    ap.add_argument("--state", default="state")
    ap.add_argument("--time", default="timestamp")
    a = ap.parse_args()
    wf = Workflow(a.workflow)
    observed = read_log(a.log, a.id, a.state, a.time)
    predicted = read_log(a.predicted, "id", "state", "timestamp")
    split = parse_ms(a.train_until)
    if a.as_of:
        as_of = parse_ms(a.as_of)
    else:
        as_of = max(t for ev in observed.values() for t, s in ev if s in wf.stage_of)
    o = measures(observed, wf, split, as_of)
    p = measures(predicted, wf, split, as_of)
    so, sp = summary(o["cycle"]), summary(p["cycle"])
    ctdd = wasserstein(o["cycle"], p["cycle"])
    rel = lambda pred, obs: (pred - obs) / obs
    open_ids = [i for i, (c, d) in o["placed"].items()
                if c is not None and c <= split and (d is None or d > split)]
    done_obs = sum(1 for i in open_ids if o["placed"][i][1] is not None)
    done_pred = sum(1 for i in open_ids
                    if i in p["placed"] and p["placed"][i][1] is not None)
    n = len(o["wip_at"])
    distance = sum(abs(x - y) for x, y in zip(o["wip_at"], p["wip_at"])) / n if n else 0.0
    out = {
        "train_until": a.train_until,
        "as_of_ms": as_of,
        "test_days": (as_of - split) / MS_PER_DAY,
        "cycle_time_days": {"observed": so, "predicted": sp},
        "ctdd_days": ctdd,
        "ctdd_relative": ctdd / so["mean"],
        "errors": {
            "mean": rel(sp["mean"], so["mean"]),
            "p50": rel(sp["p50"], so["p50"]),
            "p85": rel(sp["p85"], so["p85"]),
            "throughput": rel(p["throughput"], o["throughput"]),
            "wip": rel(p["wip"], o["wip"]),
        },
        "throughput_per_day": {"observed": o["throughput"], "predicted": p["throughput"]},
        "wip_mean": {"observed": o["wip"], "predicted": p["wip"]},
        "wip_distance_relative": distance / o["wip"],
        "open_at_split": {"count": len(open_ids), "done_observed": done_obs,
                          "done_predicted": done_pred},
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
