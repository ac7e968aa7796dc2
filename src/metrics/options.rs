//! What the metrics look at: a time window, item attributes, and how days are counted.

use chrono::{DateTime, FixedOffset, Utc};

/// Which part of the timelines the metrics measure, and how days are counted.
///
/// - **`since`** and **`until`** bound the window of observation. By default it is the
///   timelines' own window `[start, as_of]` (start = earliest event). `until` works as an
///   earlier `as_of`: events after it are ignored, so an item done after `until` is in
///   progress at `until`. Items done (or discarded) before `since` are left out; every
///   rate and time average is taken over `[since, until]`.
/// - **Attributes**: only items whose attribute `key` equals `value`, for every pair given
///   (the log must have been read keeping that attribute).
/// - **Day offset**: the fixed UTC offset in which daily and weekly series count days
///   (default UTC).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use valuestream::MetricsOptions;
///
/// let opts = MetricsOptions::new()
///     .since(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap())
///     .attribute("type", "Bug");
/// assert_eq!(opts.attributes(), &[("type".to_owned(), "Bug".to_owned())]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsOptions {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    attributes: Vec<(String, String)>,
    offset: Option<FixedOffset>,
}

impl MetricsOptions {
    /// The whole window, every item, days in UTC.
    pub fn new() -> MetricsOptions {
        MetricsOptions::default()
    }

    /// Starts the window at `since`.
    pub fn since(mut self, since: DateTime<Utc>) -> Self {
        self.since = Some(since);
        self
    }

    /// Ends the window at `until` (events after it are ignored).
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// Keeps only items whose attribute `key` is `value` (repeatable: all must hold).
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((key.into(), value.into()));
        self
    }

    /// Counts days in the fixed offset `offset` (default UTC).
    pub fn day_offset(mut self, offset: FixedOffset) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The attribute filters.
    pub fn attributes(&self) -> &[(String, String)] {
        &self.attributes
    }

    /// The offset in which days are counted, in seconds east of UTC.
    pub(crate) fn offset_seconds(&self) -> i32 {
        self.offset.map_or(0, |o| o.local_minus_utc())
    }

    /// The start of the window, if set.
    pub(crate) fn since_instant(&self) -> Option<DateTime<Utc>> {
        self.since
    }

    /// The end of the window, if set.
    pub(crate) fn until_instant(&self) -> Option<DateTime<Utc>> {
        self.until
    }
}
