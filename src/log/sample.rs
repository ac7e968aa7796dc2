//! The distinct values of each column of a CSV log (or each event attribute of an XES log)
//! in its first rows, bounded, kept so that an error about statuses no stage maps can name
//! the column whose values a workflow does map.

use std::collections::HashMap;

/// Rows sampled from the start of a log.
pub(crate) const SAMPLE_ROWS: u64 = 10_000;

/// Distinct values kept per column.
const SAMPLE_VALUES: usize = 200;

/// Columns sampled (the first ones of the header).
const SAMPLE_COLUMNS: usize = 256;

/// Values longer than this are not statuses and are not kept.
const SAMPLE_VALUE_BYTES: usize = 200;

/// The distinct values of each column in the first [`SAMPLE_ROWS`] rows, at most
/// [`SAMPLE_VALUES`] per column: of a CSV log's columns, or of an XES log's event
/// attributes (its rows are events).
#[derive(Clone, Debug, Default)]
pub(crate) struct ColumnSample {
    names: Vec<String>,
    /// Per column, each value kept and the row (counted from 0) it first appeared in.
    values: Vec<HashMap<Vec<u8>, u64>>,
    rows: u64,
    /// The attribute the states were read from, for an XES log (whose columns are
    /// attributes); `None` for a CSV log.
    pub(crate) state_attribute: Option<String>,
}

/// The column of a sample whose values best match a set of states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnMatch {
    /// The column's name.
    pub column: String,
    /// How many of the states appear in it.
    pub matched: usize,
}

impl ColumnSample {
    /// An empty sample of the columns `names`.
    pub(crate) fn new(names: &[String]) -> ColumnSample {
        let names: Vec<String> = names.iter().take(SAMPLE_COLUMNS).cloned().collect();
        ColumnSample {
            values: vec![HashMap::new(); names.len()],
            names,
            rows: 0,
            state_attribute: None,
        }
    }

    /// An empty sample of the event attributes of an XES log whose states are read from
    /// the attribute `state_key`.
    pub(crate) fn of_attributes(state_key: &str) -> ColumnSample {
        ColumnSample {
            state_attribute: Some(state_key.to_owned()),
            ..ColumnSample::default()
        }
    }

    /// Takes the value of attribute `key` of the event being read (call
    /// [`ColumnSample::end_row`] after each event).
    pub(crate) fn add_attribute(&mut self, key: &str, value: &str) {
        let c = match self.names.iter().position(|n| n == key) {
            Some(c) => c,
            None if self.names.len() < SAMPLE_COLUMNS => {
                self.names.push(key.to_owned());
                self.values.push(HashMap::new());
                self.names.len() - 1
            }
            None => return,
        };
        insert(&mut self.values[c], value.as_bytes(), self.rows);
    }

    /// An event of an XES log is read.
    pub(crate) fn end_row(&mut self) {
        self.rows += 1;
    }

    /// Whether it still takes rows.
    #[inline]
    pub(crate) fn wants(&self) -> bool {
        self.rows < SAMPLE_ROWS
    }

    /// Takes the values of one row.
    pub(crate) fn add(&mut self, rec: &csv::ByteRecord) {
        for (set, v) in self.values.iter_mut().zip(rec.iter()) {
            insert(set, v, self.rows);
        }
        self.rows += 1;
    }

    /// Adds the sample of the rows that follow this sample's (a later chunk of the same
    /// file): its values first seen within the first [`SAMPLE_ROWS`] rows of the whole, in
    /// the order they were seen, so that a file read in chunks has the sample a sequential
    /// reading gives (unless a column has more than [`SAMPLE_VALUES`] distinct values).
    pub(crate) fn append(&mut self, later: &ColumnSample) {
        for (name, seen) in later.names.iter().zip(&later.values) {
            let c = match self.names.iter().position(|n| n == name) {
                Some(c) => c,
                None if self.names.len() < SAMPLE_COLUMNS => {
                    self.names.push(name.clone());
                    self.values.push(HashMap::new());
                    self.names.len() - 1
                }
                None => continue,
            };
            let mut order: Vec<(&Vec<u8>, u64)> = seen.iter().map(|(v, &r)| (v, r)).collect();
            order.sort_by_key(|&(_, r)| r);
            for (v, r) in order {
                let row = self.rows + r;
                if row < SAMPLE_ROWS {
                    insert(&mut self.values[c], v, row);
                }
            }
        }
        self.rows = (self.rows + later.rows).min(SAMPLE_ROWS);
    }

