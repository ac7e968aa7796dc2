//! Timestamps: the forms the readers understand, how a column's form is detected, and
//! durations in days.
//!
//! Internally an instant is an `i64` count of milliseconds since the Unix epoch (UTC); the
//! public API speaks `chrono::DateTime<Utc>`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

use crate::error::{Error, Result};
use crate::short_key::ShortKey;

/// Milliseconds in a day.
pub(crate) const MS_PER_DAY: i64 = 86_400_000;

/// A duration in milliseconds as days (the unit of every duration the crate reports).
#[inline]
pub(crate) fn ms_to_days(ms: i64) -> f64 {
    ms as f64 / MS_PER_DAY as f64
}

/// Days as milliseconds, rounded to the nearest millisecond.
#[inline]
pub(crate) fn days_to_ms(days: f64) -> i64 {
    (days * MS_PER_DAY as f64).round() as i64
}

/// The instant `ms` milliseconds after the epoch. Instants the crate makes lie between the
/// years 1 and 9999, where this conversion cannot fail; anything else saturates.
pub(crate) fn ms_to_datetime(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// The instant as milliseconds after the epoch.
pub(crate) fn datetime_to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// How the values of a timestamp column are written.
///
/// [`TimeFormat::Auto`] (the default) detects the form from the column's first value and then
/// holds the column to it, so that a column cannot silently mix, say, epoch seconds and
/// epoch milliseconds. The forms it recognises:
///
/// | form | example |
/// |---|---|
/// | RFC 3339 / ISO 8601 | `2024-03-04T09:15:00Z`, `2024-03-04T09:15:00.250+01:00`, `2024-03-04T09:15:00+0100` |
/// | date and time | `2024-03-04 09:15:00`, `2024-03-04 09:15`, `2024-03-04 09:15:00.5+00:00` |
/// | date | `2024-03-04` (midnight) |
/// | epoch seconds | `1709543700` (9 or 10 digits, optionally a fraction) |
/// | epoch milliseconds | `1709543700000` (12 or 13 digits) |
/// | JavaScript date | `Mon Mar 04 2024 09:15:00 GMT+0100 (Central European Standard Time)` |
///
/// Values without an offset are read in the reader's fixed offset (UTC unless configured).
/// A leap second (`2016-12-31T23:59:60Z`, second 60 of any minute, as its local time
/// depends on the offset) is valid: it reads as the first instant of the next second
/// (`2017-01-01T00:00:00Z`), the millisecond chrono gives it. Anything else (`03/04/2024`, whose day and month order cannot be told) needs
/// [`TimeFormat::Pattern`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeFormat {
    /// Detect the form from the column's first non-empty value.
    #[default]
    Auto,
    /// RFC 3339 / ISO 8601 dates and date-times (the first five rows of the table above).
    Iso,
    /// Seconds since 1970-01-01T00:00:00Z, optionally with a fraction.
    EpochSeconds,
    /// Milliseconds since 1970-01-01T00:00:00Z.
    EpochMillis,
    /// The form of JavaScript's `Date.toString()`, written by Linear's CSV export:
    /// `Mon Sep 01 2025 09:00:00 GMT+0000 (Coordinated Universal Time)`.
    JsDate,
    /// A `strftime`-style pattern as understood by `chrono` (for example `%d/%m/%Y %H:%M`).
    /// Patterns with `%z` carry their own offset; others are read in the reader's offset;
    /// patterns without a time of day give midnight.
    Pattern(String),
}

impl TimeFormat {
    /// Parses the name used on the command line: `auto`, `iso`, `epoch-s`, `epoch-ms`, or
    /// anything containing `%`, which is taken as a pattern.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for any other text.
    pub fn from_name(name: &str) -> Result<TimeFormat> {
        match name {
            "auto" => Ok(TimeFormat::Auto),
            "iso" | "rfc3339" => Ok(TimeFormat::Iso),
            "epoch-s" | "epoch" | "epoch-seconds" => Ok(TimeFormat::EpochSeconds),
            "epoch-ms" | "epoch-millis" => Ok(TimeFormat::EpochMillis),
            "js" | "js-date" => Ok(TimeFormat::JsDate),
            p if p.contains('%') => Ok(TimeFormat::Pattern(p.to_owned())),
            other => Err(Error::InvalidArgument(format!(
                "unknown time format {other:?}: expected auto, iso, epoch-s, epoch-ms or a pattern such as %d/%m/%Y"
            ))),
        }
    }
}

