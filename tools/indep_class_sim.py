"""An independent simulator (SimPy) of a TWO-CLASS value stream with shared servers and
history-dependent rework, for validating valuestream's fit and what-if predictions with
item classes. It shares no code with the crate.

Model (all times in days)
-------------------------
* Poisson arrivals at 0.85 items a day; each item is a Feature with probability 0.6,
  else a Bug.
* Four stations in order, each one FIFO queue shared by both classes (first come, first
  served whatever the class):
    Analyse  1 server   Feature exponential mean 0.30      Bug exponential mean 0.20
    Dev      2 servers  Feature lognormal mean 1.50 cv 0.8 Bug lognormal mean 0.80 cv 0.8
    Test     1 server   Feature gamma mean 0.80 cv 0.6     Bug gamma mean 0.50 cv 0.6
    Deploy   1 server   both classes deterministic 0.10
* Rework: after its k-th service at Test an item goes back to the END of Dev's queue with
  probability p(class, k): Feature 0.25 (k = 1), 0.50 (k >= 2); Bug 0.10 (k = 1),
  0.40 (k >= 2); otherwise it goes on to Deploy.

Expected visits to Dev and Test per item: 1 + p1 / (1 - p2), Feature 1.5, Bug 7/6.
Expected utilisations (arrival rate of a class x visits x mean service / servers):
    Analyse  0.51*0.30 + 0.34*0.20                   = 0.221
    Dev     (0.51*1.5*1.50 + 0.34*(7/6)*0.80) / 2     = 0.732
    Test     0.51*1.5*0.80 + 0.34*(7/6)*0.50          = 0.810  (the bottleneck)
    Deploy   0.85*0.10                                = 0.085
The script prints the utilisations measured from busy time, for the log's run and over
the baseline replications.

Random numbers: one stream per purpose (arrivals and classes; rework; one per station's
service), each seeded from numpy's SeedSequence(seed) spawned children. Everything an item
needs (class, its rework path, its service time for every visit at every station) is drawn
when it arrives, in arrival order, so the scenarios of one replication see the same
arrivals, the same classes, the same rework paths and the same service times (common
random numbers); a scenario that changes a station's service just ignores that station's
draws.

Outputs (in OUT_DIR)
--------------------
two_class_log.csv    the event log of one run (seed 1, 2000 days, starting empty at
                     2024-01-01T00:00:00Z, no warm-up cut). Header id,state,timestamp,type;
                     per item "<Station> queue" on joining a queue, "<Station>" when
                     service starts, "Done" on leaving Deploy; type is the class on every
                     row; timestamps ISO 8601 UTC rounded to whole seconds; ids I-1, I-2, ...
                     in arrival order. Items in progress at the end keep their rows so far.
two_class_truth.json every parameter, and for the baseline and each change ("servers
                     Test=+1", "automate Analyse=1h", "servers Dev=+1") the mean cycle time
                     (joining Analyse's queue -> Done) per class and overall over many
                     replications (items arriving after the warm-up and done before the
                     end), the relative change vs the baseline ((changed - base) / base) per
                     class and overall, and its 95% CI half-width from the paired
                     replication-to-replication spread (delta method on the ratio of means,
                     Student t quantile).

Command
-------
python tools/indep_class_sim.py tests/data/classes [--reps N] [--days D]
    [--warmup W]
(defaults: 100 replications of 3000 days, 300 of warm-up; seeds 1000 + r).
The script also checks the log it wrote (class shares, mean Test visits per class,
empirical service means per class and station from the log's own rows) and prints them.
"""
import argparse, csv, json, math, random, sys, time
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import numpy as np
import simpy

START = datetime(2024, 1, 1, tzinfo=timezone.utc)
CLASSES = ["Feature", "Bug"]
SHARES = {"Feature": 0.6, "Bug": 0.4}
RATE = 0.85  # items a day, both classes together
STATIONS = ["Analyse", "Dev", "Test", "Deploy"]
SERVERS = {"Analyse": 1, "Dev": 2, "Test": 1, "Deploy": 1}
# station -> class -> (family, mean, cv)
DISTS = {
    "Analyse": {"Feature": ("exponential", 0.30, 1.0), "Bug": ("exponential", 0.20, 1.0)},
    "Dev": {"Feature": ("lognormal", 1.50, 0.8), "Bug": ("lognormal", 0.80, 0.8)},
    "Test": {"Feature": ("gamma", 0.80, 0.6), "Bug": ("gamma", 0.50, 0.6)},
    "Deploy": {"Feature": ("deterministic", 0.10, 0.0), "Bug": ("deterministic", 0.10, 0.0)},
}
# class -> (p after the 1st Test service, p after the k-th for k >= 2)
REWORK = {"Feature": (0.25, 0.50), "Bug": (0.10, 0.40)}
REWORK_TO = "Dev"
REWORK_FROM = "Test"

