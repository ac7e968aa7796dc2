//! What the page says of its time charts: where their axis starts (a log mostly empty in
//! time is drawn from where its data is, and the page says so), and the one-sentence
//! readings of the cumulative flow diagram and the cycle-time scatterplot.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::page::{days, items};
use crate::metrics::{Period, Report, Series};
use crate::workflow::StageKind;

/// The share of the arrivals and completions that may lie before a trimmed axis's start.
const TRIM_SHARE: f64 = 0.05;
/// Trim only when it removes at least this share of the axis…
const TRIM_AXIS: f64 = 0.5;
/// …and the series is at least this many periods long.
const TRIM_MIN_PERIODS: usize = 60;

/// The daily series the time charts draw, and why it starts later than the window, if it
/// does.
pub(super) struct TimeAxis<'r> {
    /// The series drawn: the report's own, or a copy from where the data starts.
    pub(super) series: Cow<'r, Series>,
    /// A sentence saying where the axis starts and why, when it was trimmed.
    pub(super) note: Option<String>,
}

/// The first period of `series` to draw: where the data starts. The activity of a period
/// is its arrivals plus its departures. Let `p` be the first period by whose end more
/// than 5% of the window's activity has happened, moved back over the periods just before
/// it whose activity is at least a tenth of the mean activity from `p` on (the dense part
/// starts where the log's busy days do, not within them). When `p` is at least half-way
/// along an axis of 60 periods or more, the axis starts there and the note says what was
/// left out. Otherwise the whole window is drawn.
pub(super) fn time_axis(r: &Report) -> TimeAxis<'_> {
    let s = &r.daily;
    let n = s.len();
    let whole = TimeAxis {
        series: Cow::Borrowed(s),
        note: None,
    };
    if n < TRIM_MIN_PERIODS {
        return whole;
    }
    let activity: Vec<u64> = (0..n).map(|p| s.arrivals[p] + s.departures[p]).collect();
    let total: u64 = activity.iter().sum();
    if total == 0 {
        return whole;
    }
    // The first period by whose end more than 5% of the activity has happened…
    let mut seen = 0u64;
    let mut start = n - 1;
    for (p, a) in activity.iter().enumerate() {
        seen += a;
        if seen as f64 > TRIM_SHARE * total as f64 {
            start = p;
            break;
        }
    }
    // …and back over the periods before it as busy as a tenth of the periods after it.
    let after: u64 = activity[start..].iter().sum();
    let busy = 0.1 * after as f64 / (n - start) as f64;
    while start > 0 && activity[start - 1] as f64 >= busy {
        start -= 1;
    }
    if (start as f64) < TRIM_AXIS * n as f64 {
        return whole;
    }
    let left_out: u64 = activity[..start].iter().sum();
    let first = s.starts[start];
    let mut note = format!(
        "The window runs from {} to {} ({} days), but {:.0}% of its arrivals and completions fall on or after {first}: the time charts start there so that they can be read (the {} days before hold {} arrivals and completions). The figures above are those of the whole window.",
        s.starts[0],
        s.starts[n - 1],
        n,
        100.0 * (total - left_out) as f64 / total as f64,
        start,
        left_out
    );
    if let (Some(since), Some(options)) = (r.window_check.since, r.window_check.steady_options()) {
        note.push_str(&format!(
            " The window check's steady window starts on {}: `valuestream report {options}` measures it alone.",
            since.format("%Y-%m-%d")
        ));
    }
    TimeAxis {
        series: Cow::Owned(from_period(s, start)),
        note: Some(note),
    }
}

/// `s` from period `start` on.
fn from_period(s: &Series, start: usize) -> Series {
    let mut t = s.clone();
    t.starts = s.starts[start..].to_vec();
    t.arrivals = s.arrivals[start..].to_vec();
    t.commitments = s.commitments[start..].to_vec();
    t.departures = s.departures[start..].to_vec();
    t.discarded = s.discarded[start..].to_vec();
    t.net_flow = s.net_flow[start..].to_vec();
    t.wip = s.wip[start..].to_vec();
    t.wip_age_days = s.wip_age_days[start..].to_vec();
    t.cfd = s.cfd.iter().map(|l| l[start..].to_vec()).collect();
    t.in_stage = s.in_stage.iter().map(|l| l[start..].to_vec()).collect();
    t
}

