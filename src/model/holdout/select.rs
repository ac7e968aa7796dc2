//! Choosing how a model is fitted by an inner held-out backtest: the training log split
//! again, each candidate fitted on its first part and scored on the rest, the best fitted
//! on the whole training log. The test period of the outer backtest is never seen.

use super::super::fit::{
    Candidate, Censoring, ClassBy, Discover, FitOptions, FittedModel, Loops, Selection, ServersBy,
    fit, returns_of,
};
use super::super::sim::SimOptions;
use super::{BacktestOptions, MIN_DONE_ITEMS, run, split_of};
use crate::error::Result;
use crate::stats::Sample;
use crate::time::ms_to_days;
use crate::timeline::Timelines;

/// Replications of each candidate's inner backtest.
pub const INNER_REPLICATIONS: u32 = 5;

/// A candidate is chosen over the ones before it (the options asked for first, then the
/// simpler variants) only when its score is lower than theirs by more than this share:
/// differences within it are the inner backtest's own noise (five replications of a
/// short period) more than the model's.
pub const SCORE_TOLERANCE: f64 = 0.10;

/// The candidates tried from `base`: Kaplan–Meier or the done items' histories, later
/// visits told apart or not, and with `base`'s classes or without (when it has them);
/// `base` itself first. Classes discovered from paths are tried only when asked for: on
/// the inner splits of the real logs they scored worse than one class (README, the
/// ablation table).
///
/// Without a class attribute, the fit discovers classes from paths where the done items'
/// loops call for them ([`Discover`]); when they do, and the inner test period is long
/// enough to see the loops (`judge_loops`), the same candidates with one class are tried
/// after them, so the inner backtest can reject the classes.
fn candidates(base: &FitOptions, judge_loops: bool) -> Vec<FitOptions> {
    let mut out = vec![base.clone()];
    let classes: Vec<(Option<ClassBy>, Discover)> = match &base.class_by {
        Some(c) => vec![(Some(c.clone()), base.discover), (None, Discover::Never)],
        None if judge_loops && base.discover == Discover::Auto => {
            vec![(None, Discover::Auto), (None, Discover::Never)]
        }
        None => vec![(None, base.discover)],
    };
    for (class_by, discover) in classes {
        for censoring in [Censoring::KaplanMeier, Censoring::DoneItems] {
            for memory in [false, true] {
                let mut o = base
                    .clone()
                    .censoring(censoring)
                    .memory(memory)
                    .discover(discover);
                o.class_by.clone_from(&class_by);
                if !out.contains(&o) {
                    out.push(o);
                }
            }
        }
    }
    out
}

/// Whether the inner backtest can judge classes from paths: the done items' loops call for
/// them ([`Loops`]) and its test period (from the inner split to the end) is at least
/// the 85th percentile of the cycle times of the done items that came back to a stage.
/// A shorter test period sees only the items that go straight through, and cannot tell a
/// model of the loops from one without (README, the ablation): the loops in the training
/// log then decide alone.
fn judges_loops(timelines: &Timelines, inner: &BacktestOptions) -> bool {
    if !Loops::of(timelines).is_some_and(|l| l.call_for_classes) {
        return false;
    }
    let Ok(split) = split_of(timelines, inner) else {
        return false;
    };
    let stages = timelines.workflow().stages();
    let loopers = Sample::new(
        timelines
            .iter()
            .filter(|r| returns_of(r, stages) > 0)
            .filter_map(|r| Some(ms_to_days(r.done_ms()? - r.commitment_ms()?))),
    );
    loopers
        .percentile(85.0)
        .is_some_and(|p85| ms_to_days(timelines.as_of_ms() - split) >= p85)
}