/// Parses one instant given on a command line or in code: any form of [`TimeFormat::Auto`],
/// naive values read in `offset`.
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming the value and the forms that are accepted.
pub fn parse_instant(text: &str, offset: FixedOffset) -> Result<DateTime<Utc>> {
    let mut parser = TimeParser::new(TimeFormat::Auto, offset);
    parser
        .parse(text.trim().as_bytes())
        .map(ms_to_datetime)
        .map_err(|e| Error::InvalidArgument(format!("cannot read {text:?} as an instant: {e}")))
}

/// Parses a fixed offset written `+01:00`, `+0100`, `-05`, `Z` or `UTC`.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for anything else.
pub fn parse_offset(text: &str) -> Result<FixedOffset> {
    let t = text.trim();
    let err = || {
        Error::InvalidArgument(format!(
            "cannot read {text:?} as a UTC offset: expected a form like +01:00, -0500, +02 or Z"
        ))
    };
    if t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("utc") {
        return FixedOffset::east_opt(0).ok_or_else(err);
    }
    let (secs, rest) = parse_offset_bytes(t.as_bytes()).ok_or_else(err)?;
    if !rest.is_empty() {
        return Err(err());
    }
    FixedOffset::east_opt(secs).ok_or_else(err)
}

/// The detected (or configured) form of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Undetected,
    Iso,
    JsDate,
    EpochSeconds,
    EpochMillis,
    Pattern,
}

/// Parses the values of one column, detecting its form from the first value.
#[derive(Clone, Debug)]
pub(crate) struct TimeParser {
    mode: Mode,
    pattern: Option<String>,
    offset_ms: i64,
    /// The date parts read lately and their instants: rows of a log share a few dates.
    date_cache: DateCache,
}

/// How many dates the cache holds (a power of two).
const DATES: usize = 64;

#[derive(Clone, Copy, Debug)]
struct DateCache {
    /// Dates `YYYY-MM-DD` read lately, as their first eight and last two bytes, and their
    /// midnights (UTC) in milliseconds; a date has one place, found from its bytes.
    dates: [(u64, u16, i64); DATES],
    /// The bytes after `YYYY-MM-DD?HH:MM:SS` of the last value parsed in full (a fraction
    /// and an offset, or nothing), and the milliseconds to subtract for them: a later value
    /// with the same suffix needs only its time of day read (and its date looked up).
    suffix: ShortKey,
    suffix_ms: i64,
    fast: bool,
}

impl DateCache {
    /// Reads `v` if it has a `?HH:MM:SS` time and the cached suffix (and a valid date).
    #[inline]
    fn fast_path(&mut self, v: &[u8]) -> Option<i64> {
        if !self.fast || v.len() < 19 || ShortKey::of(&v[19..]) != self.suffix {
            return None;
        }
        let &[b'T' | b't' | b' ', h0, h1, b':', m0, m1, b':', s0, s1] = &v[10..19] else {
            return None;
        };
        let (h, m, s) = (digits2(h0, h1)?, digits2(m0, m1)?, digits2(s0, s1)?);
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        let date = self.date(v.first_chunk()?).ok()?;
        Some(date + i64::from(h * 3_600_000 + m * 60_000 + s * 1000) - self.suffix_ms)
    }

