#!/usr/bin/env python3
"""Independent cross-check of `valuestream forecast --calibrate --json`.

Written from the text of issue 15 (the calibration's specification) and from DESIGN.md (its
glossary and definitions: done, commitment, discarded, the daily series), NOT from the crate's
code: it never read src/forecast/. Standard library only (csv, json, tomllib, datetime, math).

It reads a long event log (one row per event: item id, state, timestamp in RFC 3339 /
ISO 8601) and the workflow (TOML) itself, and applies the definitions:

- events of an item are ordered by time, ties in file order; consecutive events in one stage
  are one visit; an item's done instant is the start of its last visit when that visit is in
  a stage of kind `done` (a trailing run of visits to done stages counts as one: Resolved ->
  Closed is done when resolved; a reopened item is not done);
- commitment is the first entry into the commitment stage (the workflow's `commitment`,
  default the first stage not of kind backlog) or any later stage not of kind done; an item
  done without ever being committed is discarded and not counted;
- the daily throughput of day d is the number of counted items whose done instant falls in
  day d (UTC calendar days, or those of --offset); the observation end is the log's latest
  event instant (or --as-of, and then later events are ignored).

Then, for every calibration C in the JSON, for every point (a forecast made at 00:00 of
`day_one`):

- how_many (D days): actual = items done in days day_one .. day_one+D-1; the answer at a level
  (`items`) is met when actual >= items; every level of every point counts, so the D days
  must be over by the observation end;
- when (N items): actual = k when the N-th item done from day_one on is done in day
  day_one+k-1 (null when fewer than N are done by the observation end); the answer (`days`
  d, `date` = day_one+d-1) is met when actual <= d, and counts only when the whole day
  `date` is over by the observation end (otherwise met is null);
- per level: points (where the level counts), met, share = met/points, and the exact
  Clopper-Pearson 95% interval, found here by bisection on the binomial CDF;
- crps is only checked to be finite and non-negative (the JSON does not carry the full
  forecast distributions); the points' day_one are --every days apart, and each point's
  history_days fits between the log's first day and day_one (only the past is used).

The `methods` summaries (levels, crps) are checked for share and interval, and against the
calibration of the same question and method when the JSON has it.

usage: python3 tools/forecast_calibration.py LOG.csv WORKFLOW.toml CALIBRATION.json
           [--id COL --state COL --time COL] [--offset +HH:MM] [--as-of T] [--drop-unmapped]

Prints a table (question, method, level, points, met, share, CI) and exits 0 when everything
agrees (integers exactly, shares within 1e-9, intervals within 1e-6), 1 listing the first
disagreements otherwise, 2 when the input cannot be read. Give the JSON's own --offset and
--as-of when the forecast had them (a negative offset as --offset=-07:00).

For the GitHub issue log of pm4py-core:

    valuestream forecast ../shared/data/github_pm4py_issues.csv \
        --workflow data/workflows/github_pm4py.toml \
        --id case:concept:name --state concept:name --time time:timestamp \
        --calibrate --json > calibration.json
    python3 tools/forecast_calibration.py ../shared/data/github_pm4py_issues.csv \
        data/workflows/github_pm4py.toml calibration.json \
        --id case:concept:name --state concept:name --time time:timestamp
"""

import argparse
import csv
import json
import math
import sys
import tomllib
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

KINDS = ("backlog", "wait", "active", "done")
CI_TOLERANCE = 1e-6
SHARE_TOLERANCE = 1e-9
SHOWN = 30  # disagreements listed


class BadInput(Exception):
    """The log, the workflow or the JSON cannot be read."""


# --- the binomial proportion's exact interval ------------------------------------------


def binom_cdf(x, n, p):
    """P(X <= x) for X ~ Binomial(n, p)."""
    if x < 0:
        return 0.0
    if x >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    lp, lq = math.log(p), math.log1p(-p)
    return min(
        1.0,
        sum(math.exp(math.log(math.comb(n, k)) + k * lp + (n - k) * lq) for k in range(x + 1)),
    )