/// A model of `timelines` fitted with the options that did best on an inner held-out
/// backtest of `timelines` itself.
///
/// The candidates are `options` and its variants: services still open treated by
/// Kaplan–Meier or the done items' histories only ([`Censoring`]), later visits told
/// apart or not ([`FitOptions::memory`]), with and without the classes asked for. Each
/// is fitted on the log as known at its inner split (the arrival before which 70% of its
/// items arrived) and simulated over the rest ([`INNER_REPLICATIONS`] replications, seed and
/// threads of `sim`); its score is CTDD relative to the mean plus the absolute relative
/// errors of the mean and 85th percentile of cycle time, the throughput and the mean WIP.
/// The first candidate whose score is within [`SCORE_TOLERANCE`] of the lowest wins (a
/// variant must do clearly better than the options asked for); the model is then fitted
/// on all of `timelines` with its options.
/// [`FittedModel::selection`] lists every candidate and its errors.
///
/// When the log names who did the work ([`Timelines::has_resources`]), one more candidate
/// is tried after these: the one chosen among them with the other estimate of servers
/// ([`ServersBy`]: the people who did the work instead of the peak at once, or the
/// reverse), last, so that it is chosen only if it does clearly better (one more inner
/// backtest, not twice as many).
///
/// [`Timelines::has_resources`]: crate::Timelines::has_resources
///
/// Why choose at all: which treatment is right depends on how the log was made. A steady
/// stream observed until some day has open services that are ordinary ones not yet done
/// (Kaplan–Meier is right); an extract of items selected on finishing (a log of closed
/// incidents) has open items that are not what the stream does (the done items are
/// right). Only the log's own future can tell, and the inner backtest asks its past.
///
/// When the inner backtest cannot be run or is inconclusive (fewer than
/// [`MIN_DONE_ITEMS`] done items on either side of the inner split), `options` is used
/// as given, and the selection says why.
///
/// # Errors
///
/// As [`fit`] with `options`.
pub fn select_fit(
    timelines: &crate::timeline::Timelines,
    options: &FitOptions,
    sim: &SimOptions,
) -> Result<FittedModel> {
    let inner = BacktestOptions {
        sim: sim.clone().replications(INNER_REPLICATIONS),
        select: false,
        ..BacktestOptions::new()
    };
    let mut tried = candidates(options, judges_loops(timelines, &inner));
    let mut scored = Vec::with_capacity(tried.len() + 1);
    let mut inner_split = None;
    let mut inconclusive = false;
    for o in &tried {
        scored.push(score(
            timelines,
            o,
            &inner,
            &mut inner_split,
            &mut inconclusive,
        ));
    }
    // With a log that names who did the work, the chosen options with the other estimate
    // of servers: one more candidate, last, so it wins only by doing clearly better.
    if timelines.has_resources()
        && let Some((i, _)) = choose(&scored)
    {
        let other = match tried[i].servers {
            ServersBy::Peak => ServersBy::People,
            ServersBy::People => ServersBy::Peak,
        };
        let o = tried[i].clone().servers(other);
        if !tried.contains(&o) {
            scored.push(score(
                timelines,
                &o,
                &inner,
                &mut inner_split,
                &mut inconclusive,
            ));
            tried.push(o);
        }
    }
    let lowest = scored.iter().filter_map(|c| c.score).min_by(f64::total_cmp);
    let best = choose(&scored);
    let (chosen, reason) = match best {
        Some((i, s)) if !inconclusive => (
            i,
            format!(
                "fit chosen by an inner held-out backtest of the training log (split at {}): {} (score {s:.2}; the lowest of {} candidates {:.2})",
                inner_split.map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string()),
                describe(&scored[i]),
                scored.len(),
                lowest.unwrap_or(s)
            ),
        ),
        Some(_) => (
            0,
            format!(
                "the inner held-out backtest that chooses the fit is inconclusive (fewer than {MIN_DONE_ITEMS} done items on a side of its split): fitted as asked"
            ),
        ),
        None => (
            0,
            "no inner held-out backtest could be run to choose the fit: fitted as asked".into(),
        ),
    };
    let mut fitted = fit(timelines, &tried[chosen])?;
    fitted.notes.push(reason.clone());
    fitted.selection = Some(Selection {
        inner_split,
        candidates: scored,
        chosen,
        reason,
    });
    Ok(fitted)
}

/// The first candidate (the options asked for, then the variants) within
/// [`SCORE_TOLERANCE`] of the lowest score, with its score: a variant must do clearly
/// better to be chosen.
fn choose(scored: &[Candidate]) -> Option<(usize, f64)> {
    let lowest = scored
        .iter()
        .filter_map(|c| c.score)
        .min_by(f64::total_cmp)?;
    scored.iter().enumerate().find_map(|(i, c)| {
        c.score
            .filter(|s| *s <= lowest * (1.0 + SCORE_TOLERANCE))
            .map(|s| (i, s))
    })
}

/// Candidate `o` scored on the inner held-out backtest of `timelines` (`inner_split` set
/// to its split; `inconclusive` set when its verdict is not conclusive).
fn score(
    timelines: &crate::timeline::Timelines,
    o: &FitOptions,
    inner: &BacktestOptions,
    inner_split: &mut Option<chrono::DateTime<chrono::Utc>>,
    inconclusive: &mut bool,
) -> Candidate {
    let b = run(timelines, &inner.clone().fit(o.clone()), false);
    let mut c = Candidate {
        censoring: o.censoring,
        memory: o.memory,
        class_by: o.class_by.clone(),
        discover: o.discover,
        servers: o.servers,
        score: None,
        ctdd_relative: None,
        mean: None,
        p85: None,
        throughput: None,
        wip: None,
        error: None,
    };
    match b {
        Ok(b) => {
            *inner_split = Some(b.train_until);
            *inconclusive |= !b.verdict.conclusive;
            let e = &b.errors;
            let score =
                b.ctdd_relative + e.mean.abs() + e.p85.abs() + e.throughput.abs() + e.wip.abs();
            c.score = score.is_finite().then_some(score);
            (c.ctdd_relative, c.mean, c.p85, c.throughput, c.wip) = (
                Some(b.ctdd_relative),
                Some(e.mean),
                Some(e.p85),
                Some(e.throughput),
                Some(e.wip),
            );
        }
        Err(e) => c.error = Some(e.to_string()),
    }
    c
}

/// A candidate's options in words.
fn describe(c: &Candidate) -> String {
    let censoring = match c.censoring {
        Censoring::KaplanMeier => "open services by Kaplan–Meier",
        Censoring::Completed => "completed services only",
        Censoring::DoneItems => "the done items' histories only",
    };
    let memory = if c.memory {
        "later visits apart"
    } else {
        "every visit alike"
    };
    let servers = match c.servers {
        ServersBy::Peak => "",
        ServersBy::People => ", servers from the people who did the work",
    };
    match &c.class_by {
        Some(by) => format!("{censoring}, {memory}, classes by {by}{servers}"),
        None if c.discover == Discover::Auto => format!(
            "{censoring}, {memory}, classes from paths where the loops call for them{servers}"
        ),
        None => format!("{censoring}, {memory}, one class{servers}"),
    }
}
