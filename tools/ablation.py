"""The ablation table of the held-out backtest: on each real log, the model as it was
before classes, later visits, calendars and the fit window (the whole log, Kaplan-Meier),
then with each feature added, then as `valuestream backtest` fits it by default (the fit chosen by
an inner backtest of the training log). Prints a Markdown table.

    python tools/ablation.py [PATH_TO_VALUESTREAM_BINARY]

The binary defaults to target/release/valuestream (build it with
`cargo build --release --features cli`); the logs are read from ../shared/data, and a log
that is absent is skipped with a note. Standard library only.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")

LOGS = [
    (
        "BPI Challenge 2013 incidents",
        "bpic2013_incidents.csv",
        ["--workflow", "data/workflows/bpic2013.toml", "--id", "case:concept:name",
         "--state", "lifecycle:transition", "--time", "time:timestamp"],
        "impact",
        "data/workflows/bpic2013_waits.toml",
    ),
    (
        "BPI Challenge 2012 work items",
        "bpic2012.xes.gz",
        ["--workflow", "data/workflows/bpic2012_w.toml",
         "--state", "concept:name+lifecycle:transition", "--drop-unmapped", "--done-is-final"],
        None,
        None,
    ),
    (
        "GitHub issues (pm4py)",
        "github_pm4py_issues.csv",
        ["--workflow", "data/workflows/github_pm4py.toml", "--id", "case:concept:name",
         "--state", "concept:name", "--time", "time:timestamp"],
        None,
        None,
    ),
]

# Every row up to the classes has one class (`--one-class`): the fit would otherwise
# discover classes from the paths where the loops call for them, which is the feature of
# its own row.
VARIANTS = [
    ("before (whole log, Kaplan-Meier, no calendar)", ["--fit-window", "whole", "--no-select", "--calendar", "none", "--one-class"]),
    ("+ steady window, no calendar", ["--no-select", "--calendar", "none", "--one-class"]),
    ("+ working calendar (found in the log)", ["--no-select", "--one-class"]),
    ("+ later visits apart", ["--memory", "--one-class"]),
    ("+ done items' histories", ["--censoring", "done", "--one-class"]),
    ("+ both", ["--censoring", "done", "--memory", "--one-class"]),
    ("+ classes", "classes"),
    ("+ classes from paths (done items, later visits)", ["--censoring", "done", "--memory", "--class-by-path"]),
    ("+ waits by kind", "kinds"),
    ("+ servers from people (default fit)", "people"),
    ("default: chosen by the inner backtest", []),
]


def run(binary, path, args):
    out = subprocess.run(
        [binary, "backtest", path, "--json", "--threads", "2"] + args,
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        return None, out.stderr.strip().splitlines()[-1] if out.stderr else "failed"
    return json.loads(out.stdout)["holdout"], None


def pct(x):
    return f"{x * 100:+.0f}%"


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "valuestream")
    print("| log | model | done (test) | CTDD / mean | mean | p85 | throughput | WIP | verdict |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, file, args, classes, kinds in LOGS:
        path = os.path.join(DATA, file)
        if not os.path.exists(path):
            print(f"| {name} | skipped: {file} is absent | | | | | | | |")
            continue
        for label, extra in VARIANTS:
            if extra == "classes":
                if classes is None:
                    continue
                label = f"+ classes by {classes} (done items, later visits)"
                extra = ["--censoring", "done", "--memory", "--class-by", classes]
            if extra == "people":
                if classes != "impact":
                    continue
                label = "+ servers from the people (org:resource; done items, later visits)"
                extra = ["--censoring", "done", "--memory", "--resource", "org:resource", "--servers-from", "people"]
            if extra == "kinds":
                if kinds is None:
                    continue
                label = "+ waits by kind (a delay per kind of wait; default fit)"
                i = args.index("--workflow")
                args_kinds = args[:i + 1] + [kinds] + args[i + 2:]
                h, err = run(binary, path, args_kinds)
                extra = None
            else:
                h, err = run(binary, path, args + extra)
            if h is None:
                print(f"| {name} | {label} | {err} | | | | | | |")
                continue
            e = h["errors"]
            verdict = "held up" if h["verdict"]["held_up"] else "**failed**"
            chosen = ""
            if not extra and h.get("selection"):
                s = h["selection"]
                c = s["candidates"][s["chosen"]]
                by = c.get("class_by")
                if by is None:
                    by = ", classes from paths where the loops call for them" if c.get("discover") == "auto" else ", one class"
                else:
                    by = f", classes by {by if isinstance(by, str) else by.get('attribute')}"
                chosen = f" ({c['censoring'].replace('_', ' ')}, memory {'on' if c['memory'] else 'off'}{by})"
            print(
                f"| {name} | {label}{chosen} | {h['cycle_time_days']['observed']['count']:.0f} "
                f"| {h['ctdd_relative']:.2f} | {pct(e['mean'])} | {pct(e['p85'])} "
                f"| {pct(e['throughput'])} | {pct(e['wip'])} | {verdict} |"
            )


if __name__ == "__main__":
    main()
