//! Windows that mix regimes: a log that is an extract of recent items plus old ones still
//! open, an arrival rate that changes several-fold, a backlog older than anything done.
//! Averages over such a window describe no real period; the check says so with the figures
//! and suggests the steady window. It warns; it never corrects.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::items::older_than_done;
use super::{Metrics, MetricsOptions};
use crate::time::{ms_to_datetime, ms_to_days};
use crate::timeline::{Clip, Timelines};

/// Rates that differ by this factor or more are two regimes.
const RATE_FACTOR: f64 = 3.0;
/// The likelihood-ratio statistic a change of rate needs, besides the factor.
const MIN_DEVIANCE: f64 = 25.0;
/// The share of the arrivals that makes an extract…
const EXTRACT_SHARE: f64 = 0.8;
/// …when they fall in this final share of the window.
const EXTRACT_WINDOW: f64 = 0.25;
/// The fewest arrivals in each period of a change of rate.
const MIN_PERIOD: usize = 10;
/// The fewest items of a stale backlog, and their least share of the work in progress.
const MIN_STALE: usize = 3;
const MIN_STALE_SHARE: f64 = 0.1;

/// What kind of mixture a window shows.
///
/// JSON: `"extract"`, `"rate_change"` or `"stale_backlog"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RegimeKind {
    /// Most items arrived in a small final share of the window: an extract of recent items,
    /// with older ones that were still open when it was taken.
    Extract,
    /// The arrival rate changed by a large factor within the window.
    RateChange,
    /// Items in progress at the window's end are older than any item done in it took.
    StaleBacklog,
}

/// One sign that a window mixes regimes, in words and figures, and the window it suggests.
///
/// JSON: one entry of `window_check.warnings[]`: `{kind, message, since, until}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RegimeWarning {
    /// What kind of mixture.
    pub kind: RegimeKind,
    /// What the window shows, with the figures, in plain words.
    pub message: String,
    /// Where a steady window would start (`None`: at the window's own start, or no start
    /// makes it steady).
    pub since: Option<DateTime<Utc>>,
    /// Where a steady window would end (`None`: at the window's own end).
    pub until: Option<DateTime<Utc>>,
}

