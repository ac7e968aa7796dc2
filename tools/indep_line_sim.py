"""An independent simulator (SimPy) of a line of stations, for validating valuestream's
fit and what-if predictions. It writes the event log of one run (long CSV: id, state,
timestamp; "<stage> queue" while waiting, "<stage>" while served, "Done") and the mean lead
times of the baseline and of each change, over many replications.

python tools/indep_line_sim.py OUT_DIR [SEED]          # line_log.csv, line_truth.json
python tools/indep_line_sim.py OUT_DIR [SEED] --skip   # skip_log.csv, skip_truth.json

With --skip, some items pass stations by: an item reaching a station moving forward stops
there with the station's visit probability (one independent draw per station; stations
visited by every item draw nothing, so the plain line's runs are unchanged).
"""
import csv, json, math, random, sys
from datetime import datetime, timedelta, timezone

import simpy

START = datetime(2024, 1, 1, tzinfo=timezone.utc)

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

LAMBDA = 2.0  # items per day
BASE = [
    # name, servers, service sampler, mean
    ("Dev", 3, gamma(1.05, 0.8)),
    ("Review", 1, expo(0.3)),
    ("Test", 2, lognormal(0.8, 0.6)),
    ("Deploy", 1, det(0.1)),
]

# The line with skipping: half the items need a review (a longer one), 90% need testing.
SKIP = [
    ("Dev", 3, gamma(1.05, 0.8), 1.0),
    ("Review", 1, expo(0.6), 0.5),
    ("Test", 2, lognormal(0.95, 0.6), 0.9),
    ("Deploy", 1, det(0.1), 1.0),
]

def run(stages, seed, horizon, warmup, log=None):
    rng = random.Random(seed)
    env = simpy.Environment()
    res = [simpy.Resource(env, capacity=st[1]) for st in stages]
    leads = []
    def item(i):
        t0 = env.now
        for k, st in enumerate(stages):
            name, _, svc = st[:3]
            visit = st[3] if len(st) > 3 else 1.0
            if visit < 1.0 and rng.random() >= visit:
                continue
            if log is not None:
                log.append((i, name + " queue", env.now))
            with res[k].request() as req:
                yield req
                if log is not None:
                    log.append((i, name, env.now))
                yield env.timeout(svc(rng))
        if log is not None:
            log.append((i, "Done", env.now))
        if t0 >= warmup:
            leads.append(env.now - t0)
    def source():
        i = 0
        while True:
            yield env.timeout(rng.expovariate(LAMBDA))
            i += 1
            env.process(item(i))
    env.process(source())
    env.run(until=horizon)
    return sum(leads) / len(leads), len(leads)

def change(stages, name, servers=None, service=None):
    out = []
    for st in stages:
        n, c, s = st[:3]
        if n == name:
            c = servers if servers is not None else c
            s = service if service is not None else s
        out.append((n, c, s) + tuple(st[3:]))
    return out

def main():
    args = [a for a in sys.argv[1:] if a != "--skip"]
    skip = "--skip" in sys.argv[1:]
    out_dir = args[0]
    seed = int(args[1]) if len(args) > 1 else 2026
    base = SKIP if skip else BASE
    prefix = "skip" if skip else "line"
    # The log a team would export: a year and a half, observed at its end.
    log = []
    run(base, seed, 545.0, 0.0, log)
    with open(f"{out_dir}/{prefix}_log.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "state", "timestamp"])
        for (i, state, t) in log:
            ts = START + timedelta(days=t)
            w.writerow([f"L-{i}", state, ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"])
    # The truth: long runs, many replications, for the baseline and each change.
    scenarios = {
        "baseline": base,
        "servers Test=3": change(base, "Test", servers=3),
        "automate Deploy": change(base, "Deploy", service=det(1.0 / 24.0)),
        "automate Review": change(base, "Review", service=det(1.0 / 24.0)),
        "servers Dev=4": change(base, "Dev", servers=4),
    }
    results = {}
    for name, stages in scenarios.items():
        means = [run(stages, 10_000 + r, 6000.0, 500.0)[0] for r in range(16)]
        m = sum(means) / len(means)
        sd = math.sqrt(sum((x - m) ** 2 for x in means) / (len(means) - 1))
        results[name] = {"lead_time_mean": m, "sd_between_replications": sd}
        print(name, round(m, 4), round(sd, 4), file=sys.stderr)
    base = results["baseline"]["lead_time_mean"]
    for name, r in results.items():
        r["delta_rel"] = r["lead_time_mean"] / base - 1.0
    stages = [
        {"name": "Dev", "servers": 3, "service": "gamma mean 1.05 days cv 0.8"},
        {"name": "Review", "servers": 1, "service": "exponential mean 0.3 days"},
        {"name": "Test", "servers": 2, "service": "lognormal mean 0.8 days cv 0.6"},
        {"name": "Deploy", "servers": 1, "service": "deterministic 0.1 days"},
    ]
    if skip:
        stages = [
            {"name": "Dev", "servers": 3, "service": "gamma mean 1.05 days cv 0.8", "visit_probability": 1.0},
            {"name": "Review", "servers": 1, "service": "exponential mean 0.6 days", "visit_probability": 0.5},
            {"name": "Test", "servers": 2, "service": "lognormal mean 0.95 days cv 0.6", "visit_probability": 0.9},
            {"name": "Deploy", "servers": 1, "service": "deterministic 0.1 days", "visit_probability": 1.0},
        ]
    params = {
        "arrivals_per_day": LAMBDA,
        "stages": stages,
        "log": {"seed": seed, "days": 545},
        "truth": {"replications": 16, "horizon_days": 6000, "warmup_days": 500, "seeds": "10000 + r"},
    }
    with open(f"{out_dir}/{prefix}_truth.json", "w") as f:
        json.dump({"parameters": params, "results": results}, f, indent=2)

main()
