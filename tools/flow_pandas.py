#!/usr/bin/env python3
"""Flow metrics of a long event log in pandas, written independently of valuestream.

Definitions (valuestream DESIGN.md): events of an item are ordered by time, ties in
input order; consecutive events in the same stage are one visit; a visit lasts until the
next one starts; the item's trailing run of done visits starts at `done` and lasts no time;
the last visit of an item not done is open until as_of (= the latest event). Arrival = first
event; commitment = first visit to the commitment stage or a later stage that is not done.
Lead time = done - arrival, cycle time = done - commitment (items with both).
WIP(t) = committed and not done; stage WIP = items in the stage; means are time averages
over [first event, as_of].

usage: python tools/flow_pandas.py LOG.csv WORKFLOW.toml [--id COL --state COL --time COL] [--full]

Without --full: lead times, stage WIP and WIP (the benchmark). --full adds what the
BPIC 2013 cross-check compares: counts, cycle times, percentiles, throughput, flow
efficiency, per-stage visits and visit durations, peak concurrency and utilisation.
"""

import argparse
import json
import sys
import time
import tomllib

import numpy as np
import pandas as pd

DAY = np.timedelta64(86_400_000_000_000, "ns")


def load_workflow(path):
    with open(path, "rb") as f:
        wf = tomllib.load(f)
    stages = wf["stage"]
    state_to_stage = {}
    for i, s in enumerate(stages):
        for st in s.get("states", [s["name"]]) or [s["name"]]:
            state_to_stage[st] = i
    kinds = [s["kind"] for s in stages]
    if "commitment" in wf:
        commit = [s["name"] for s in stages].index(wf["commitment"])
    else:
        commit = next(i for i, k in enumerate(kinds) if k not in ("backlog", "done"))
    return stages, kinds, state_to_stage, commit


