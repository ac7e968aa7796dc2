//! `valuestream forecast`: how many items in the next days, or when a number of items will
//! be done, by resampling the team's daily throughput (Monte Carlo).
//!
//! With `--json` it prints `valuestream::Forecast` (keys are public API): `question`,
//! `as_of`, `history {first_day, last_day, days, items_done, per_day_mean,
//! days_without_delivery, method, changed_on, per_day}`, `trials`, `seed`, `answers[]` of
//! `{confidence, items | days and date}`, `mean`, `distribution[]`, `calibration`,
//! `warnings[]`.
//!
//! With `--calibrate` it checks the forecast on the log's own past instead
//! (`valuestream::calibrate`) and prints, with `--json`, `{"calibrations": [Calibration…],
//! "methods": [{question, method, levels, crps, crps_points}…]}`: the method asked for on
//! each question, then every method on each question for comparison.

use clap::Args as ClapArgs;
use serde::Serialize;
use valuestream::{
    Calibration, Forecast, ForecastMethod, ForecastOptions, LevelHits, Question, Timelines,
    calibrate, forecast, parse_offset, write_forecast_svg,
};

use crate::Failure;
use crate::input::{InputArgs, where_filters};
use crate::modelsrc::SeedArgs;
use crate::output::{print, print_json};

/// Arguments of `forecast`.
// Command-line switches are booleans; an enum would not read better on the command line.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, ClapArgs)]
#[command(group(clap::ArgGroup::new("question").args(["items", "days", "open"])))]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// When will this many more items be done?
    #[arg(long, value_name = "N")]
    items: Option<u32>,
    /// How many items will be done in this many days?
    #[arg(long, value_name = "D")]
    days: Option<u32>,
    /// Days of throughput to sample: the last whole days before the end of observation.
    #[arg(long, default_value_t = 90, value_name = "DAYS")]
    history_days: u32,
    /// Simulated futures.
    #[arg(long, default_value_t = 10_000)]
    trials: u32,
    /// Confidence levels in percent, comma-separated [default: 50,70,85,95].
    #[arg(long, value_delimiter = ',', value_name = "PCT")]
    confidence: Vec<f64>,
    /// Forecast only the items whose attribute KEY is VALUE (repeatable), e.g. type=Bug.
    #[arg(long = "where", value_name = "KEY=VALUE")]
    filters: Vec<String>,
    /// How the coming days are drawn from the past ones: days (uniformly), weeks (runs of 7
    /// days), recent (recent days weigh more), regime (weeks since the latest change of
    /// throughput).
    #[arg(long, default_value = "regime", value_name = "METHOD")]
    method: String,
    /// Item by item: when each item in progress will be done, from the model fitted to
    /// the log (with --where: and all of those items).
    #[arg(long)]
    open: bool,
    /// Check the forecast on the log's own past: re-forecast every --every days with only
    /// the history before each point and count how often each answer came true. Without
    /// --items, --days or --open, both throughput questions: 14 days, and the items the
    /// last days would deliver in 14 days on average.
    #[arg(long)]
    calibrate: bool,
    /// Sample (and check) the whole window even when the log looks like an extract of
    /// recent items; by default only the days of its steady window are.
    #[arg(long)]
    whole_window: bool,
    /// Days between two past forecasts checked (7, 7d or 2w) [default: 7d; with --open,
    /// 28d].
    #[arg(long, value_name = "DAYS")]
    every: Option<String>,
    /// Also write the distribution of the trials, with the answers, as an SVG chart here.
    #[arg(long, value_name = "PATH")]
    svg: Option<std::path::PathBuf>,
    #[command(flatten)]
    seed: SeedArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn text(f: &Forecast, filters: &[(String, String)]) -> String {
    let h = &f.history;
    let of = if filters.is_empty() {
        String::new()
    } else {
        format!(
            " of the items with {}",
            filters
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" and ")
        )
    };
    let mut s = format!(
        "Forecast{of} from {} days of throughput ({} to {}: {} items done, {:.2} a day, {} days with none), {} trials, seed {}\n",
        h.days,
        h.first_day,
        h.last_day,
        h.items_done,
        h.per_day_mean,
        h.days_without_delivery,
        f.trials,
        f.seed
    );
    match f.question {
        Question::HowMany { days } => {
            s.push_str(&format!(
                "How many items will be done in the next {days} days? (mean {:.1})\n",
                f.mean
            ));
            for a in &f.answers {
                s.push_str(&format!(
                    "  {:>3.0}% confidence: at least {}\n",
                    a.confidence * 100.0,
                    a.items.unwrap_or(0)
                ));
            }
        }
        Question::When { items } => {
            s.push_str(&format!(
                "When will {items} more items be done? (mean {:.1} days)\n",
                f.mean
            ));
            for a in &f.answers {
                s.push_str(&format!(
                    "  {:>3.0}% confidence: within {}, by the end of {}\n",
                    a.confidence * 100.0,
                    valuestream::plural(a.days.unwrap_or(0), "day", "days"),
                    a.date.map_or_else(|| "-".to_owned(), |d| d.to_string())
                ));
            }
        }
    }
    match &f.calibration {
        Some(c) => s.push_str(&format!(
            "Checked on this log's past (every {}): {}\n",
            every(c.every_days),
            c.verdict.trim_start_matches("on this log, ")
        )),
        None => s.push_str(
            "Not checked on this log's past: it is too short for 10 past forecasts (its calibration is unknown)\n",
        ),
    }
    for w in &f.warnings {
        s.push_str(&format!("  note: {w}\n"));
    }
    s
}

