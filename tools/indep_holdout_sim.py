"""Logs for the held-out backtest, from an independent simulator (SimPy) that shares no code
with valuestream.

python tools/indep_holdout_sim.py OUT_DIR [SEED]

writes into OUT_DIR:

- holdout_steady_log.csv: a stationary line of four stations (the line of
  tools/indep_line_sim.py: Poisson arrivals at 2 a day; Dev 3 servers, gamma mean 1.05 days
  CV 0.8; Review 1 server, exponential mean 0.3; Test 2 servers, lognormal mean 0.8 CV 0.6;
  Deploy 1 server, 0.1 days), observed for DAYS days;
- holdout_halved_log.csv: the same line (same seed, so the same history up to the split),
  whose Test loses one of its two servers at day SPLIT (its capacity halves: 2 / 0.8 = 2.5 items a day
  becomes 1.25, below the 2 a day that arrive, so Test's queue grows without bound);
- holdout_truth.json: the parameters, and the noise floor of the held-out measures: for
  RUNS further runs of the stationary line (other seeds), the measures of the test period of
  each run against those of the logged run, computed exactly as the held-out backtest
  defines them (cycle time of the items committed after SPLIT and done by DAYS; throughput;
  time-average WIP):
  CTDD (the 1-Wasserstein distance of the two cycle-time samples, in days and relative to the
  logged run's mean), and the relative differences of mean, p50, p85, throughput and mean WIP.

A log is long CSV: id, state, timestamp; "<stage> queue" while waiting, "<stage>" while
served, "Done" when finished. Every item arrives straight into Dev's queue, so its
commitment (the first state of the workflow that is not backlog) is its arrival.
"""
import csv
import json
import math
import random
import sys
from datetime import datetime, timedelta, timezone

import simpy

START = datetime(2024, 1, 1, tzinfo=timezone.utc)
LAMBDA = 2.0
DAYS = 400.0
SPLIT = 280.0
RUNS = 20


def gamma(mean, cv):
    k = 1.0 / (cv * cv)
    return lambda r: r.gammavariate(k, mean / k)


def lognormal(mean, cv):
    s2 = math.log(1.0 + cv * cv)
    mu = math.log(mean) - s2 / 2.0
    return lambda r: r.lognormvariate(mu, math.sqrt(s2))


def expo(mean):
    return lambda r: r.expovariate(1.0 / mean)


def det(d):
    return lambda r: d


LINE = [
    ("Dev", 3, gamma(1.05, 0.8)),
    ("Review", 1, expo(0.3)),
    ("Test", 2, lognormal(0.8, 0.6)),
    ("Deploy", 1, det(0.1)),
]


def run(seed, halve_test_at=None):
    """One run of DAYS days: the log as (item, state, day) rows."""
    rng = random.Random(seed)
    env = simpy.Environment()
    res = {name: simpy.Resource(env, capacity=c) for name, c, _ in LINE}
    log = []

    def item(i):
        for name, _, svc in LINE:
            log.append((i, name + " queue", env.now))
            with res[name].request() as req:
                yield req
                log.append((i, name, env.now))
                yield env.timeout(svc(rng))
        log.append((i, "Done", env.now))

    def source():
        i = 0
        while True:
            yield env.timeout(rng.expovariate(LAMBDA))
            i += 1
            env.process(item(i))

    def halve():
        # One of Test's two servers leaves for good: it takes a server's place, with the
        # highest priority, as soon as one is free, and never gives it back.
        yield env.timeout(halve_test_at)
        test = res["Test"]
        req = test.request()
        # SimPy grants requests in queue order: put this one at the front.
        if req in test.queue:
            test.queue.remove(req)
            test.queue.insert(0, req)
        yield req
        yield env.timeout(10 * DAYS)

    env.process(source())
    if halve_test_at is not None:
        env.process(halve())
    env.run(until=DAYS)
    return log