/// Whether a window holds one steady stream of work, and if not, why and which window
/// is steady. [`Report::window_check`](crate::Report::window_check) is the check of the
/// report's window, [`FittedModel::window_check`](crate::FittedModel::window_check) that
/// of the log a model was fitted to, [`Metrics::window_check`] that of any window, and
/// [`WindowCheck::of`] that of the whole observation.
///
/// # Definitions
///
/// The arrivals are the first events of the items in the window `[start, end]` that fall
/// in it (items that arrived before it and were still open are carried in: they are not
/// arrivals of the window). Sorted, `n` of them:
///
/// - **Change of rate**: the split of the window into two periods that best explains the
///   arrivals as two Poisson processes of constant rates: the split instant τ, an arrival,
///   that maximises `k·ln(k/(τ − start)) + (n − k)·ln((n − k)/(end − τ))`, `k` arrivals
///   before it, each period holding at least 10 arrivals (the maximum-likelihood change
///   point). The window mixes regimes when the two rates differ by a factor of 3 or more
///   and the split explains the arrivals much better than one rate does: the
///   likelihood-ratio statistic `2·(that maximum − n·ln(n/(end − start)))` is at least 25.
///   (In 17,000 simulated steady Poisson streams of 20 to 10,000 arrivals, about 1% of the
///   best splits differed by a factor of 3 by chance, and the largest statistic was 22.)
///   The steady window suggested is the period that holds more of the arrivals: `since` τ
///   when it is the later one, `until` τ when the earlier.
/// - **Extract**: such a change, the rate rising, where at least 80% of the arrivals fall
///   in the last 25% of the window: the log looks like an extract of recent items plus
///   older ones that were still open. The steady window starts at τ.
/// - **Stale backlog**: at least 3 items, and at least 10% of the work in progress at the
///   window's end, are older (since commitment) than the longest cycle time of the items
///   done in the window: a backlog that no longer flows, or was never closed in the tool.
///   They inflate WIP and its age in every window that ends there (they are carried into
///   any later start), so no window is suggested. It is checked only when some item was
///   done in the window. (The same items are Little's law's "items that never finish",
///   [`crate::Assumption::ItemsFinish`].)
///
/// # JSON
///
/// `window_check.{steady, warnings[], since, until}`: `steady` is true when no warning was
/// found; each warning is `{kind, message, since, until}` ([`RegimeWarning`]); `since` and
/// `until` bound the steady window the warnings suggest (`null`: the window's own bound).
///
/// # Examples
///
/// ```
/// use valuestream::{LogReader, RegimeKind, StageKind, Timelines, WindowCheck, Workflow};
///
/// // 40 items over 400 days, one every 10 days; then 160 items in the last 40 days.
/// let mut csv = String::from("id,state,timestamp\n");
/// let day = |d: u64| chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(d);
/// for k in 0..200 {
///     let d = if k < 40 { k * 10 } else { 400 + (k - 40) / 4 };
///     csv.push_str(&format!("I{k},Dev,{}\nI{k},Done,{}\n", day(d), day(d + 2)));
/// }
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage("Done", StageKind::Done)
///     .build()?;
/// let check = WindowCheck::of(&Timelines::new(&log, &wf)?);
/// assert!(!check.steady);
/// assert_eq!(check.warnings[0].kind, RegimeKind::Extract);
/// // The steady window starts when the items began to arrive four a day.
/// assert_eq!(check.since.map(|t| t.date_naive().to_string()).as_deref(), Some("2025-02-04"));
/// println!("{}", check.warnings[0].message);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WindowCheck {
    /// Whether no sign of mixed regimes was found.
    pub steady: bool,
    /// Each sign found: at most one change of rate (an extract or not), and a stale
    /// backlog.
    pub warnings: Vec<RegimeWarning>,
    /// The start of the steady window the warnings suggest (the latest they name).
    pub since: Option<DateTime<Utc>>,
    /// The end of the steady window the warnings suggest (the earliest they name).
    pub until: Option<DateTime<Utc>>,
}

impl WindowCheck {
    /// The check of the whole observation of `timelines`, `[start, as_of]`: the window
    /// that [`crate::fit`] fits a model to and that a report without `since` and `until`
    /// measures. `Metrics::new(timelines, &options)?.window_check()` checks another.
    pub fn of(timelines: &Timelines) -> WindowCheck {
        // The observation's own window is never empty and there is no filter: this does
        // not fail.
        Metrics::new(timelines, &MetricsOptions::new()).map_or_else(
            |_| WindowCheck::from_warnings(Vec::new()),
            |m| m.window_check(),
        )
    }

    /// The command-line options of the steady window it suggests, `--since D` and/or
    /// `--until D` (dates), joined by a space; `None` when it suggests none.
    pub fn steady_options(&self) -> Option<String> {
        let options: Vec<String> = [("--since", self.since), ("--until", self.until)]
            .into_iter()
            .filter_map(|(flag, t)| t.map(|t| format!("{flag} {}", t.format("%Y-%m-%d"))))
            .collect();
        (!options.is_empty()).then(|| options.join(" "))
    }

    fn from_warnings(warnings: Vec<RegimeWarning>) -> WindowCheck {
        WindowCheck {
            steady: warnings.is_empty(),
            since: warnings.iter().filter_map(|w| w.since).max(),
            until: warnings.iter().filter_map(|w| w.until).min(),
            warnings,
        }
    }
}