/// `--every`: days as `7`, `7d` or `2w`.
pub fn every_days(s: &str) -> Result<u32, Failure> {
    let t = s.trim();
    let (num, unit) = match t.strip_suffix('w') {
        Some(n) => (n, 7),
        None => (t.strip_suffix('d').unwrap_or(t), 1),
    };
    match num.trim().parse::<u32>() {
        Ok(n) if n > 0 && n <= 3650 / unit => Ok(n * unit),
        _ => Err(Failure::input(format!(
            "--every {s}: expected a number of days from 1 to 3650, like 7, 7d or 2w"
        ))),
    }
}

/// The options of the command line.
fn options(args: &Args, input: &mut crate::input::InputArgs) -> Result<ForecastOptions, Failure> {
    let attributes = where_filters(&args.filters, input)?;
    let method = ForecastMethod::from_name(&args.method).ok_or_else(|| {
        Failure::input(format!(
            "--method {}: expected one of days, weeks, recent, regime",
            args.method
        ))
    })?;
    let options = ForecastOptions::new()
        .trials(args.trials)
        .seed(args.seed.seed)
        .history_days(args.history_days)
        .day_offset(parse_offset(input.offset.as_deref().unwrap_or("Z"))?)
        .attributes(attributes)
        .method(method)
        .whole_window(args.whole_window)
        .calibrate_every_days(every_days(args.every.as_deref().unwrap_or("7d"))?);
    Ok(match confidence_levels(&args.confidence)? {
        Some(levels) => options.confidence(levels),
        None => options,
    })
}

/// `--confidence` in percent as levels in (0, 1); `None` when not given.
pub fn confidence_levels(percent: &[f64]) -> Result<Option<Vec<f64>>, Failure> {
    if let Some(c) = percent
        .iter()
        .find(|c| !(c.is_finite() && **c > 0.0 && **c < 100.0))
    {
        return Err(Failure::input(format!(
            "--confidence {c}: a level is a percentage between 0 and 100, like 85"
        )));
    }
    Ok((!percent.is_empty()).then(|| percent.iter().map(|c| c / 100.0).collect()))
}

/// Runs `forecast`.
pub fn run(args: &Args) -> Result<(), Failure> {
    if args.open {
        return crate::forecast_open::run_open(&crate::forecast_open::OpenRequest {
            input: &args.input,
            filters: &args.filters,
            seed: args.seed.seed,
            confidence: &args.confidence,
            calibrate: args.calibrate,
            every: args.every.as_deref(),
            json: args.json,
        });
    }
    let question = match (args.items, args.days) {
        (Some(items), None) => Some(Question::When { items }),
        (None, Some(days)) => Some(Question::HowMany { days }),
        (None, None) if args.calibrate => None,
        _ => return Err(Failure::input("give either --items N, --days D or --open")),
    };
    let mut input = args.input.clone();
    let options = options(args, &mut input)?;
    let timelines = input.timelines()?;
    if args.calibrate {
        return run_calibrate(args, question, &timelines, &options);
    }
    let Some(question) = question else {
        return Err(Failure::input("give either --items N, --days D or --open"));
    };
    let f = crate::progress::during("forecasting", || forecast(&timelines, question, &options))?;
    if let Some(path) = &args.svg {
        let written = crate::report::write_file(path, |w| write_forecast_svg(&f, w))?;
        eprintln!("valuestream: note: wrote {written}");
    }
    if args.json {
        print_json(&f)
    } else {
        print(&text(&f, &options.attributes))
    }
}

