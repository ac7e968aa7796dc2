#!/usr/bin/env python3
"""The hostile-input campaign of issue 13, run against the command line as a user runs it.

Every input goes through the `valuestream` binary under an address-space limit
(`ulimit -v 4000000`, set with RLIMIT_AS) and a wall-clock limit of 60 s. The inputs: the
fuzz corpora (`fuzz/corpus/*`, whatever the fuzzers kept), and classic hostile files made
here (a field that never ends, a quote that never closes, NUL bytes, a gzip bomb in an XES
attribute, deep nesting, a hundred thousand columns, one item with tens of thousands of
events, absurd models). The promise checked (README, "Bad input"):

Each fuzz input is read as its target reads it: the selector byte the targets take first
says the format, strict or skipping bad rows, and for XES whether to gzip it.

- the exit code is 0, 1 or 2: never 101 (a panic), 134 (an abort: out of memory), nor a
  signal;
- no command on a file under 2 MB runs past 60 s;
- stderr never shows a panic or an allocation failure.

Standard library only. Usage, from the repository's root, after
`cargo build --release --features cli`:

    python3 tools/campaign.py target/release/valuestream [--workers 2] [--limit N]

It prints a table of exit codes per command, the slowest runs, and every broken promise;
its exit code is 1 if there was one.
"""

import argparse
import collections
import concurrent.futures
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time

LIMIT_KB = 4_000_000
TIME_LIMIT_S = 60
SMALL = 2 << 20

LOG_CORPORA = ["read_jira", "read_preset", "read_xes"]


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_KB * 1024, LIMIT_KB * 1024))


