"""An independent simulation of one server on a working calendar (SimPy), written from the
issue's text and not from valuestream's code: its figures are the truth that
tests/model_calendar.rs compares the crate's simulator with.

The case: Poisson arrivals at 1.5 a day, round the clock; one server, first come first
served, who works Monday to Friday from 08:00 to 18:00 (UTC; day 0 is a Monday at 00:00);
service times are exponential with a mean of 0.1 days of *working* time: a service stops at
closing time and goes on at the next opening. Measured after a warm-up: the mean and the
85th percentile of the time from arrival to done (days), the throughput, and the server's
utilisation as busy working time over working time.

    /work/venv/bin/python tools/indep_calendar_sim.py > tests/data/calendar/truth.json
"""

import json
import random
import statistics

import simpy

RATE = 1.5
MEAN_SERVICE = 0.1
OPEN, CLOSE = 8 / 24, 18 / 24
HORIZON = 20_000.0
WARMUP = 1_000.0
REPLICATIONS = 10


EPS = 1e-9


def working(t):
    """Whether instant t (days, day 0 a Monday 00:00) is working time (within a hair of
    the opening counts as open, a hair before closing as closed: every chunk of work and
    every wait for the opening takes time, whatever the rounding)."""
    d = t // 1
    w = t - d
    return int(d) % 7 < 5 and OPEN - EPS <= w < CLOSE - EPS


def next_opening(t):
    """The next opening at or after t, for t in closed time."""
    d = t // 1
    if int(d) % 7 < 5 and t - d < OPEN - EPS:
        return d + OPEN
    d += 1
    while int(d) % 7 >= 5:
        d += 1
    return d + OPEN


def until_closing(t):
    """Working time left today, for t in working time."""
    return CLOSE - (t - t // 1)


def replication(seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    cycles = []
    busy_work = [0.0]

    def item(born):
        with server.request() as req:
            yield req
            left = rng.expovariate(1 / MEAN_SERVICE)
            while left > 1e-12:
                if not working(env.now):
                    yield env.timeout(next_opening(env.now) - env.now)
                    continue
                chunk = min(left, until_closing(env.now))
                start = env.now
                yield env.timeout(chunk)
                # busy working time inside the measured window
                a, b = max(start, WARMUP), env.now
                if b > a:
                    busy_work[0] += b - a
                left -= chunk
        if born >= WARMUP:
            cycles.append(env.now - born)

    def source():
        while True:
            yield env.timeout(rng.expovariate(RATE))
            env.process(item(env.now))

    env.process(source())
    env.run(until=HORIZON)
    weeks = (HORIZON - WARMUP) / 7
    working_time = weeks * 5 * (CLOSE - OPEN)
    cycles.sort()
    p85 = cycles[int(0.85 * (len(cycles) - 1))]
    return {
        "mean": statistics.fmean(cycles),
        "p85": p85,
        "throughput": len(cycles) / (HORIZON - WARMUP),
        "utilisation": busy_work[0] / working_time,
    }


def main():
    reps = [replication(1000 + r) for r in range(REPLICATIONS)]
    out = {"case": __doc__.split("\n\n")[1].replace("\n", " ")}
    for key in ("mean", "p85", "throughput", "utilisation"):
        values = [r[key] for r in reps]
        out[key] = {
            "mean": statistics.fmean(values),
            "sd": statistics.stdev(values),
            "replications": len(values),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