/// The span of a series in words: "the 90 days from 2024-01-01".
fn span(s: &Series) -> String {
    let unit = if s.period == Period::Week {
        "weeks"
    } else {
        "days"
    };
    let first: NaiveDate = s.starts.first().copied().unwrap_or_default();
    format!("the {} {unit} from {first}", s.len())
}

/// The reading of the cumulative flow diagram: which stage's band grew over the axis, and whether every other one kept up. A stage "grew"
/// when the items in it at the axis's end exceed those at its start by at least 5 and by
/// a tenth of the items done over the axis; the others kept up when none grew by as much.
pub(super) fn cfd_reading(r: &Report, s: &Series) -> String {
    let n = s.len();
    if n == 0 {
        return "There is no flow to draw.".to_owned();
    }
    let kind = |name: &str| r.stage(name).map(|m| m.kind);
    let mut growth: Vec<(&str, i64, Option<StageKind>)> = s
        .stages
        .iter()
        .enumerate()
        .filter(|(_, name)| matches!(kind(name), Some(StageKind::Wait | StageKind::Active)))
        .map(|(k, name)| {
            let g = s.in_stage[k][n - 1] as i64 - s.in_stage[k][0] as i64;
            (name.as_str(), g, kind(name))
        })
        .collect();
    let done: u64 = s.departures.iter().sum();
    let arrived: u64 = s.arrivals.iter().sum();
    growth.sort_by_key(|g| std::cmp::Reverse(g.1));
    let threshold = (done as f64 / 10.0).max(5.0);
    let moved = format!(
        "{} arrived and {} {} done in {}",
        items(arrived),
        items(done),
        if done == 1 { "was" } else { "were" },
        span(s)
    );
    match growth.as_slice() {
        [] => format!("{}.", capitalise(&moved)),
        [(stage, g, k), rest @ ..] if *g as f64 >= threshold => {
            let what = if *k == Some(StageKind::Wait) {
                format!("The items waiting in {stage}")
            } else {
                format!("The items in {stage}")
            };
            let others = rest.iter().map(|x| x.1).max().unwrap_or(0);
            let tail = if (others as f64) < threshold {
                "; every other stage kept up".to_owned()
            } else {
                format!(
                    "; {} grew too, by {}",
                    rest[0].0,
                    items(others.unsigned_abs())
                )
            };
            format!(
                "{what} grew by {} over {}{tail} ({moved}).",
                crate::log::quality::count(g.unsigned_abs()),
                span(s),
                moved = moved.replace(&format!(" in {}", span(s)), "")
            )
        }
        [(_, g, _), ..] if *g <= 0 => format!(
            "Every stage kept up over {}: none holds more items at the end than at the start; {moved}.",
            span(s),
            moved = moved.replace(&format!(" in {}", span(s)), "")
        ),
        [(stage, g, _), ..] => format!(
            "Every stage kept up over {}: the most any stage grew was {} ({stage}); {moved}.",
            span(s),
            items((*g).max(0).unsigned_abs()),
            moved = moved.replace(&format!(" in {}", span(s)), "")
        ),
    }
}

/// The reading of the cycle-time scatterplot: how many items it shows, and its percentiles.
pub(super) fn scatter_reading(r: &Report) -> String {
    let c = &r.cycle_time_days;
    let (Some(p50), Some(p85), Some(max)) = (c.p50, c.p85, c.max) else {
        return "No item was done in the window, so there are no cycle times to draw.".to_owned();
    };
    format!(
        "Each dot is one of the {} done, at its done date and its cycle time: half took at most {}, 85% at most {}, the slowest {}.",
        items(c.count),
        days(p50),
        days(p85),
        days(max)
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}