def summary(x):
    x = pd.Series(x, dtype="float64")
    q = x.quantile([0.5, 0.7, 0.85, 0.95]) if len(x) else pd.Series([np.nan] * 4)
    return {
        "count": int(len(x)),
        "mean": float(x.mean()),
        "sd": float(x.std()),
        "p50": float(q.iloc[0]),
        "p70": float(q.iloc[1]),
        "p85": float(q.iloc[2]),
        "p95": float(q.iloc[3]),
        "max": float(x.max()),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("workflow")
    ap.add_argument("--id", default="id")
    ap.add_argument("--state", default="state")
    ap.add_argument("--time", default="timestamp")
    ap.add_argument("--full", action="store_true")
    a = ap.parse_args()
    t0 = time.perf_counter()

    stages, kinds, state_to_stage, commit = load_workflow(a.workflow)
    done_stages = [i for i, k in enumerate(kinds) if k == "done"]

    df = pd.read_csv(a.log, usecols=[a.id, a.state, a.time], dtype={a.id: str, a.state: "category"})
    df["t"] = pd.to_datetime(df[a.time], utc=True, format="ISO8601").dt.as_unit("ns").astype("int64")
    df["stage"] = df[a.state].map(state_to_stage).astype("int64")
    df["item"] = pd.factorize(df[a.id])[0]
    # Per item, by time; ties keep input order (stable sort).
    df = df.sort_values(["item", "t"], kind="stable")
    start, as_of = df["t"].min(), df["t"].max()
    span = as_of - start

    item, stage, t = df["item"].to_numpy(), df["stage"].to_numpy(), df["t"].to_numpy()
    new_item = np.r_[True, item[1:] != item[:-1]]
    new_visit = new_item | np.r_[True, stage[1:] != stage[:-1]]
    v = pd.DataFrame({"item": item[new_visit], "stage": stage[new_visit], "start": t[new_visit]})
    last_of_item = np.r_[v["item"].to_numpy()[1:] != v["item"].to_numpy()[:-1], True]
    nxt = np.r_[v["start"].to_numpy()[1:], 0]
    is_done = v["stage"].isin(done_stages).to_numpy()
    # Trailing run of done visits: all later visits of the item are done.
    trail = (
        pd.Series(is_done[::-1]).groupby(v["item"].to_numpy()[::-1]).cummin().to_numpy()[::-1]
    )
    end = np.where(last_of_item, as_of, nxt)
    end = np.where(trail, v["start"].to_numpy(), end)
    v["end"] = end
    v["trail"] = trail
    v["open"] = last_of_item & ~trail

    g = v.groupby("item")
    arrival = g["start"].min()
    done = v[v["trail"]].groupby("item")["start"].min()
    committing = (v["stage"] >= commit) & ~v["stage"].isin(done_stages)
    commitment = v[committing].groupby("item")["start"].min()
    items = pd.DataFrame({"arrival": arrival})
    items["commitment"] = commitment
    items["done"] = done
    fin = items.dropna(subset=["commitment", "done"])
    lead = (fin["done"] - fin["arrival"]) / 86_400_000_000_000
    cycle = (fin["done"] - fin["commitment"]) / 86_400_000_000_000
    com = items.dropna(subset=["commitment"])
    # Sums of ns overflow int64 on large logs: sum as floats.
    wip_mean = float((com["done"].fillna(as_of) - com["commitment"]).astype("float64").sum() / span)
    dur = (v["end"] - v["start"]).astype("float64")
    stage_wip = (dur.groupby(v["stage"]).sum() / span).reindex(range(len(stages)), fill_value=0.0)

    out = {
        "items": int(len(items)),
        "lead_time_days": summary(lead),
        "wip_mean": wip_mean,
        "stage_wip_mean": {stages[i]["name"]: float(x) for i, x in stage_wip.items()},
    }
    if a.full:
        n_done = len(fin)
        disc = items[items["commitment"].isna() & items["done"].notna()]
        ip = items[items["commitment"].notna() & items["done"].isna()]
        ns = items[items["commitment"].isna() & items["done"].isna()]
        out["counts"] = {
            "total": int(len(items)),
            "done": int(n_done),
            "in_progress": int(len(ip)),
            "not_started": int(len(ns)),
            "discarded": int(len(disc)),
        }
        out["cycle_time_days"] = summary(cycle)
        days = span / 86_400_000_000_000
        out["window_days"] = float(days)
        out["throughput_per_day"] = n_done / days
        # Active time after commitment, done items only.
        vv = v.join(items[["commitment", "done"]], on="item")
        active = vv[
            vv["stage"].isin([i for i, k in enumerate(kinds) if k == "active"])
            & vv["commitment"].notna()
            & vv["done"].notna()
        ]
        act = (active["end"] - np.maximum(active["start"], active["commitment"])).clip(lower=0).astype("float64").sum()
        out["flow_efficiency"] = float(act / (fin["done"] - fin["commitment"]).astype("float64").sum())
        out["littles_law_relative_error"] = float(
            (out["throughput_per_day"] * cycle.mean() - wip_mean) / wip_mean
        )
        st = {}
        for i, s in enumerate(stages):
            vs = v[v["stage"] == i]
            closed = vs[~vs["open"]]
            d = (closed["end"] - closed["start"]) / 86_400_000_000_000
            entry = {
                "visits": int(len(vs)),
                "departures": int(len(closed)),
                "visit_days": summary(d),
                "wip_mean": float(stage_wip[i]),
            }
            if kinds[i] == "active":
                pos = vs[vs["end"] > vs["start"]]
                ev = pd.DataFrame(
                    {
                        "t": np.r_[pos["start"].to_numpy(), pos["end"].to_numpy()],
                        # ends before starts at the same instant (half-open visits)
                        "d": np.r_[np.ones(len(pos), dtype=int), -np.ones(len(pos), dtype=int)],
                    }
                ).sort_values(["t", "d"], kind="stable")
                peak = int(ev["d"].cumsum().max())
                entry["peak"] = peak
                entry["utilisation"] = float((pos["end"] - pos["start"]).astype("float64").sum()) / (float(peak) * float(span))
            st[s["name"]] = entry
        out["stages"] = st
        # Aging: items in progress at as_of, by age since commitment.
        out["aging_days"] = sorted(((as_of - ip["commitment"]) / 86_400_000_000_000).tolist(), reverse=True)
    out["seconds"] = time.perf_counter() - t0
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
