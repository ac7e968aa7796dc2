//! `valuestream forecast`: how many items in the next days, or when a number of items will
//! be done, by resampling the team's daily throughput (Monte Carlo).
//!
//! With `--json` it prints `valuestream::Forecast` (keys are public API): `question`,
//! `as_of`, `history {first_day, last_day, days, items_done, per_day_mean,
//! days_without_delivery, per_day}`, `trials`, `seed`, `answers[]` of `{confidence, items |
//! days and date}`, `mean`, `warnings[]`.

use clap::Args as ClapArgs;
use valuestream::{Forecast, ForecastOptions, Question, forecast, parse_offset};

use crate::Failure;
use crate::input::{InputArgs, where_filters};
use crate::modelsrc::SeedArgs;
use crate::output::{print, print_json};

/// Arguments of `forecast`.
#[derive(Debug, ClapArgs)]
#[command(group(clap::ArgGroup::new("question").required(true).args(["items", "days", "open"])))]
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
    #[command(flatten)]
    seed: SeedArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Item by item: when each item in progress will be done, from the model fitted to
    /// the log (with --where: and all of those items).
    #[arg(long)]
    open: bool,
    /// Also measure how often such forecasts came true on the log's past.
    #[arg(long)]
    calibrate: bool,
    /// With --calibrate: the days between two past forecasts, like 28d [default: 28d].
    #[arg(long, value_name = "DAYS")]
    every: Option<String>,
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
                    "  {:>3.0}% confidence: within {} days, by the end of {}\n",
                    a.confidence * 100.0,
                    a.days.unwrap_or(0),
                    a.date.map_or_else(|| "-".to_owned(), |d| d.to_string())
                ));
            }
        }
    }
    for w in &f.warnings {
        s.push_str(&format!("  note: {w}\n"));
    }
    s
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
        (Some(items), None) => Question::When { items },
        (None, Some(days)) => Question::HowMany { days },
        _ => return Err(Failure::input("give either --items N or --days D")),
    };
    let mut input = args.input.clone();
    let attributes = where_filters(&args.filters, &mut input)?;
    let options = ForecastOptions::new()
        .trials(args.trials)
        .seed(args.seed.seed)
        .history_days(args.history_days)
        .day_offset(parse_offset(input.offset.as_deref().unwrap_or("Z"))?)
        .attributes(attributes);
    if let Some(c) = args
        .confidence
        .iter()
        .find(|c| !(c.is_finite() && **c > 0.0 && **c < 100.0))
    {
        return Err(Failure::input(format!(
            "--confidence {c}: a level is a percentage between 0 and 100, like 85"
        )));
    }
    let options = if args.confidence.is_empty() {
        options
    } else {
        options.confidence(args.confidence.iter().map(|c| c / 100.0).collect())
    };
    let timelines = input.timelines()?;
    let f = forecast(&timelines, question, &options)?;
    if args.json {
        print_json(&f)
    } else {
        print(&text(&f, &options.attributes))
    }
}
