//! `valuestream formats`: the presets, with their columns and how to export them.

use clap::Args as ClapArgs;
use valuestream::Preset;

use crate::Failure;
use crate::output::{print, print_json};

/// Arguments of `formats`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Print JSON: [{"name", "columns", "export", "workflow"}].
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Entry {
    name: &'static str,
    columns: &'static str,
    export: &'static str,
    workflow: &'static str,
}

/// Runs `formats`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let entries: Vec<Entry> = Preset::ALL
        .iter()
        .map(|p| Entry {
            name: p.name(),
            columns: p.columns(),
            export: p.how_to_export(),
            workflow: p.default_workflow_note(),
        })
        .collect();
    if args.json {
        return print_json(&entries);
    }
    let mut out =
        String::from("Formats `--format auto` (the default) recognises, and their presets:\n\n");
    for e in &entries {
        out.push_str(&format!(
            "{}\n  columns:  {}\n  export:   {}\n  workflow: {}\n\n",
            e.name, e.columns, e.export, e.workflow
        ));
    }
    out.push_str(
        "Plain layouts, with columns named by hand (--id, --state, --time, --end):\n\
         long       one row per state entry: id, state, timestamp\n\
         wide       one row per item, one date column per stage in workflow order\n\
         intervals  one row per piece of work: id, stage, start, end\n",
    );
    print(&out)
}