def bisect(f, target, increasing):
    """The p in [0, 1] where the monotone f(p) crosses target."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        below = f(mid) < target
        if below == increasing:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return (lo + hi) / 2


def clopper_pearson(x, n, alpha=0.05):
    """The exact (Clopper-Pearson) 1-alpha interval of x successes in n trials.

    lower: P(X >= x | p) = alpha/2 (0 when x = 0); upper: P(X <= x | p) = alpha/2 (1 when x = n).
    """
    lower = 0.0 if x == 0 else bisect(lambda p: 1.0 - binom_cdf(x - 1, n, p), alpha / 2, True)
    upper = 1.0 if x == n else bisect(lambda p: binom_cdf(x, n, p), alpha / 2, False)
    return lower, upper


# --- reading ------------------------------------------------------------------------------


def parse_offset(text):
    """+HH:MM / -HH:MM / Z as a timezone."""
    if text in ("Z", "z", "UTC", "utc"):
        return timezone.utc
    sign = {"+": 1, "-": -1}.get(text[:1])
    try:
        hours, minutes = text[1:].split(":") if ":" in text else (text[1:3], text[3:] or "0")
        delta = timedelta(hours=int(hours), minutes=int(minutes))
    except ValueError as e:
        raise BadInput(f"--offset {text!r} is not like +01:00") from e
    if sign is None:
        raise BadInput(f"--offset {text!r} is not like +01:00")
    return timezone(sign * delta)


def parse_instant(text, tz, where):
    """An RFC 3339 / ISO 8601 timestamp; a naive one is read in tz."""
    s = text.strip()
    try:
        t = datetime.fromisoformat(s)
    except ValueError as e:
        raise BadInput(f"{where}: {text!r} is not an ISO 8601 timestamp") from e
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    return t.astimezone(timezone.utc)


def read_workflow(path):
    """Stages as [(name, kind)], the state -> stage index map, the commitment index."""
    try:
        with open(path, "rb") as f:
            wf = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise BadInput(f"{path}: {e}") from e
    stages, state_stage = [], {}
    for i, st in enumerate(wf.get("stage", [])):
        name, kind = st.get("name"), st.get("kind")
        if not isinstance(name, str) or kind not in KINDS:
            raise BadInput(f"{path}: stage {i + 1} needs a name and a kind in {KINDS}")
        stages.append((name, kind))
        for s in st.get("states", [name]):
            if s in state_stage and state_stage[s] != i:
                raise BadInput(f"{path}: state {s!r} is mapped to two stages")
            state_stage[s] = i
    if not stages:
        raise BadInput(f"{path}: no [[stage]]")
    names = [n for n, _ in stages]
    if "commitment" in wf:
        if wf["commitment"] not in names:
            raise BadInput(f"{path}: commitment {wf['commitment']!r} is not a stage")
        commitment = names.index(wf["commitment"])
    else:
        commitment = next((i for i, (_, k) in enumerate(stages) if k != "backlog"), None)
        if commitment is None:
            raise BadInput(f"{path}: every stage is a backlog; no commitment")
    return stages, state_stage, commitment


def read_log(path, id_col, state_col, time_col, tz, state_stage, drop_unmapped):
    """Events per item in file order: {item: [(instant, row number, stage index)]}."""
    items, unmapped, first_line = {}, Counter(), {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            for col in (id_col, state_col, time_col):
                if col not in (reader.fieldnames or []):
                    raise BadInput(f"{path}: no column {col!r} (columns: {reader.fieldnames})")
            for row in reader:
                line = reader.line_num
                state = row[state_col]
                stage = state_stage.get(state)
                if stage is None:
                    unmapped[state] += 1
                    first_line.setdefault(state, line)
                    continue
                t = parse_instant(row[time_col], tz, f"{path} line {line}, {time_col}")
                items.setdefault(row[id_col], []).append((t, line, stage))
    except OSError as e:
        raise BadInput(f"{path}: {e}") from e
    if unmapped and not drop_unmapped:
        listed = "; ".join(
            f"{s!r} ({n} events, first on line {first_line[s]})" for s, n in unmapped.most_common()
        )
        raise BadInput(f"{path}: statuses no stage maps: {listed} (--drop-unmapped drops them)")
    return items, sum(unmapped.values())


def done_instants(items, stages, commitment, as_of):
    """Each counted item's done instant (discarded and not-done items are left out)."""
    done, discarded, open_ = [], 0, 0
    for events in items.values():
        ev = sorted((e for e in events if e[0] <= as_of), key=lambda e: (e[0], e[1]))
        if not ev:
            continue
        # The trailing run of events in done stages: its first event starts the last visit.
        j = len(ev)
        while j > 0 and stages[ev[j - 1][2]][1] == "done":
            j -= 1
        if j == len(ev):
            open_ += 1
            continue
        committed = any(
            e[2] >= commitment and stages[e[2]][1] != "done" for e in ev[:j]
        )
        if not committed:
            discarded += 1
            continue
        done.append(ev[j][0])
    return sorted(done), discarded, open_