def write_log(path, log):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "state", "timestamp"])
        for i, state, t in log:
            ts = START + timedelta(days=t)
            w.writerow([f"H-{i}", state, ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"])


def test_period(log):
    """The measures of the test period (SPLIT, DAYS] of a run, as the backtest defines them."""
    first, done = {}, {}
    for i, state, t in log:
        first.setdefault(i, t)
        if state == "Done":
            done[i] = t
    cycle = sorted(done[i] - first[i] for i in first if first[i] > SPLIT and i in done)
    test_days = DAYS - SPLIT
    throughput = sum(1 for t in done.values() if t > SPLIT) / test_days
    area = 0.0
    for i, c in first.items():
        end = done.get(i, DAYS)
        a, b = max(c, SPLIT), min(end, DAYS)
        if b > a:
            area += b - a
    return cycle, throughput, area / test_days


def pct(sorted_xs, p):
    h = (len(sorted_xs) - 1) * p / 100.0
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (h - lo) * (sorted_xs[hi] - sorted_xs[lo])


def wasserstein(a, b):
    """The 1-Wasserstein distance of two samples: the area between their empirical
    distribution functions."""
    xs = sorted(set(a) | set(b))
    total, i, j = 0.0, 0, 0
    for k in range(len(xs) - 1):
        while i < len(a) and a[i] <= xs[k]:
            i += 1
        while j < len(b) and b[j] <= xs[k]:
            j += 1
        total += abs(i / len(a) - j / len(b)) * (xs[k + 1] - xs[k])
    return total


def main():
    out_dir = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2027
    steady = run(seed)
    write_log(f"{out_dir}/holdout_steady_log.csv", steady)
    write_log(f"{out_dir}/holdout_halved_log.csv", run(seed, halve_test_at=SPLIT))
    ref_cycle, ref_x, ref_wip = test_period(steady)
    ref_mean = sum(ref_cycle) / len(ref_cycle)
    rows = []
    for r in range(RUNS):
        cycle, x, wip = test_period(run(50_000 + r))
        mean = sum(cycle) / len(cycle)
        ctdd = wasserstein(ref_cycle, cycle)
        rows.append({
            "seed": 50_000 + r,
            "ctdd_days": ctdd,
            "ctdd_relative": ctdd / ref_mean,
            "mean": mean / ref_mean - 1.0,
            "p50": pct(cycle, 50) / pct(ref_cycle, 50) - 1.0,
            "p85": pct(cycle, 85) / pct(ref_cycle, 85) - 1.0,
            "throughput": x / ref_x - 1.0,
            "wip": wip / ref_wip - 1.0,
        })
    def spread(key):
        xs = sorted(row[key] for row in rows)
        return {"min": xs[0], "p50": pct(xs, 50), "p95": pct(xs, 95), "max": xs[-1]}
    truth = {
        "parameters": {
            "arrivals_per_day": LAMBDA,
            "stages": [
                {"name": "Dev", "servers": 3, "service": "gamma mean 1.05 days cv 0.8"},
                {"name": "Review", "servers": 1, "service": "exponential mean 0.3 days"},
                {"name": "Test", "servers": 2, "service": "lognormal mean 0.8 days cv 0.6"},
                {"name": "Deploy", "servers": 1, "service": "deterministic 0.1 days"},
            ],
            "days": DAYS,
            "split_day": SPLIT,
            "seed": seed,
            "halved": "Test loses one of its two servers at the split day",
            "noise_runs": RUNS,
            "noise_seeds": "50000 + r",
        },
        "logged_test_period": {
            "items": len(ref_cycle),
            "cycle_time_mean": ref_mean,
            "throughput_per_day": ref_x,
            "wip_mean": ref_wip,
        },
        "noise_floor": {key: spread(key) for key in
                        ["ctdd_days", "ctdd_relative", "mean", "p50", "p85", "throughput", "wip"]},
        "runs": rows,
    }
    with open(f"{out_dir}/holdout_truth.json", "w") as f:
        json.dump(truth, f, indent=2)


main()