LOG_SEED = 1
LOG_DAYS = 2000.0


def sampler(family, mean, cv):
    if family == "exponential":
        return lambda r: r.expovariate(1.0 / mean)
    if family == "lognormal":
        s2 = math.log(1.0 + cv * cv)
        mu, s = math.log(mean) - s2 / 2.0, math.sqrt(s2)
        return lambda r: r.lognormvariate(mu, s)
    if family == "gamma":
        k = 1.0 / (cv * cv)
        return lambda r: r.gammavariate(k, mean / k)
    if family == "deterministic":
        return lambda r: mean
    raise ValueError(family)


def scenario(servers=None, dists=None):
    """A scenario: servers per station and samplers per station and class."""
    sv = dict(SERVERS)
    sv.update(servers or {})
    ds = {st: dict(DISTS[st]) for st in STATIONS}
    for st, d in (dists or {}).items():
        ds[st] = dict(d)
    return {"servers": sv, "dists": ds,
            "samplers": {st: {c: sampler(*ds[st][c]) for c in CLASSES} for st in STATIONS}}


SCENARIOS = {
    "baseline": scenario(),
    "servers Test=+1": scenario(servers={"Test": 2}),
    "automate Analyse=1h": scenario(dists={"Analyse": {c: ("deterministic", 1.0 / 24.0, 0.0)
                                                       for c in CLASSES}}),
    "servers Dev=+1": scenario(servers={"Dev": 3}),
}


def streams(seed):
    """Independent random streams, one per purpose."""
    names = ["arrivals", "rework"] + ["service " + st for st in STATIONS]
    kids = np.random.SeedSequence(seed).spawn(len(names))
    out = {}
    for n, k in zip(names, kids):
        a, b = (int(x) for x in k.generate_state(2, dtype=np.uint64))
        out[n] = random.Random((a << 64) | b)
    return out


def run(sc, seed, horizon, warmup, log=None):
    """One run. Returns the cycle times (class, value) of items arriving at or after the
    warm-up and done by the horizon, and the busy time per station within
    [warmup, horizon]."""
    rs = streams(seed)
    env = simpy.Environment()
    res = {st: simpy.Resource(env, capacity=sc["servers"][st]) for st in STATIONS}
    samplers = sc["samplers"]
    cycles = []
    busy = defaultdict(float)

    def plan(cls):
        # The rework path: number of Test services (the item goes back to Dev after each
        # one but the last).
        p1, p2 = REWORK[cls]
        n = 1
        rr = rs["rework"]
        while rr.random() < (p1 if n == 1 else p2):
            n += 1
        route = ["Analyse"] + ["Dev", "Test"] * n + ["Deploy"]
        # Service times for every visit, each from its station's own stream, so a change
        # to one station's service leaves every other draw as it was.
        svc = [samplers[st][cls](rs["service " + st]) for st in route]
        return route, svc

    def item(i, cls, route, svc):
        t0 = env.now
        for st, s in zip(route, svc):
            if log is not None:
                log.append((i, st + " queue", env.now, cls))
            with res[st].request() as req:
                yield req
                start = env.now
                if log is not None:
                    log.append((i, st, start, cls))
                lo, hi = max(start, warmup), min(start + s, horizon)
                if hi > lo:
                    busy[st] += hi - lo
                yield env.timeout(s)
        if log is not None:
            log.append((i, "Done", env.now, cls))
        if t0 >= warmup:
            cycles.append((cls, env.now - t0))

    def source():
        ra = rs["arrivals"]
        i = 0
        while True:
            yield env.timeout(ra.expovariate(RATE))
            cls = "Feature" if ra.random() < SHARES["Feature"] else "Bug"
            i += 1
            route, svc = plan(cls)
            env.process(item(i, cls, route, svc))

    env.process(source())
    env.run(until=horizon)
    return cycles, dict(busy)