/// **Windows that mix regimes**: the check of the window of `clip`, given the items in
/// progress at its end (index, age since commitment in ms) and the longest cycle time
/// done in it (days).
pub(crate) fn window_check(
    clip: &Clip<'_>,
    in_progress: &[(u32, i64)],
    cycle_max_days: Option<f64>,
) -> WindowCheck {
    let (start, end) = (clip.start(), clip.end());
    let mut items: Vec<(i64, i64)> = clip
        .items()
        .iter()
        .filter(|s| s.arrival() >= start)
        .map(|s| (s.arrival(), s.done().unwrap_or(i64::MAX)))
        .collect();
    items.sort_unstable();
    let (arrivals, done): (Vec<i64>, Vec<i64>) = items.into_iter().unzip();
    let mut warnings = Vec::new();
    if let Some(w) = rate_change(&arrivals, &done, start, end) {
        warnings.push(w);
    }
    if let Some(w) = stale_backlog(end, in_progress, cycle_max_days) {
        warnings.push(w);
    }
    WindowCheck::from_warnings(warnings)
}

/// The best split of sorted arrival instants (ms) in `[start, end]` into two Poisson
/// periods.
#[derive(Clone, Copy, Debug)]
struct Split {
    /// Arrivals before the split.
    k: usize,
    /// The split instant: the first arrival of the later period.
    tau: i64,
    /// The rates (per day) before and after.
    before: f64,
    after: f64,
    /// The likelihood-ratio statistic against one rate.
    deviance: f64,
}

fn best_split(arrivals: &[i64], start: i64, end: i64) -> Option<Split> {
    let n = arrivals.len();
    if n < 2 * MIN_PERIOD || end <= start {
        return None;
    }
    let loglik = |k: usize, tau: i64| -> Option<f64> {
        let (a, b) = ((tau - start) as f64, (end - tau) as f64);
        let (k1, k2) = (k as f64, (n - k) as f64);
        (a > 0.0 && b > 0.0).then(|| k1 * (k1 / a).ln() + k2 * (k2 / b).ln())
    };
    let mut best: Option<(f64, usize)> = None;
    let candidates = arrivals.iter().enumerate().take(n - MIN_PERIOD + 1);
    for (k, &tau) in candidates.skip(MIN_PERIOD) {
        if let Some(ll) = loglik(k, tau)
            && best.is_none_or(|(l, _)| ll > l)
        {
            best = Some((ll, k));
        }
    }
    let (ll, k) = best?;
    let tau = arrivals[k];
    let nf = n as f64;
    let one_rate = nf * (nf / (end - start) as f64).ln();
    Some(Split {
        k,
        tau,
        before: k as f64 / ms_to_days(tau - start),
        after: (n - k) as f64 / ms_to_days(end - tau),
        deviance: 2.0 * (ll - one_rate),
    })
}