    /// The column, other than those of `exclude`, in which the most of `states` appear (the
    /// first such in the header on a tie), if any appears in one.
    pub(crate) fn best_match(&self, states: &[&str], exclude: &[&str]) -> Option<ColumnMatch> {
        let mut best: Option<ColumnMatch> = None;
        for (name, set) in self.names.iter().zip(&self.values) {
            if exclude.contains(&name.as_str()) {
                continue;
            }
            let matched = states
                .iter()
                .filter(|s| set.contains_key(s.as_bytes()))
                .count();
            if matched > 0 && best.as_ref().is_none_or(|b| matched > b.matched) {
                best = Some(ColumnMatch {
                    column: name.clone(),
                    matched,
                });
            }
        }
        best
    }
}

/// Adds `v` (trimmed), first seen in row `row`, to `set`, unless it is empty, long,
/// already there, or `set` is full.
fn insert(set: &mut HashMap<Vec<u8>, u64>, v: &[u8], row: u64) {
    let v = v.trim_ascii();
    if set.len() < SAMPLE_VALUES
        && !v.is_empty()
        && v.len() <= SAMPLE_VALUE_BYTES
        && !set.contains_key(v)
    {
        set.insert(v.to_vec(), row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_column_is_the_one_with_most_states() {
        let names: Vec<String> = ["id", "status", "sub"].map(String::from).to_vec();
        let mut s = ColumnSample::new(&names);
        for row in [
            ["1", "Open", "Queued"],
            ["1", "Open", "Doing"],
            ["2", "x", " Done "],
        ] {
            s.add(&csv::ByteRecord::from(row.to_vec()));
        }
        let states = ["Queued", "Doing", "Done", "Open"];
        let best = s.best_match(&states, &["status"]).unwrap();
        assert_eq!((best.column.as_str(), best.matched), ("sub", 3));
        assert_eq!(s.best_match(&["nowhere"], &[]), None);
    }

    #[test]
    fn the_sample_is_bounded() {
        let mut s = ColumnSample::new(&["v".to_owned()]);
        for i in 0..SAMPLE_ROWS + 10 {
            if s.wants() {
                s.add(&csv::ByteRecord::from(vec![i.to_string()]));
            }
        }
        assert_eq!(s.rows, SAMPLE_ROWS);
        assert_eq!(s.values[0].len(), SAMPLE_VALUES);
    }

    #[test]
    fn a_sample_read_in_parts_is_the_sample_read_whole() {
        let names = vec!["v".to_owned()];
        let rows: Vec<String> = (0..SAMPLE_ROWS + 50)
            .map(|i| {
                if i < SAMPLE_ROWS - 2 {
                    "a".to_owned()
                } else {
                    format!("x{i}")
                }
            })
            .collect();
        let sample = |rows: &[String]| {
            let mut s = ColumnSample::new(&names);
            for r in rows {
                if s.wants() {
                    s.add(&csv::ByteRecord::from(vec![r.as_str()]));
                }
            }
            s
        };
        let whole = sample(&rows);
        for cut in [1, 100, SAMPLE_ROWS as usize - 1, SAMPLE_ROWS as usize + 3] {
            let mut first = sample(&rows[..cut]);
            first.append(&sample(&rows[cut..]));
            assert_eq!(first.rows, whole.rows, "cut {cut}");
            assert_eq!(first.values, whole.values, "cut {cut}");
        }
        // The rows past the first SAMPLE_ROWS are not in it: a, and the two before the end.
        assert_eq!(whole.values[0].len(), 3);
    }
}