def hostile_files(d):
    """Writes the classic hostile inputs into `d`; returns (log files, model files)."""
    logs, models = [], []

    def write(name, data):
        p = os.path.join(d, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    header = b"id,state,timestamp\n"
    logs.append(write("long-field.csv", header + b"A," + b"x" * (70 << 20) + b",2024-01-01\n"))
    logs.append(write("open-quote.csv", header + b'A,"Dev\n' + b"B,Dev,2024-01-01\n" * 200_000))
    logs.append(write("nul.csv", b"\0" * (3 << 20)))
    logs.append(write("nul-after-header.csv", header + b"\0" * (3 << 20)))
    logs.append(write("wide-header.csv", b",".join(b"c%d" % i for i in range(100_000)) + b"\n"))
    logs.append(write("many-columns.csv", header[:-1] + b"," + b",".join(b"a%d" % i for i in range(50_000)) + b"\nA,Dev,2024-01-01" + b",x" * 50_000 + b"\n"))
    one_item = b"".join(b"A,%s,2024-01-01T%02d:%02d:%02dZ\n" % ([b"Dev", b"Test"][i % 2], (i // 3600) % 24, (i // 60) % 60, i % 60) for i in range(60_000))
    logs.append(write("one-item-60k.csv", header + one_item))
    many_states = b"".join(b"A%d,S%d,2024-01-01T00:00:%02dZ\n" % (i % 100, i, i % 60) for i in range(50_000))
    logs.append(write("50k-states.csv", header + many_states))
    head = b'<log><trace><string key="concept:name" value="'
    logs.append(write("bomb.xes.gz", gzip.compress(head + b"a" * (200 << 20), 9)))
    logs.append(write("deep.xes", b"<log>" + b"<trace>" * 200_000))
    ev = b'<event><string key="concept:name" value="A"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>'
    logs.append(write("long-trace.xes.gz", gzip.compress(b'<log><trace><string key="concept:name" value="T"/>' + ev * 1_100_000 + b"</trace></log>", 9)))
    logs.append(write("many-traces.xes.gz", gzip.compress(b"<log>" + b"".join(b'<trace><string key="concept:name" value="t%d"/>' % i + ev + b"</trace>" for i in range(300_000)) + b"</log>", 9)))
    logs.append(write("deep.json", b"[" * 100_000))
    logs.append(write("big-number.json", b'{"issues": [{"key": "A-1", "changelog": {"total": 1' + b"0" * 100_000 + b"}}]}"))

    stage = 'name = "S{i}"\nservers = {s}\nservice = {{ dist = "exponential", mean_days = {m} }}\n'
    models.append(write("many-stages.toml", ("[arrivals]\nrate_per_day = 1.0\n" + "".join("[[stage]]\n" + stage.format(i=i, s=1, m=0.1) for i in range(499))).encode()))
    models.append(write("too-many-stages.toml", ("[arrivals]\nrate_per_day = 1.0\n" + "".join("[[stage]]\n" + stage.format(i=i, s=1, m=0.1) for i in range(5000))).encode()))
    models.append(write("huge-servers.toml", ("[arrivals]\nrate_per_day = 1e4\n[[stage]]\n" + stage.format(i=0, s=100_000, m=5.0)).encode()))
    models.append(write("tiny-release.toml", ("[arrivals]\nrate_per_day = 1.0\n[[stage]]\n" + stage.format(i=0, s=1, m=0.1) + "batch = { every_days = 1e-9 }\n").encode()))
    models.append(write("busy.toml", ("[arrivals]\nrate_per_day = 25000.0\n[[stage]]\n" + stage.format(i=0, s="\"unlimited\"", m=2.0)).encode()))
    models.append(write("overloaded.toml", ("[arrivals]\nrate_per_day = 1000.0\n[[stage]]\n" + stage.format(i=0, s=1, m=1.0)).encode()))
    return logs, models


PRESETS = ["jira-json", "jira-agile-metrics", "actionableagile", "linear", "gitlab",
           "azure-devops", "pm4py", "xes"]

def change_model(root):
    """The model of the `change` fuzz target, which its corpus's changes name: read from
    `fuzz/src/lib.rs` (its `CHANGE_MODEL`), not copied here."""
    with open(os.path.join(root, "fuzz", "src", "lib.rs")) as f:
        text = f.read()
    head = 'const CHANGE_MODEL: &str = r#"'
    return text[text.index(head) + len(head):text.index('"#;', text.index(head))]


def decoded(corpus, path, tmp, n):
    """A fuzz input as its target reads it: the selector byte taken off and turned into
    options (format, strict or skipping, gzip), the rest written to a file; (file, options)."""
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        return None
    sel, body = data[0], data[1:]
    opts = ["--skip-bad-rows"] if sel & {"read_jira": 1, "read_preset": 0x10, "read_xes": 2}[corpus] else []
    ext = ".csv"
    if corpus == "read_jira":
        opts += ["--format", "jira-json"]
        ext = ".json"
    elif corpus == "read_preset":
        k = sel & 0x0F
        opts += ["--format", PRESETS[k] if k < len(PRESETS) else "auto"]
    else:
        opts += ["--format", "xes"]
        if sel & 16:
            opts += ["--state", "concept:name+lifecycle:transition"]
        elif sel & 4:
            opts += ["--state", "lifecycle:transition"]
        ext = ".xes"
        if sel & 1:
            body, ext = gzip.compress(body, 1), ".xes.gz"
    out = os.path.join(tmp, f"{corpus}-{n}{ext}")
    with open(out, "wb") as f:
        f.write(body)
    return out, opts


def jobs(root, tmp, limit):
    """(command, argv, input path) for every run."""
    out = []
    logs, models = hostile_files(tmp)
    corpus = os.path.join(root, "fuzz", "corpus")

    def files(name):
        d = os.path.join(corpus, name)
        if not os.path.isdir(d):
            return []
        names = sorted(os.listdir(d))
        return [os.path.join(d, n) for n in (names[:limit] if limit else names)]

    inputs = [(f, []) for f in logs]
    for name in LOG_CORPORA:
        for n, f in enumerate(files(name)):
            d = decoded(name, f, tmp, n)
            if d:
                inputs.append(d)
    for f, opts in inputs:
        out.append(("check", ["check", f] + opts, f))
        out.append(("report --json", ["report", "--json", f] + opts, f))
        out.append(("fit", ["fit", f] + opts, f))
    sample = os.path.join(root, "data", "exports", "jira-agile-metrics.csv")
    for f in files("read_workflow"):
        out.append(("check --workflow", ["check", sample, "--workflow", f], f))
    for f in models + files("model_toml"):
        out.append(("simulate", ["simulate", f, "--replications", "2"], f))
    model = os.path.join(tmp, "change-model.toml")
    with open(model, "w") as fh:
        fh.write(change_model(root))
    for f in files("change"):
        with open(f, "rb") as fh:
            data = fh.read()
        if b"\0" in data:
            continue
        text = data.decode("utf-8", "replace")
        out.append(("whatif", ["whatif", model, "--change", text, "--replications", "2"], f))
    return out


def run(binary, job):
    what, args, path = job
    t0 = time.monotonic()
    try:
        p = subprocess.run(
            [binary] + args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=TIME_LIMIT_S * 3,
            preexec_fn=limit_memory,
        )
        code, err = p.returncode, p.stderr[-4000:].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        code, err = "timeout", ""
    return what, path, code, time.monotonic() - t0, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="inputs per corpus (0: all)")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    codes = collections.Counter()
    broken, slowest = [], []
    with tempfile.TemporaryDirectory() as tmp:
        todo = jobs(root, tmp, a.limit)
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(a.workers) as ex:
            for what, path, code, secs, err in ex.map(lambda j: run(a.binary, j), todo):
                codes[(what, code)] += 1
                slowest.append((secs, what, os.path.basename(path)))
                small = os.path.getsize(path) < SMALL
                bad = (
                    code not in (0, 1, 2)
                    or (small and secs > TIME_LIMIT_S)
                    or "panicked" in err
                    or "memory allocation" in err
                )
                if bad:
                    broken.append((what, path, code, secs, err.strip()[-300:]))
        total = time.monotonic() - t0
    print(f"{len(todo)} runs in {total:.0f} s, {a.workers} at a time, under ulimit -v {LIMIT_KB}\n")
    print("| command | exit 0 | exit 1 | exit 2 | other |")
    print("|---|---|---|---|---|")
    for what in sorted({w for w, _ in codes}):
        c = {k: n for (w, k), n in codes.items() if w == what}
        other = sum(n for k, n in c.items() if k not in (0, 1, 2))
        print(f"| `{what}` | {c.get(0, 0)} | {c.get(1, 0)} | {c.get(2, 0)} | {other} |")
    print("\nslowest runs:")
    for secs, what, name in sorted(slowest, reverse=True)[:8]:
        print(f"  {secs:6.2f} s  {what}  {name}")
    print(f"\nbroken promises: {len(broken)}")
    for what, path, code, secs, err in broken:
        print(f"  {what} {path}: exit {code} after {secs:.1f} s: {err}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