/// A change of the arrival rate by [`RATE_FACTOR`] or more, an extract being one, given the
/// sorted arrivals and when each of those items was done (`i64::MAX` if not).
fn rate_change(arrivals: &[i64], done: &[i64], start: i64, end: i64) -> Option<RegimeWarning> {
    let sp = best_split(arrivals, start, end)?;
    let (n, k) = (arrivals.len(), sp.k);
    let rising = sp.after >= sp.before;
    let factor = if rising {
        sp.after / sp.before
    } else {
        sp.before / sp.after
    };
    if factor < RATE_FACTOR || sp.deviance < MIN_DEVIANCE {
        return None;
    }
    let at = ms_to_datetime(sp.tau);
    let when = at.format("%Y-%m-%d");
    let (days_before, days_after) = (ms_to_days(sp.tau - start), ms_to_days(end - sp.tau));
    let late_share = (end - sp.tau) as f64 / (end - start) as f64;
    if rising && (n - k) as f64 >= EXTRACT_SHARE * n as f64 && late_share <= EXTRACT_WINDOW {
        let open = done[..k].iter().filter(|&&d| d >= sp.tau).count();
        let older = if open == k {
            format!("{k} older ones, all still open then")
        } else {
            format!("{k} older ones, {open} of them still open then")
        };
        let message = format!(
            "{} of the {n} items ({:.1}%) arrived in the last {days_after:.0} of the window's \
             {:.0} days ({:.1}% of it), from {when} on: {:.2} a day, against {:.2} a day in \
             the {days_before:.0} days before. The log looks like an extract of recent items \
             plus {older}; averages over the whole window describe no real period. The steady \
             window starts on {when}.",
            n - k,
            100.0 * (n - k) as f64 / n as f64,
            ms_to_days(end - start),
            100.0 * late_share,
            sp.after,
            sp.before,
        );
        return Some(RegimeWarning {
            kind: RegimeKind::Extract,
            message,
            since: Some(at),
            until: None,
        });
    }
    let later = n - k >= k;
    let message = format!(
        "The arrival rate {} {factor:.1}-fold on {when}: {:.2} items a day in the {days_before:.0} \
         days before ({k} items), {:.2} a day in the {days_after:.0} days after ({} items). \
         Averages over the whole window mix two regimes; the steady window is the {} one, \
         which holds most of the items: {} {when}.",
        if rising { "rose" } else { "fell" },
        sp.before,
        sp.after,
        n - k,
        if later { "later" } else { "earlier" },
        if later { "from" } else { "until" },
    );
    Some(RegimeWarning {
        kind: RegimeKind::RateChange,
        message,
        since: later.then_some(at),
        until: (!later).then_some(at),
    })
}