# --- the check ----------------------------------------------------------------------------


class Checker:
    def __init__(self, done, tz, as_of, first_day):
        self.tz = tz
        self.as_of = as_of
        self.first_day = first_day
        self.done = done  # sorted instants
        self.daily = Counter(self.day_of(t) for t in done)
        self.errors = []

    def day_of(self, t):
        return t.astimezone(self.tz).date()

    def day_start(self, d):
        return datetime.combine(d, time(0), tzinfo=self.tz)

    def over(self, d):
        """The whole day d is over by the observation end."""
        return self.day_start(d + timedelta(days=1)) <= self.as_of

    def bad(self, where, what, expected, got):
        self.errors.append(f"{where}: {what}: expected {expected!r}, got {got!r}")

    def how_many_actual(self, day_one, days):
        return sum(self.daily.get(day_one + timedelta(days=k), 0) for k in range(days))

    def when_actual(self, day_one, n):
        start = self.day_start(day_one)
        after = [t for t in self.done if t >= start]
        if len(after) < n:
            return None
        return (self.day_of(after[n - 1]) - day_one).days + 1

    def check_levels(self, where, levels, tallies):
        rows = []
        for k, lv in enumerate(levels):
            w = f"{where}, level {k} ({lv.get('confidence')})"
            points, met = tallies[k] if tallies is not None else (lv.get("points"), lv.get("met"))
            if tallies is not None:
                if lv.get("points") != points:
                    self.bad(w, "points", points, lv.get("points"))
                if lv.get("met") != met:
                    self.bad(w, "met", met, lv.get("met"))
            if not isinstance(points, int) or not isinstance(met, int):
                self.bad(w, "points and met", "integers", (points, met))
                continue
            if points == 0:
                rows.append((lv.get("confidence"), points, met, None, None))
                continue
            share = met / points
            lo, hi = clopper_pearson(met, points)
            got_share = lv.get("share")
            if not isinstance(got_share, (int, float)) or abs(got_share - share) > SHARE_TOLERANCE:
                self.bad(w, "share", share, got_share)
            ci = lv.get("ci95")
            if (
                not isinstance(ci, list)
                or len(ci) != 2
                or not all(isinstance(x, (int, float)) for x in ci)
                or abs(ci[0] - lo) > CI_TOLERANCE
                or abs(ci[1] - hi) > CI_TOLERANCE
            ):
                self.bad(w, "ci95 (Clopper-Pearson)", [lo, hi], ci)
            rows.append((lv.get("confidence"), points, met, share, (lo, hi)))
        return rows

    def check_crps(self, where, c):
        crps = c.get("crps")
        if not isinstance(crps, (int, float)) or not math.isfinite(crps) or crps < 0:
            self.bad(where, "crps", "finite and >= 0", crps)

    def check_calibration(self, ci, c):
        q = c.get("question", {})
        if "how_many" in q:
            kind, size = "how_many", q["how_many"].get("days")
            qname = f"how many in {size} days"
        elif "when" in q:
            kind, size = "when", q["when"].get("items")
            qname = f"when {size} items"
        else:
            raise BadInput(f"calibration {ci}: unknown question {q!r}")
        if not isinstance(size, int) or size < 1:
            raise BadInput(f"calibration {ci}: question {q!r} has no positive size")
        where = f"calibration {ci} ({qname}, {c.get('method')})"
        levels = c.get("levels", [])
        tallies = [[0, 0] for _ in levels]
        every = c.get("every_days")
        previous = None
        for p in c.get("points", []):
            try:
                day_one = date.fromisoformat(p["day_one"])
            except (KeyError, TypeError, ValueError) as e:
                raise BadInput(f"{where}: a point without a day_one: {p!r}") from e
            w = f"{where}, point day_one {day_one}"
            if previous is not None and every is not None and (day_one - previous).days != every:
                self.bad(w, "days since the previous point (every_days)", every,
                         (day_one - previous).days)
            previous = day_one
            available = (day_one - self.first_day).days
            h = p.get("history_days")
            if not isinstance(h, int) or h < 0 or h > available or h > c.get("history_days", h):
                self.bad(w, "history_days (at most the days from the log's first day, "
                         f"{self.first_day}, and at most the calibration's)", f"<= {available}", h)
            answers, met = p.get("answers", []), p.get("met", [])
            if len(answers) != len(levels) or len(met) != len(levels):
                self.bad(w, "answers and met, one per level", len(levels), (len(answers), len(met)))
                continue
            if kind == "how_many":
                actual = self.how_many_actual(day_one, size)
                if not self.over(day_one + timedelta(days=size - 1)):
                    self.bad(w, "its days are over by the observation end "
                             f"({self.as_of.isoformat()})", True, False)
            else:
                actual = self.when_actual(day_one, size)
            if p.get("actual") != actual:
                self.bad(w, "actual", actual, p.get("actual"))
            for k, (a, lv) in enumerate(zip(answers, levels)):
                wl = f"{w}, level {k} ({lv.get('confidence')})"
                if a.get("confidence") != lv.get("confidence"):
                    self.bad(wl, "confidence of the answer", lv.get("confidence"),
                             a.get("confidence"))
                if kind == "how_many":
                    items = a.get("items")
                    if not isinstance(items, int):
                        self.bad(wl, "answer items", "an integer", items)
                        continue
                    expected = actual >= items
                else:
                    d = a.get("days")
                    if not isinstance(d, int):
                        self.bad(wl, "answer days", "an integer", d)
                        continue
                    on = day_one + timedelta(days=d - 1)
                    if a.get("date") != on.isoformat():
                        self.bad(wl, "answer date (day_one + days - 1)", on.isoformat(),
                                 a.get("date"))
                    if self.over(on):
                        expected = actual is not None and actual <= d
                    else:
                        expected = None
                if met[k] != expected:
                    self.bad(wl, "met", expected, met[k])
                if expected is not None:
                    tallies[k][0] += 1
                    tallies[k][1] += int(expected)
        cp = c.get("crps_points")
        if not isinstance(cp, int) or not 0 <= cp <= len(c.get("points", [])):
            self.bad(where, "crps_points (at most the points)", f"<= {len(c.get('points', []))}",
                     cp)
        self.check_crps(where, c)
        return qname, self.check_levels(where, levels, tallies), len(c.get("points", []))

    def check_method_summaries(self, doc):
        by_key = {
            (json.dumps(c.get("question"), sort_keys=True), c.get("method")): c
            for c in doc.get("calibrations", [])
        }
        rows = []
        for mi, m in enumerate(doc.get("methods", []) or []):
            where = f"methods[{mi}] ({json.dumps(m.get('question'))}, {m.get('method')})"
            self.check_crps(where, m)
            rows.append((m, self.check_levels(where, m.get("levels", []), None)))
            c = by_key.get((json.dumps(m.get("question"), sort_keys=True), m.get("method")))
            if c is None:
                continue
            for k, (a, b) in enumerate(zip(m.get("levels", []), c.get("levels", []))):
                for key in ("confidence", "points", "met"):
                    if a.get(key) != b.get(key):
                        self.bad(f"{where}, level {k}", f"{key} (as in the calibration)",
                                 b.get(key), a.get(key))
            for key in ("crps", "crps_points"):
                if m.get(key) != c.get(key):
                    self.bad(where, f"{key} (as in the calibration)", c.get(key), m.get(key))
        return rows


