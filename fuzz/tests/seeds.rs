//! Every fuzz target's body on every seed of its corpus, on a stable toolchain: no seed
//! panics, and each is read (so that the seeds reach the checks after reading).

use std::path::PathBuf;

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn run(target: &str, body: fn(&[u8]) -> bool) {
    for (path, bytes) in seeds(target) {
        assert!(body(&bytes), "{} was not read", path.display());
        // Every prefix of a seed, too: truncated inputs are where readers go wrong.
        for n in (0..bytes.len()).step_by(7) {
            body(&bytes[..n]);
        }
    }
}

#[test]
fn read_log() {
    run("read_log", valuestream_fuzz::read_log);
}

#[test]
fn read_xes() {
    run("read_xes", valuestream_fuzz::read_xes);
}

#[test]
fn read_jira() {
    run("read_jira", valuestream_fuzz::read_jira);
}

#[test]
fn read_preset() {
    run("read_preset", valuestream_fuzz::read_preset);
}

#[test]
fn read_workflow() {
    run("read_workflow", valuestream_fuzz::read_workflow);
}

#[test]
fn model_toml() {
    run("model_toml", valuestream_fuzz::read_model);
}

#[test]
fn change() {
    run("change", valuestream_fuzz::read_change);
}