/// One method's calibration on one question, for comparison.
#[derive(Serialize)]
struct MethodScore {
    question: Question,
    method: ForecastMethod,
    levels: Vec<LevelHits>,
    crps: Option<f64>,
    crps_points: u64,
}

#[derive(Serialize)]
struct CalibrationOutput {
    calibrations: Vec<Calibration>,
    methods: Vec<MethodScore>,
}

/// `forecast --calibrate`.
fn run_calibrate(
    args: &Args,
    question: Option<Question>,
    timelines: &Timelines,
    options: &ForecastOptions,
) -> Result<(), Failure> {
    let every = options.calibrate_every_days;
    let spinner = crate::progress::Spinner::start("calibrating");
    let questions = if let Some(q) = question {
        vec![q]
    } else {
        // The items the recent days would deliver in 14 days, on average.
        let f = forecast(
            timelines,
            Question::HowMany { days: 14 },
            &options.clone().calibrate_every_days(0),
        )?;
        let items = f.mean.round().max(1.0) as u32;
        vec![Question::HowMany { days: 14 }, Question::When { items }]
    };
    let mut out = CalibrationOutput {
        calibrations: Vec::new(),
        methods: Vec::new(),
    };
    for &q in &questions {
        out.calibrations
            .push(calibrate(timelines, q, options, every)?);
        for m in ForecastMethod::ALL {
            let c = calibrate(timelines, q, &options.clone().method(m), every)?;
            out.methods.push(MethodScore {
                question: q,
                method: m,
                levels: c.levels,
                crps: c.crps,
                crps_points: c.crps_points,
            });
        }
    }
    drop(spinner);
    if args.json {
        print_json(&out)
    } else {
        print(&calibration_text(&out))
    }
}

/// "day" for every 1 day, "7 days" otherwise.
fn every(days: u32) -> String {
    if days == 1 {
        "day".to_owned()
    } else {
        format!("{days} days")
    }
}

fn question_text(q: Question) -> String {
    match q {
        Question::HowMany { days } => format!(
            "How many items in the next {}?",
            valuestream::plural(u64::from(days), "day", "days")
        ),
        Question::When { items } => format!(
            "When will {items} more item{} be done?",
            if items == 1 { "" } else { "s" }
        ),
    }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn calibration_text(out: &CalibrationOutput) -> String {
    let mut s = String::new();
    for c in &out.calibrations {
        let first = c.points.first().map(|p| p.day_one);
        let last = c.points.last().map(|p| p.day_one);
        s.push_str(&format!(
            "{} Checked at {} every {} ({} to {}), method {}, {} days of history, {} trials each\n",
            question_text(c.question),
            valuestream::plural(c.points.len() as u64, "past point", "past points"),
            every(c.every_days),
            first.map_or_else(|| "-".into(), |d| d.to_string()),
            last.map_or_else(|| "-".into(), |d| d.to_string()),
            c.method.name(),
            c.history_days,
            c.trials
        ));
        s.push_str("  level   met   of  share  95% CI\n");
        for h in &c.levels {
            let ci = h
                .ci95
                .map_or_else(|| "-".into(), |[lo, hi]| format!("{}–{}", pct(lo), pct(hi)));
            s.push_str(&format!(
                "  {:>5} {:>5} {:>4} {:>6}  {ci}{}\n",
                pct(h.confidence),
                h.met,
                h.points,
                h.share.map_or_else(|| "-".into(), pct),
                if h.miscalibrated() { "  (off)" } else { "" }
            ));
        }
        if let Some(crps) = c.crps {
            let unit = match c.question {
                Question::HowMany { .. } => "items",
                Question::When { .. } => "days",
            };
            s.push_str(&format!(
                "  CRPS {crps:.2} {unit} (mean over {} points; lower is better)\n",
                c.crps_points
            ));
        }
        s.push_str(&format!("  {}\n", capitalise(&c.verdict)));
        s.push_str("  Every method on this question: 85% met (points), CRPS\n");
        for m in out.methods.iter().filter(|m| m.question == c.question) {
            let at85 = m.levels.iter().find(|h| (h.confidence - 0.85).abs() < 1e-9);
            s.push_str(&format!(
                "    {:<7} {:>5} ({}), {}{}\n",
                m.method.name(),
                at85.and_then(|h| h.share).map_or_else(|| "-".into(), pct),
                at85.map_or(0, |h| h.points),
                m.crps.map_or_else(|| "-".into(), |x| format!("{x:.2}")),
                if m.method == c.method { "  (used)" } else { "" }
            ));
        }
    }
    s
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