    /// The midnight (UTC) of the date `YYYY-MM-DD`, from the cache or parsed and cached.
    #[inline]
    fn date(&mut self, date: &[u8; 10]) -> Result<i64, IsoError> {
        let (head, tail) = date.split_at(8);
        let head = u64::from_le_bytes(head.try_into().map_err(|_| IsoError::Shape)?);
        let tail = u16::from_le_bytes(tail.try_into().map_err(|_| IsoError::Shape)?);
        // The month and day (the bytes that change) spread over the places.
        let at = ((head >> 16 ^ u64::from(tail) << 48).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
            as usize
            % DATES;
        let slot = &mut self.dates[at];
        if slot.0 == head && slot.1 == tail {
            return Ok(slot.2);
        }
        let ms = parse_date(date)?;
        *slot = (head, tail, ms);
        Ok(ms)
    }

    /// After `v` parsed in full to `ms`, remembers its suffix (fraction and offset, or
    /// nothing) and what it subtracts, for the fast path.
    fn learn(&mut self, v: &[u8], ms: i64) {
        let suffix = v.get(19..).unwrap_or(&[]);
        let key = ShortKey::of(suffix);
        let hms = match v.get(10..19) {
            Some(&[_, h0, h1, b':', m0, m1, b':', s0, s1]) => {
                match (digits2(h0, h1), digits2(m0, m1), digits2(s0, s1)) {
                    (Some(h), Some(m), Some(s)) => {
                        Some(i64::from(h * 3_600_000 + m * 60_000 + s * 1000))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let date = v.first_chunk().map(|d| self.date(d));
        self.fast = false;
        if let (Some(hms), Some(Ok(date))) = (hms, date)
            && key.is_whole()
        {
            self.suffix = key;
            self.suffix_ms = date + hms - ms;
            self.fast = true;
        }
    }
}

impl Default for DateCache {
    fn default() -> Self {
        // Valid entries from the start, so that no unvalidated bytes can ever match.
        let epoch = *b"1970-01-01";
        let head = u64::from_le_bytes([
            epoch[0], epoch[1], epoch[2], epoch[3], epoch[4], epoch[5], epoch[6], epoch[7],
        ]);
        let tail = u16::from_le_bytes([epoch[8], epoch[9]]);
        DateCache {
            dates: [(head, tail, 0); DATES],
            suffix: ShortKey::default(),
            suffix_ms: 0,
            fast: false,
        }
    }
}

const FORMS: &str = "expected RFC 3339 (2024-03-04T09:15:00Z), \"YYYY-MM-DD HH:MM:SS[.fff][±hh:mm]\", \"YYYY-MM-DD\", epoch seconds or milliseconds, or a time format given by the caller";

impl TimeParser {
    pub(crate) fn new(format: TimeFormat, offset: FixedOffset) -> TimeParser {
        let (mode, pattern) = match format {
            TimeFormat::Auto => (Mode::Undetected, None),
            TimeFormat::Iso => (Mode::Iso, None),
            TimeFormat::JsDate => (Mode::JsDate, None),
            TimeFormat::EpochSeconds => (Mode::EpochSeconds, None),
            TimeFormat::EpochMillis => (Mode::EpochMillis, None),
            TimeFormat::Pattern(p) => (Mode::Pattern, Some(p)),
        };
        TimeParser {
            mode,
            pattern,
            date_cache: DateCache::default(),
            offset_ms: i64::from(offset.local_minus_utc()) * 1000,
        }
    }

    /// Whether the column's form is known: configured, or detected from a valid value.
    /// From then on the parser's results no longer depend on the values it has seen.
    pub(crate) fn is_detected(&self) -> bool {
        self.mode != Mode::Undetected
    }

    /// Parses a trimmed, non-empty value to milliseconds since the epoch, or says in a
    /// sentence what was wrong with it.
    #[inline]
    pub(crate) fn parse(&mut self, v: &[u8]) -> Result<i64, String> {
        if v.is_empty() {
            return Err("expected a timestamp, found an empty cell".to_owned());
        }
        match self.mode {
            Mode::Iso => self.iso(v),
            Mode::EpochSeconds => epoch(v, false),
            Mode::EpochMillis => epoch(v, true),
            Mode::Pattern => self.pattern(v),
            Mode::JsDate => js_date(v),
            Mode::Undetected => {
                let mode = detect(v)?;
                let ms = match mode {
                    Mode::Iso => self.iso(v)?,
                    Mode::JsDate => js_date(v)?,
                    Mode::EpochSeconds => epoch(v, false)?,
                    _ => epoch(v, true)?,
                };
                // Lock the column to the form of its first valid value.
                self.mode = mode;
                Ok(ms)
            }
        }
    }

    #[inline]
    fn iso(&mut self, v: &[u8]) -> Result<i64, String> {
        if let Some(ms) = self.date_cache.fast_path(v) {
            return Ok(ms);
        }
        let parsed = parse_iso(v, &mut self.date_cache);
        let offset_ms = match parsed {
            Ok((_, Some(off_secs))) => i64::from(off_secs) * 1000,
            _ => self.offset_ms,
        };
        if let Ok((naive_ms, _)) = parsed {
            self.date_cache.learn(v, naive_ms - offset_ms);
        }
        match parsed {
            Ok((naive_ms, _)) => Ok(naive_ms - offset_ms),
            Err(IsoError::Shape) => {
                if looks_like_epoch(v) {
                    Err(format!(
                        "found a number where the column's earlier values are dates ({FORMS})"
                    ))
                } else {
                    Err(format!(
                        "not a timestamp the column's form allows ({FORMS})"
                    ))
                }
            }
            Err(IsoError::Range(what)) => Err(format!("{what} is out of range")),
        }
    }

    fn pattern(&self, v: &[u8]) -> Result<i64, String> {
        let pat = self.pattern.as_deref().unwrap_or("");
        let s = std::str::from_utf8(v).map_err(|_| "the value is not valid UTF-8".to_owned())?;
        if let Ok(dt) = DateTime::parse_from_str(s, pat) {
            return Ok(dt.timestamp_millis());
        }
        let naive = match NaiveDateTime::parse_from_str(s, pat) {
            Ok(n) => n,
            Err(e) => match NaiveDate::parse_from_str(s, pat) {
                Ok(d) => d.and_time(chrono::NaiveTime::MIN),
                Err(_) => return Err(format!("does not match the time format {pat:?} ({e})")),
            },
        };
        Ok(naive.and_utc().timestamp_millis() - self.offset_ms)
    }
}

fn looks_like_epoch(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(|b| b.is_ascii_digit() || *b == b'.')
}

fn detect(v: &[u8]) -> Result<Mode, String> {
    if v.len() >= 10 && v[..4].iter().all(u8::is_ascii_digit) && v[4] == b'-' {
        return Ok(Mode::Iso);
    }
    if looks_like_epoch(v) {
        let int_digits = v.iter().take_while(|b| b.is_ascii_digit()).count();
        return match int_digits {
            9 | 10 => Ok(Mode::EpochSeconds),
            12 | 13 => Ok(Mode::EpochMillis),
            n => Err(format!(
                "an integer of {n} digits is neither epoch seconds (9 or 10 digits) nor epoch \
                 milliseconds (12 or 13 digits); give the column's time format"
            )),
        };
    }
    if looks_like_js_date(v) {
        return Ok(Mode::JsDate);
    }
    if v.contains(&b'/') {
        return Err(
            "a date with slashes is ambiguous (day/month or month/day?); give the column's time \
             format, such as %d/%m/%Y %H:%M:%S or %m/%d/%Y %I:%M:%S %p"
                .to_owned(),
        );
    }
    Err(format!("not a timestamp ({FORMS})"))
}

const WEEKDAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];

fn looks_like_js_date(v: &[u8]) -> bool {
    v.len() > 24
        && v[3] == b' '
        && WEEKDAYS.contains(&&v[..3])
        && v.windows(4).any(|w| w == b"GMT+" || w == b"GMT-")
}

/// Reads the form of JavaScript's `Date.prototype.toString()`, which Linear's CSV export
/// writes: `Mon Sep 01 2025 09:00:00 GMT+0000 (Coordinated Universal Time)`. The name of
/// the zone in parentheses is ignored; the `GMT±hhmm` offset gives the instant.
fn js_date(v: &[u8]) -> Result<i64, String> {
    let s = std::str::from_utf8(v).map_err(|_| "the value is not valid UTF-8".to_owned())?;
    let s = match s.find(" (") {
        Some(i) if s.ends_with(')') => &s[..i],
        _ => s,
    };
    DateTime::parse_from_str(s, "%a %b %d %Y %H:%M:%S GMT%z")
        .map(|d| d.timestamp_millis())
        .map_err(|e| {
            format!(
                "expected a date like \"Mon Sep 01 2025 09:00:00 GMT+0000 (Coordinated Universal \
                 Time)\", like the column's earlier values ({e})"
            )
        })
}

fn epoch(v: &[u8], millis: bool) -> Result<i64, String> {
    let dot = v.iter().position(|b| *b == b'.');
    let (int, frac) = match dot {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &v[..0]),
    };
    let ok_digits = !int.is_empty()
        && int.iter().all(u8::is_ascii_digit)
        && frac.iter().all(u8::is_ascii_digit)
        && (dot.is_none() || !frac.is_empty());
    if !ok_digits {
        return Err(format!(
            "expected epoch {} (digits only), like the column's earlier values",
            if millis { "milliseconds" } else { "seconds" }
        ));
    }
    let (lo, hi) = if millis { (12, 13) } else { (9, 10) };
    if int.len() < lo || int.len() > hi {
        return Err(format!(
            "an integer of {} digits where the column holds epoch {} ({lo} or {hi} digits)",
            int.len(),
            if millis { "milliseconds" } else { "seconds" }
        ));
    }
    let mut n: i64 = 0;
    for &b in int {
        n = n * 10 + i64::from(b - b'0');
    }
    let mut frac_ms: i64 = 0;
    if !millis {
        let mut scale = 100;
        for &b in frac.iter().take(3) {
            frac_ms += i64::from(b - b'0') * scale;
            scale /= 10;
        }
    }
    Ok(if millis { n } else { n * 1000 + frac_ms })
}

enum IsoError {
    Shape,
    Range(&'static str),
}

#[inline(always)]
fn digits2(a: u8, b: u8) -> Option<u32> {
    let (x, y) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
    if x < 10 && y < 10 {
        Some(u32::from(x) * 10 + u32::from(y))
    } else {
        None
    }
}

#[inline]
fn two(v: &[u8], i: usize) -> Option<u32> {
    match v.get(i..i + 2) {
        Some(&[a, b]) => digits2(a, b),
        _ => None,
    }
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
///
/// # Formula
///
/// Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms", `days_from_civil`.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// Parses `±hh[:mm]` / `±hhmm` at the start of `v`; returns the offset in seconds east of
/// UTC and the rest.
fn parse_offset_bytes(v: &[u8]) -> Option<(i32, &[u8])> {
    let sign = match v.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hh = two(v, 1)?;
    let (mm, rest) = if v.get(3) == Some(&b':') {
        (two(v, 4)?, &v[6..])
    } else if let Some(mm) = two(v, 3) {
        (mm, &v[5..])
    } else {
        (0, &v[3..])
    };
    if hh > 23 || mm > 59 {
        return None;
    }
    Some((sign * (hh as i32 * 3600 + mm as i32 * 60), rest))
}

/// Parses the date part `YYYY-MM-DD` to milliseconds since the epoch at midnight UTC.
fn parse_date(v: &[u8]) -> Result<i64, IsoError> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = v else {
        return Err(IsoError::Shape);
    };
    let (Some(yh), Some(yl), Some(month), Some(day)) = (
        digits2(y0, y1),
        digits2(y2, y3),
        digits2(m0, m1),
        digits2(d0, d1),
    ) else {
        return Err(IsoError::Shape);
    };
    let year = i64::from(yh * 100 + yl);
    if !(1..=12).contains(&month) {
        return Err(IsoError::Range("the month"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(IsoError::Range("the day of the month"));
    }
    Ok(days_from_civil(year, month, day) * MS_PER_DAY)
}

/// Parses an ISO 8601 / RFC 3339 date or date-time. Returns the naive instant in
/// milliseconds (as if UTC) and the offset in seconds if the value carries one.
fn parse_iso(v: &[u8], cache: &mut DateCache) -> Result<(i64, Option<i32>), IsoError> {
    if v.len() < 10 {
        return Err(IsoError::Shape);
    }
    let date_ms = cache.date(v.first_chunk().ok_or(IsoError::Shape)?)?;
    if v.len() == 10 {
        return Ok((date_ms, None));
    }
    // `THH:MM`, then optionally `:SS` and a fraction.
    let (hour, minute) = match v.get(10..16) {
        Some(&[b'T' | b't' | b' ', h0, h1, b':', m0, m1]) => {
            match (digits2(h0, h1), digits2(m0, m1)) {
                (Some(h), Some(m)) => (h, m),
                _ => return Err(IsoError::Shape),
            }
        }
        _ => return Err(IsoError::Shape),
    };
    let mut i = 16;
    let mut second = 0;
    let mut ms = 0;
    if v.get(i) == Some(&b':') {
        second = two(v, i + 1).ok_or(IsoError::Shape)?;
        i += 3;
        if matches!(v.get(i), Some(b'.' | b',')) {
            i += 1;
            let start = i;
            let mut scale = 100;
            while let Some(b) = v.get(i).filter(|b| b.is_ascii_digit()) {
                ms += u32::from(b - b'0') * scale;
                scale /= 10;
                i += 1;
            }
            if i == start {
                return Err(IsoError::Shape);
            }
        }
    }
    if hour > 23 {
        return Err(IsoError::Range("the hour"));
    }
    if minute > 59 {
        return Err(IsoError::Range("the minute"));
    }
    // A leap second (23:59:60 UTC, or its local time) is valid: read, as chrono's
    // milliseconds read it, as the first instant of the next second.
    if second > 60 {
        return Err(IsoError::Range("the second"));
    }
    let naive = date_ms + i64::from(hour * 3_600_000 + minute * 60_000 + second * 1000 + ms);
    let mut rest = &v[i..];
    if rest.first() == Some(&b' ') {
        rest = &rest[1..];
    }
    match rest {
        [] => return Ok((naive, None)),
        b"+00:00" | b"Z" | b"z" | b"UTC" | b"GMT" => return Ok((naive, Some(0))),
        _ => {}
    }
    match parse_offset_bytes(rest) {
        Some((secs, [])) => Ok((naive, Some(secs))),
        Some(_) => Err(IsoError::Shape),
        None => {
            if matches!(rest.first(), Some(b'+' | b'-')) {
                Err(IsoError::Range("the UTC offset"))
            } else {
                Err(IsoError::Shape)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .unwrap()
            .timestamp_millis()
    }

    fn parse_all(
        values: &[&str],
        format: TimeFormat,
        offset: FixedOffset,
    ) -> Vec<Result<i64, String>> {
        let mut p = TimeParser::new(format, offset);
        values.iter().map(|v| p.parse(v.as_bytes())).collect()
    }

    #[test]
    fn days_from_civil_matches_chrono_over_centuries() {
        for y in [1, 1600, 1899, 1900, 1970, 2000, 2024, 2100, 9999] {
            for m in 1..=12 {
                for d in [1, 15, days_in_month(y, m)] {
                    let ours = days_from_civil(y, m, d);
                    let theirs = NaiveDate::from_ymd_opt(y as i32, m, d)
                        .unwrap()
                        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
                        .num_days();
                    assert_eq!(ours, theirs, "{y}-{m}-{d}");
                }
            }
        }
    }

    #[test]
    fn each_iso_form_reads_to_the_same_instant() {
        let t = ms(2024, 3, 4, 8, 15, 0);
        let forms = [
            "2024-03-04T08:15:00Z",
            "2024-03-04T08:15:00.000Z",
            "2024-03-04t08:15:00z",
            "2024-03-04T09:15:00+01:00",
            "2024-03-04T09:15:00+0100",
            "2024-03-04T09:15:00.000+0100",
            "2024-03-04T09:15:00+01",
            "2024-03-04T03:15:00-05:00",
            "2024-03-04 08:15:00",
            "2024-03-04 08:15",
            "2024-03-04 08:15:00+00:00",
            "2024-03-04 09:15:00 +0100",
            "2024-03-04 08:15:00 UTC",
        ];
        for f in forms {
            assert_eq!(parse_all(&[f], TimeFormat::Auto, utc())[0], Ok(t), "{f}");
        }
    }

    #[test]
    fn fractions_keep_milliseconds() {
        let t = ms(2024, 3, 4, 8, 15, 0);
        let r = parse_all(
            &[
                "2024-03-04 08:15:00.5",
                "2024-03-04T08:15:00.123456789Z",
                "2024-03-04 08:15:00,25",
            ],
            TimeFormat::Auto,
            utc(),
        );
        assert_eq!(r, vec![Ok(t + 500), Ok(t + 123), Ok(t + 250)]);
    }

    #[test]
    fn dates_are_midnight_in_the_configured_offset() {
        let cet = FixedOffset::east_opt(3600).unwrap();
        let r = parse_all(
            &["2024-03-04", "2024-03-04 01:00:00", "2024-03-04T01:00:00Z"],
            TimeFormat::Auto,
            cet,
        );
        let midnight_utc = ms(2024, 3, 4, 0, 0, 0);
        assert_eq!(r[0], Ok(midnight_utc - 3_600_000));
        assert_eq!(r[1], Ok(midnight_utc));
        // An explicit offset wins over the configured one.
        assert_eq!(r[2], Ok(midnight_utc + 3_600_000));
    }

    #[test]
    fn epoch_seconds_and_milliseconds_are_told_apart_by_their_digits() {
        let t = ms(2024, 3, 4, 8, 15, 0);
        let secs = (t / 1000).to_string();
        let millis = t.to_string();
        assert_eq!(parse_all(&[&secs], TimeFormat::Auto, utc())[0], Ok(t));
        assert_eq!(parse_all(&[&millis], TimeFormat::Auto, utc())[0], Ok(t));
        assert_eq!(
            parse_all(&[&format!("{secs}.25")], TimeFormat::Auto, utc())[0],
            Ok(t + 250)
        );
        // Mixing the two in one column is an error, not a silent factor of 1000.
        let mixed = parse_all(&[&secs, &millis], TimeFormat::Auto, utc());
        assert!(mixed[1].as_ref().unwrap_err().contains("epoch seconds"));
        // A number that is neither is ambiguous.
        let odd = parse_all(&["20240304"], TimeFormat::Auto, utc());
        assert!(odd[0].as_ref().unwrap_err().contains("8 digits"));
    }

    #[test]
    fn the_fast_path_agrees_with_chrono_on_a_stream_of_values() {
        // A stream where dates and suffixes repeat and change, as in a real export.
        let suffixes = [
            "+00:00",
            "Z",
            "",
            ".000+00:00",
            "+01:00",
            "-0530",
            ".250Z",
            " UTC",
            ".5-05:00",
        ];
        let mut x: u64 = 12345;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut p = TimeParser::new(TimeFormat::Auto, FixedOffset::east_opt(7200).unwrap());
        for _ in 0..20_000 {
            let day = 1 + next() % 3;
            let suffix = suffixes
                [(next() % 3 + if next() % 50 == 0 { 3 } else { 0 }) as usize % suffixes.len()];
            let sep = if next() % 2 == 0 { 'T' } else { ' ' };
            let v = format!(
                "2024-02-{day:02}{sep}{:02}:{:02}:{:02}{suffix}",
                next() % 24,
                next() % 60,
                next() % 60
            );
            let ours = p.parse(v.as_bytes()).unwrap();
            let norm = match suffix {
                "" => format!("{}+02:00", &v[..19]),
                " UTC" => format!("{}Z", &v[..19]),
                "-0530" => format!("{}-05:30", &v[..19]),
                ".5-05:00" => format!("{}.500-05:00", &v[..19]),
                _ => v.clone(),
            };
            let theirs = DateTime::parse_from_rfc3339(&norm.replacen(' ', "T", 1))
                .unwrap()
                .timestamp_millis();
            assert_eq!(ours, theirs, "{v}");
        }
        // A bad time of day with a cached date and suffix still fails.
        assert!(p.parse(b"2024-02-01 25:00:00+00:00").is_err());
    }

    #[test]
    fn the_date_cache_agrees_with_chrono_over_many_dates() {
        // More dates than the cache holds, so that they evict each other; invalid dates in
        // between must stay errors.
        let mut x: u64 = 99;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut p = TimeParser::new(TimeFormat::Auto, utc());
        for _ in 0..50_000 {
            let (y, mo, d) = (2019 + next() % 8, 1 + next() % 12, 1 + next() % 31);
            let v = format!(
                "{y}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
                next() % 24,
                next() % 60,
                next() % 60
            );
            let ours = p.parse(v.as_bytes());
            match DateTime::parse_from_rfc3339(&v) {
                Ok(t) => assert_eq!(ours, Ok(t.timestamp_millis()), "{v}"),
                Err(_) => assert!(ours.unwrap_err().contains("day of the month"), "{v}"),
            }
        }
    }

    #[test]
    fn javascript_dates_as_linear_writes_them() {
        let t = ms(2025, 9, 1, 9, 0, 0);
        let r = parse_all(
            &[
                "Mon Sep 01 2025 09:00:00 GMT+0000 (Coordinated Universal Time)",
                "Mon Sep 01 2025 11:00:00 GMT+0200 (Central European Summer Time)",
                "Mon Sep 01 2025 09:00:00 GMT+0000",
            ],
            TimeFormat::Auto,
            utc(),
        );
        assert_eq!(r, vec![Ok(t), Ok(t), Ok(t)]);
        let r = parse_all(
            &["Mon Sep 01 2025 09:00:00 GMT+0000 (UTC)", "2025-09-01"],
            TimeFormat::Auto,
            utc(),
        );
        assert!(r[1].as_ref().unwrap_err().contains("Mon Sep 01 2025"));
    }

    #[test]
    fn explicit_epoch_formats() {
        let r = parse_all(&["1709540100"], TimeFormat::EpochSeconds, utc());
        assert_eq!(r[0], Ok(1_709_540_100_000));
        let r = parse_all(&["1709540100000"], TimeFormat::EpochMillis, utc());
        assert_eq!(r[0], Ok(1_709_540_100_000));
        let r = parse_all(&["1709540100"], TimeFormat::EpochMillis, utc());
        assert!(r[0].is_err());
    }

    #[test]
    fn a_column_holds_to_its_first_form() {
        let r = parse_all(&["2024-03-04", "1709540100"], TimeFormat::Auto, utc());
        assert!(r[0].is_ok());
        assert!(r[1].as_ref().unwrap_err().contains("number"));
    }

    #[test]
    fn patterns_with_and_without_offsets() {
        let t = ms(2024, 3, 4, 8, 15, 0);
        let r = parse_all(
            &["04/03/2024 08:15"],
            TimeFormat::Pattern("%d/%m/%Y %H:%M".into()),
            utc(),
        );
        assert_eq!(r[0], Ok(t));
        let r = parse_all(
            &["3/4/2024 9:15:00 AM +0100"],
            TimeFormat::Pattern("%m/%d/%Y %I:%M:%S %p %z".into()),
            utc(),
        );
        assert_eq!(r[0], Ok(t));
        let cet = FixedOffset::east_opt(3600).unwrap();
        let r = parse_all(&["04.03.2024"], TimeFormat::Pattern("%d.%m.%Y".into()), cet);
        assert_eq!(r[0], Ok(ms(2024, 3, 3, 23, 0, 0)));
        let r = parse_all(
            &["2024-03-04"],
            TimeFormat::Pattern("%d.%m.%Y".into()),
            utc(),
        );
        assert!(r[0].as_ref().unwrap_err().contains("%d.%m.%Y"));
    }

    #[test]
    fn a_leap_second_reads_as_chrono_reads_it() {
        for v in [
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.250Z",
            "2017-01-01T00:59:60+01:00",
        ] {
            let want = DateTime::parse_from_rfc3339(v).unwrap().timestamp_millis();
            // Alone (the full parse), and after a value of the same form (the fast path).
            let r = parse_all(&["2016-12-31T23:59:59Z", v], TimeFormat::Auto, utc());
            assert_eq!(r[1], Ok(want), "{v}");
            assert_eq!(parse_all(&[v], TimeFormat::Auto, utc())[0], Ok(want), "{v}");
        }
        let e = parse_all(&["2016-12-31 23:59:61"], TimeFormat::Auto, utc());
        assert!(e[0].as_ref().unwrap_err().contains("second"), "{e:?}");
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let cases = [
            ("2024-13-01", "month"),
            ("2024-02-30", "day of the month"),
            ("2023-02-29 10:00", "day of the month"),
            ("2024-03-04 24:00", "hour"),
            ("2024-03-04 10:60", "minute"),
            ("2024-03-04 10:00:61", "second"),
            ("2024-03-04T10:00:00+25:00", "offset"),
            ("03/04/2024", "ambiguous"),
            ("yesterday", "not a timestamp"),
            ("2024-03-04X10:00", "not a timestamp"),
            ("2024-03-04 10:00:00.", "not a timestamp"),
            ("2024-03-04 10:00:00+01:00junk", "not a timestamp"),
            ("", "empty"),
        ];
        for (v, want) in cases {
            let r = parse_all(&[v], TimeFormat::Auto, utc());
            let e = r[0].as_ref().expect_err(v);
            assert!(e.contains(want), "{v}: {e}");
        }
        assert!(parse_all(&["2024-02-29"], TimeFormat::Auto, utc())[0].is_ok());
    }

    #[test]
    fn offsets_and_instants_from_text() {
        assert_eq!(parse_offset("+01:00").unwrap().local_minus_utc(), 3600);
        assert_eq!(parse_offset("-0530").unwrap().local_minus_utc(), -19800);
        assert_eq!(parse_offset("+02").unwrap().local_minus_utc(), 7200);
        assert_eq!(parse_offset("Z").unwrap().local_minus_utc(), 0);
        assert!(parse_offset("01:00").is_err());
        assert!(parse_offset("+01:00x").is_err());
        let t = parse_instant("2024-03-04", utc()).unwrap();
        assert_eq!(t.timestamp_millis(), ms(2024, 3, 4, 0, 0, 0));
        assert!(parse_instant("soon", utc()).is_err());
    }

    #[test]
    fn time_format_names() {
        assert_eq!(TimeFormat::from_name("auto").unwrap(), TimeFormat::Auto);
        assert_eq!(
            TimeFormat::from_name("epoch-ms").unwrap(),
            TimeFormat::EpochMillis
        );
        assert_eq!(
            TimeFormat::from_name("%Y").unwrap(),
            TimeFormat::Pattern("%Y".into())
        );
        assert!(TimeFormat::from_name("fancy").is_err());
    }
}