def fmt_row(question, method, conf, points, met, share, ci):
    conf_s = f"{conf * 100:g}%" if isinstance(conf, (int, float)) else str(conf)
    share_s = "-" if share is None else f"{share:.3f}"
    ci_s = "-" if ci is None else f"[{ci[0]:.4f}, {ci[1]:.4f}]"
    return f"{question:<24} {method:<8} {conf_s:>6} {points:>6} {met:>5} {share_s:>6}  {ci_s}"


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Cross-check valuestream forecast --calibrate --json against the log."
    )
    ap.add_argument("log")
    ap.add_argument("workflow")
    ap.add_argument("calibration")
    ap.add_argument("--id", default="id")
    ap.add_argument("--state", default="state")
    ap.add_argument("--time", default="timestamp")
    ap.add_argument("--offset", default="+00:00",
                    help="offset of the days (and of naive timestamps), like +01:00")
    ap.add_argument("--as-of", help="end of observation [default: the latest event instant]")
    ap.add_argument("--drop-unmapped", action="store_true")
    args = ap.parse_args(argv)
    try:
        tz = parse_offset(args.offset)
        stages, state_stage, commitment = read_workflow(args.workflow)
        items, dropped = read_log(args.log, args.id, args.state, args.time, tz, state_stage,
                                  args.drop_unmapped)
        instants = [e[0] for ev in items.values() for e in ev]
        if not instants:
            raise BadInput(f"{args.log}: no events")
        as_of = parse_instant(args.as_of, tz, "--as-of") if args.as_of else max(instants)
        first = min(instants)
        try:
            with open(args.calibration, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise BadInput(f"{args.calibration}: {e}") from e
        if not isinstance(doc, dict) or not isinstance(doc.get("calibrations"), list):
            raise BadInput(f"{args.calibration}: no \"calibrations\" list")
        done, discarded, open_ = done_instants(items, stages, commitment, as_of)
        chk = Checker(done, tz, as_of, first.astimezone(tz).date())
        print(
            f"log: {len(items)} items, {len(done)} done and counted, {discarded} discarded, "
            f"{open_} not done; events {first.isoformat()} .. observation end "
            f"{as_of.isoformat()}" + (f"; {dropped} unmapped events dropped" if dropped else "")
        )
        print(f"{'question':<24} {'method':<8} {'level':>6} {'points':>6} {'met':>5} "
              f"{'share':>6}  ci95")
        for ci, c in enumerate(doc["calibrations"]):
            qname, rows, npoints = chk.check_calibration(ci, c)
            if npoints == 0:
                print(f"warning: calibration {ci} ({qname}) has no points", file=sys.stderr)
            for conf, points, met, share, interval in rows:
                print(fmt_row(qname, str(c.get("method")), conf, points, met, share, interval))
        summaries = chk.check_method_summaries(doc)
        print(f"methods summaries checked: {len(summaries)}")
    except BadInput as e:
        print(f"forecast_calibration.py: {e}", file=sys.stderr)
        return 2
    if chk.errors:
        print(f"DISAGREE: {len(chk.errors)} disagreement(s) with the specification; the first:")
        for e in chk.errors[:SHOWN]:
            print(f"  {e}")
        return 1
    print("AGREE: every actual, met, level count, share and interval matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