/// Items in progress at `end` older than the longest cycle time done in the window.
fn stale_backlog(
    end: i64,
    in_progress: &[(u32, i64)],
    cycle_max_days: Option<f64>,
) -> Option<RegimeWarning> {
    let longest = cycle_max_days?;
    let ages: Vec<i64> = older_than_done(in_progress, Some(longest)).collect();
    let wip = in_progress.len();
    if ages.len() < MIN_STALE || (ages.len() as f64) < MIN_STALE_SHARE * wip as f64 {
        return None;
    }
    let oldest = ages.iter().copied().max()?;
    let message = format!(
        "{} of the {wip} items in progress at the end were committed more than {longest:.1} \
         days before it, longer ago than the longest cycle time of any item done in the \
         window (the oldest on {}): a backlog that no longer flows, or was never closed in \
         the tool. They inflate WIP and its age in every window that ends here, so no later \
         start removes them.",
        ages.len(),
        ms_to_datetime(end - oldest).format("%Y-%m-%d"),
    );
    Some(RegimeWarning {
        kind: RegimeKind::StaleBacklog,
        message,
        since: None,
        until: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    /// Items never done.
    fn never(a: &[i64]) -> Vec<i64> {
        vec![i64::MAX; a.len()]
    }

    #[test]
    fn a_steady_stream_has_no_change_worth_naming() {
        // One arrival a day for 300 days.
        let a: Vec<i64> = (0..300).map(|d| d * DAY + DAY / 2).collect();
        assert!(rate_change(&a, &never(&a), 0, 300 * DAY).is_none());
    }

    #[test]
    fn a_rate_that_quadruples_is_found_where_it_changes() {
        // One a day for 100 days, then four a day for 100 days.
        let mut a: Vec<i64> = (0..100).map(|d| d * DAY + DAY / 2).collect();
        a.extend((0..400).map(|k| 100 * DAY + k * DAY / 4 + DAY / 8));
        let w = rate_change(&a, &never(&a), 0, 200 * DAY).unwrap();
        assert_eq!(w.kind, RegimeKind::RateChange);
        let since = w.since.unwrap().timestamp_millis();
        assert!((since - 100 * DAY).abs() <= DAY, "{since}");
        assert_eq!(w.until, None);
        assert!(w.message.contains("rose 4.0-fold"), "{}", w.message);
        assert!(w.message.contains("(100 items)"), "{}", w.message);
    }

    #[test]
    fn a_rate_that_falls_suggests_the_period_with_most_items() {
        // Four a day for 100 days, then one a day for 100 days: the earlier period.
        let mut a: Vec<i64> = (0..400).map(|k| k * DAY / 4 + DAY / 8).collect();
        a.extend((0..100).map(|d| 100 * DAY + d * DAY + DAY / 2));
        let w = rate_change(&a, &never(&a), 0, 200 * DAY).unwrap();
        assert!(w.message.contains("fell 4.0-fold"), "{}", w.message);
        assert_eq!(w.since, None);
        let until = w.until.unwrap().timestamp_millis();
        assert!((until - 100 * DAY).abs() <= DAY, "{until}");
    }

    #[test]
    fn an_extract_is_named_as_one() {
        // 30 items over 700 days, then 1,000 in the last 60.
        let mut a: Vec<i64> = (0..30).map(|k| k * 23 * DAY).collect();
        a.extend((0..1000).map(|k| 700 * DAY + k * 60 * DAY / 1000));
        // The first ten were done before the dense stream began.
        let mut done = never(&a);
        done[..10].fill(100 * DAY);
        let w = rate_change(&a, &done, 0, 760 * DAY).unwrap();
        assert_eq!(w.kind, RegimeKind::Extract);
        assert!(
            w.message.contains("1000 of the 1030 items"),
            "{}",
            w.message
        );
        assert!(
            w.message
                .contains("plus 30 older ones, 20 of them still open then"),
            "{}",
            w.message
        );
        let since = w.since.unwrap().timestamp_millis();
        assert!((since - 700 * DAY).abs() <= DAY, "{since}");
    }

    #[test]
    fn a_large_factor_on_too_few_items_is_not_enough() {
        // 10 items in 2 days, then 10 in 10 days: five-fold, but 20 items say little.
        let mut a: Vec<i64> = (0..10).map(|k| k * DAY / 5).collect();
        a.extend((0..10).map(|k| 2 * DAY + k * DAY));
        let sp = best_split(&a, 0, 12 * DAY).unwrap();
        assert!(sp.after < sp.before / 3.0, "{sp:?}");
        assert!(sp.deviance < MIN_DEVIANCE, "{sp:?}");
        assert!(rate_change(&a, &never(&a), 0, 12 * DAY).is_none());
    }

    #[test]
    fn too_few_arrivals_say_nothing() {
        let a: Vec<i64> = (0..12).map(|k| k * k * DAY).collect();
        assert!(best_split(&a, 0, 200 * DAY).is_none());
    }

    #[test]
    fn a_stale_backlog_needs_three_items_and_a_tenth_of_the_wip() {
        let end = 1000 * DAY;
        // Ages 50 to 59 days against a longest cycle time of 20 days: 10 stale of 12.
        let mut wip: Vec<(u32, i64)> = (0..10).map(|k| (k, (50 + i64::from(k)) * DAY)).collect();
        wip.extend([(10, DAY), (11, 2 * DAY)]);
        let w = stale_backlog(end, &wip, Some(20.0)).unwrap();
        assert_eq!(w.kind, RegimeKind::StaleBacklog);
        assert!(w.message.starts_with("10 of the 12 items"), "{}", w.message);
        assert!(
            w.message.contains("the oldest on 1972-07-30"),
            "{}",
            w.message
        );
        // Two are not a backlog; three among a hundred young ones are not a tenth.
        assert!(stale_backlog(end, &wip[8..], Some(20.0)).is_none());
        let mut many: Vec<(u32, i64)> = (0..100).map(|k| (k, DAY)).collect();
        many.extend_from_slice(&wip[..3]);
        assert!(stale_backlog(end, &many, Some(20.0)).is_none());
        // Nothing done: nothing to compare with.
        assert!(stale_backlog(end, &wip, None).is_none());
    }
}