def t_quantile(p, df):
    """Student t quantile by bisection on the CDF (numerical integration of the density)."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    def cdf(x):
        n = 2000
        h = x / n
        f = lambda t: c * (1 + t * t / df) ** (-(df + 1) / 2)
        s = f(0) + f(x) + sum((4 if k % 2 else 2) * f(k * h) for k in range(1, n))
        return 0.5 + s * h / 3
    lo, hi = 0.0, 50.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return (lo + hi) / 2


def expected():
    lam = {c: RATE * SHARES[c] for c in CLASSES}
    visits = {c: 1 + REWORK[c][0] / (1 - REWORK[c][1]) for c in CLASSES}
    util = {}
    for st in STATIONS:
        v = {c: (visits[c] if st in ("Dev", "Test") else 1.0) for c in CLASSES}
        util[st] = sum(lam[c] * v[c] * DISTS[st][c][1] for c in CLASSES) / SERVERS[st]
    return visits, util


def write_log(out_dir):
    log = []
    _, busy = run(SCENARIOS["baseline"], LOG_SEED, LOG_DAYS, 0.0, log)
    path = f"{out_dir}/two_class_log.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "state", "timestamp", "type"])
        for (i, state, t, cls) in log:
            ts = START + timedelta(seconds=round(t * 86400.0))
            w.writerow([f"I-{i}", state, ts.strftime("%Y-%m-%dT%H:%M:%SZ"), cls])
    util = {st: busy.get(st, 0.0) / (SERVERS[st] * LOG_DAYS) for st in STATIONS}
    return path, util


def check_log(path):
    """Checks from the written log's own rows."""
    rows = defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            t = datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            rows[r["id"]].append((r["state"], (t - START).total_seconds() / 86400.0, r["type"]))
    n = {c: 0 for c in CLASSES}
    done = {c: 0 for c in CLASSES}
    test_visits = {c: [] for c in CLASSES}
    svc = defaultdict(list)
    for rr in rows.values():
        cls = rr[0][2]
        assert all(x[2] == cls for x in rr)
        n[cls] += 1
        for a, b in zip(rr, rr[1:]):
            if a[0] in STATIONS:  # service start; the next row ends the service
                svc[(a[0], cls)].append(b[1] - a[1])
        if rr[-1][0] == "Done":
            done[cls] += 1
            test_visits[cls].append(sum(1 for x in rr if x[0] == "Test"))
    tot = sum(n.values())
    out = {"items": tot, "rows": sum(len(v) for v in rows.values()),
           "share": {c: n[c] / tot for c in CLASSES}, "done": done,
           "mean_test_visits_done": {c: float(np.mean(test_visits[c])) for c in CLASSES},
           "service_mean": {}}
    for st in STATIONS:
        for c in CLASSES:
            xs = svc[(st, c)]
            _, true, cv = DISTS[st][c]
            se = true * cv / math.sqrt(len(xs))  # sampling standard error of the mean
            out["service_mean"][f"{st}/{c}"] = {
                "n": len(xs), "empirical": float(np.mean(xs)), "true": true,
                "rel_err": float(np.mean(xs)) / true - 1.0,
                "z": (float(np.mean(xs)) - true) / se if se > 0 else 0.0}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--days", type=float, default=3000.0)
    ap.add_argument("--warmup", type=float, default=300.0)
    a = ap.parse_args()
    t_start = time.time()
    visits, util_exp = expected()
    print("expected visits to Dev/Test:", {c: round(v, 4) for c, v in visits.items()})
    print("expected utilisation:", {s: round(u, 4) for s, u in util_exp.items()})

    path, util_log = write_log(a.out_dir)
    print("utilisation in the log's run (busy time):", {s: round(u, 4) for s, u in util_log.items()})
    chk = check_log(path)
    print("log:", chk["items"], "items,", chk["rows"], "rows; share", {c: round(v, 4) for c, v in chk["share"].items()},
          "; done", chk["done"])
    print("mean Test visits per done item:", {c: round(v, 4) for c, v in chk["mean_test_visits_done"].items()},
          "(expected", {c: round(v, 4) for c, v in visits.items()}, ")")
    for k, v in chk["service_mean"].items():
        print(f"  service {k:16s} n={v['n']:5d} empirical {v['empirical']:.4f} true {v['true']:.4f} "
              f"rel.err {100 * v['rel_err']:+.2f}% ({v['z']:+.2f} standard errors)")

    # The truth: replications, common random numbers across scenarios.
    keys = CLASSES + ["overall"]
    per = {name: {k: [] for k in keys} for name in SCENARIOS}
    counts = {name: [] for name in SCENARIOS}
    utils = {name: {st: [] for st in STATIONS} for name in SCENARIOS}
    for r in range(a.reps):
        seed = 1000 + r
        for name, sc in SCENARIOS.items():
            cycles, busy = run(sc, seed, a.days, a.warmup)
            for c in CLASSES:
                per[name][c].append(float(np.mean([x for k, x in cycles if k == c])))
            per[name]["overall"].append(float(np.mean([x for _, x in cycles])))
            counts[name].append(len(cycles))
            for st in STATIONS:
                utils[name][st].append(busy.get(st, 0.0) / (sc["servers"][st] * (a.days - a.warmup)))
    tq = t_quantile(0.975, a.reps - 1)
    results = {}
    for name in SCENARIOS:
        res = {"cycle_time_mean": {}, "sd_between_replications": {},
               "items_measured_per_replication": float(np.mean(counts[name])),
               "utilisation": {st: float(np.mean(utils[name][st])) for st in STATIONS}}
        for k in keys:
            x = np.array(per[name][k])
            res["cycle_time_mean"][k] = float(x.mean())
            res["sd_between_replications"][k] = float(x.std(ddof=1))
        if name != "baseline":
            res["delta_rel"], res["delta_rel_ci95_halfwidth"] = {}, {}
            for k in keys:
                b, c = np.array(per["baseline"][k]), np.array(per[name][k])
                ratio = c.mean() / b.mean()
                # delta method: Var(cbar/bbar) ~ Var(c_i - ratio*b_i) / (n bbar^2)
                se = (c - ratio * b).std(ddof=1) / (math.sqrt(len(b)) * b.mean())
                res["delta_rel"][k] = float(ratio - 1.0)
                res["delta_rel_ci95_halfwidth"][k] = float(tq * se)
        results[name] = res
        line = " ".join(f"{k} {res['cycle_time_mean'][k]:.4f}" for k in keys)
        if name != "baseline":
            line += " | rel " + " ".join(
                f"{k} {100 * res['delta_rel'][k]:+.2f}%±{100 * res['delta_rel_ci95_halfwidth'][k]:.2f}"
                for k in keys)
        print(f"{name:22s} {line}")
        print(f"{'':22s} utilisation", {s: round(u, 4) for s, u in res["utilisation"].items()})

    def dist_json(fam, mean, cv):
        return {"family": fam, "mean": mean, "cv": cv}
    params = {
        "time_unit": "days",
        "classes": CLASSES,
        "class_shares": SHARES,
        "arrivals": {"process": "Poisson", "rate_per_day": RATE},
        "stations": [{"name": st, "servers": SERVERS[st], "queue": "FIFO shared by both classes",
                      "service": {c: dist_json(*DISTS[st][c]) for c in CLASSES}} for st in STATIONS],
        "rework": {"from": REWORK_FROM, "to": REWORK_TO, "rejoins": "end of the queue",
                   "probability_after_kth_service": {
                       c: {"k=1": REWORK[c][0], "k>=2": REWORK[c][1]} for c in CLASSES}},
        "expected_visits_dev_test": visits,
        "expected_utilisation": util_exp,
        "changes": {
            "servers Test=+1": {"station": "Test", "servers": 2},
            "automate Analyse=1h": {"station": "Analyse",
                                    "service": {c: dist_json("deterministic", 1.0 / 24.0, 0.0) for c in CLASSES}},
            "servers Dev=+1": {"station": "Dev", "servers": 3},
        },
        "log": {"file": "two_class_log.csv", "seed": LOG_SEED, "days": LOG_DAYS,
                "start": "2024-01-01T00:00:00Z", "warmup_cut": False,
                "utilisation_busy_time": util_log, "checks": chk},
        "truth": {"replications": a.reps, "horizon_days": a.days, "warmup_days": a.warmup,
                  "seeds": "1000 + r (same seed for every scenario of a replication)",
                  "measured": "items arriving at or after the warm-up and done by the horizon",
                  "cycle_time": "joining Analyse's queue -> Done",
                  "ci": "95% half-width, delta method on the ratio of means of paired replications, "
                        f"Student t with {a.reps - 1} df ({tq:.4f})"},
    }
    with open(f"{a.out_dir}/two_class_truth.json", "w") as f:
        json.dump({"parameters": params, "results": results}, f, indent=2)
    print(f"runtime {time.time() - t_start:.1f} s")


if __name__ == "__main__":
    main()
