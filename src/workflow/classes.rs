//! Classes of service: which values of an item attribute make each class, and each class's
//! service-level expectation (the `[classes]` table of a workflow file).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A service-level expectation: `percent`% of the items done within `days` days of their
/// commitment ("85% within 10 days").
///
/// JSON and TOML: `{percent, days}`.
///
/// # Examples
///
/// ```
/// use valuestream::Sle;
///
/// let sle = Sle::new(85.0, 10.0)?;
/// assert_eq!(sle.to_string(), "85% within 10 days");
/// assert!(Sle::new(0.0, 10.0).is_err() && Sle::new(85.0, -1.0).is_err());
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Sle {
    /// The share of items expected within `days`, in percent (above 0, at most 100).
    pub percent: f64,
    /// The days from commitment to done.
    pub days: f64,
}

// Constructors validate both numbers as finite, so equality is an equivalence.
impl Eq for Sle {}

impl Sle {
    /// `percent`% of items done within `days` days of commitment.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `0 < percent ≤ 100` and `days > 0` (both finite).
    pub fn new(percent: f64, days: f64) -> Result<Sle> {
        Sle { percent, days }.validated()
    }

    fn validated(self) -> Result<Sle> {
        if !(self.percent > 0.0 && self.percent <= 100.0) {
            return Err(Error::InvalidArgument(format!(
                "a service-level expectation's percent is above 0 and at most 100, not {}",
                self.percent
            )));
        }
        if !(self.days.is_finite() && self.days > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "a service-level expectation's days are a number above 0, not {}",
                self.days
            )));
        }
        Ok(self)
    }
}

impl std::fmt::Display for Sle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}% within {} days", self.percent, self.days)
    }
}

impl std::str::FromStr for Sle {
    type Err = Error;

    /// `PERCENT:DAYS`, as `85:10` ("85% within 10 days").
    fn from_str(s: &str) -> Result<Sle> {
        let bad = || {
            Error::InvalidArgument(format!(
                "{s:?} is not a service-level expectation; write PERCENT:DAYS, as 85:10 for 85% within 10 days"
            ))
        };
        let (p, d) = s.split_once(':').ok_or_else(bad)?;
        let percent: f64 = p.trim().trim_end_matches('%').parse().map_err(|_| bad())?;
        let days: f64 = d.trim().parse().map_err(|_| bad())?;
        Sle::new(percent, days)
    }
}

/// One class of service of a [`ClassMap`]: its name, the attribute values it holds, and
/// its service-level expectation if set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClassSpec {
    /// The class's name (unique in the map).
    pub name: String,
    /// The values of the attribute whose items are in this class; `"*"` makes it the
    /// class of every item no other class names (items without the attribute included).
    pub values: Vec<String>,
    /// Its service-level expectation; without one, the class's cycle-time p85.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sle: Option<Sle>,
}

impl ClassSpec {
    /// A class of the items whose attribute is one of `values` (`"*"`: every other item).
    pub fn new<I, S>(name: impl Into<String>, values: I) -> ClassSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ClassSpec {
            name: name.into(),
            values: values.into_iter().map(Into::into).collect(),
            sle: None,
        }
    }

    /// The same class with a service-level expectation.
    pub fn with_sle(mut self, sle: Sle) -> ClassSpec {
        self.sle = Some(sle);
        self
    }
}

/// Classes of service: an item attribute (`by`) and the classes its values make.
///
/// A value named by a class is in that class; every other value, and an item without the
/// attribute, is in the class that lists `"*"` (the catch-all), if there is one, and
/// otherwise in no class: the report gathers those items as the class
/// [`ClassMap::UNMAPPED`] and names their values.
///
/// The file form, in a workflow file:
///
/// ```toml
/// [classes]
/// by = "priority"
///
/// [[classes.class]]
/// name = "expedite"
/// values = ["Highest", "Blocker"]
/// sle = { percent = 85, days = 3 }
///
/// [[classes.class]]
/// name = "standard"
/// values = ["*"]
/// ```
///
/// # Examples
///
/// ```
/// use valuestream::{ClassMap, ClassSpec, Sle};
///
/// let map = ClassMap::new(
///     "priority",
///     vec![
///         ClassSpec::new("expedite", ["Highest", "Blocker"]).with_sle(Sle::new(85.0, 3.0)?),
///         ClassSpec::new("standard", ["*"]),
///     ],
/// )?;
/// assert_eq!(map.class_of(Some("Blocker")), Some(0));
/// assert_eq!(map.class_of(Some("Low")), Some(1));
/// assert_eq!(map.class_of(None), Some(1));
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClassMap {
    /// The item attribute whose values make the classes.
    pub by: String,
    /// The classes, in the order declared.
    #[serde(rename = "class")]
    pub classes: Vec<ClassSpec>,
}

impl ClassMap {
    /// The value that makes a class the catch-all.
    pub const ANY: &'static str = "*";

    /// The name of the items no class holds (when there is no catch-all).
    pub const UNMAPPED: &'static str = "(unmapped)";

    /// A validated map.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `by` is empty, there is no class, a class has an
    /// empty name, a name starting with `(` (kept for the report's own rows), no values, a
    /// name or a value used twice, more than one class lists `"*"`, or an SLE is out of
    /// range (as [`Sle::new`]).
    pub fn new(by: impl Into<String>, classes: Vec<ClassSpec>) -> Result<ClassMap> {
        ClassMap {
            by: by.into(),
            classes,
        }
        .validated()
    }

    pub(crate) fn validated(self) -> Result<ClassMap> {
        let err = |m: String| Err(Error::InvalidArgument(format!("classes: {m}")));
        if self.by.trim().is_empty() {
            return err("`by` names no attribute".into());
        }
        if self.classes.is_empty() {
            return err("there is no class; declare them as [[classes.class]] tables".into());
        }
        let mut names = std::collections::HashSet::new();
        let mut values: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for c in &self.classes {
            if c.name.trim().is_empty() || c.name.starts_with('(') {
                return err(format!(
                    "{:?} is not a class name (empty, or starting with \"(\")",
                    c.name
                ));
            }
            if !names.insert(c.name.as_str()) {
                return err(format!("two classes are named {:?}", c.name));
            }
            if c.values.is_empty() {
                return err(format!(
                    "the class {:?} lists no values; list some, or \"*\" for every other",
                    c.name
                ));
            }
            for v in &c.values {
                if let Some(other) = values.insert(v, &c.name) {
                    return err(if v == Self::ANY {
                        format!(
                            "two classes, {other:?} and {:?}, take every other value (\"*\")",
                            c.name
                        )
                    } else {
                        format!(
                            "the value {v:?} is in two classes, {other:?} and {:?}",
                            c.name
                        )
                    });
                }
            }
            if let Some(s) = c.sle {
                s.validated().map_err(|e| {
                    Error::InvalidArgument(format!("classes: the class {:?}: {e}", c.name))
                })?;
            }
        }
        Ok(self)
    }

    /// The index of the class of an item whose attribute is `value` (`None`: the item has
    /// none): the class naming the value, else the catch-all, else none.
    pub fn class_of(&self, value: Option<&str>) -> Option<usize> {
        let named = value.and_then(|v| {
            self.classes
                .iter()
                .position(|c| c.values.iter().any(|x| x == v && x != Self::ANY))
        });
        named.or_else(|| {
            self.classes
                .iter()
                .position(|c| c.values.iter().any(|x| x == Self::ANY))
        })
    }

    /// The class named `name`.
    pub fn class(&self, name: &str) -> Option<&ClassSpec> {
        self.classes.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sle_parses_percent_and_days() {
        let s: Sle = "85:10".parse().unwrap();
        assert_eq!((s.percent, s.days), (85.0, 10.0));
        let s: Sle = "95%:2.5".parse().unwrap();
        assert_eq!((s.percent, s.days), (95.0, 2.5));
        for bad in [
            "85", "x:10", "85:y", "0:10", "101:10", "85:0", "85:-2", "85:inf",
        ] {
            assert!(bad.parse::<Sle>().is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_maps_say_why() {
        let c = ClassSpec::new;
        let msg = |by: &str, cs: Vec<ClassSpec>| ClassMap::new(by, cs).unwrap_err().to_string();
        assert!(msg("", vec![c("a", ["x"])]).contains("no attribute"));
        assert!(msg("p", vec![]).contains("no class"));
        assert!(msg("p", vec![c("(a)", ["x"])]).contains("not a class name"));
        assert!(msg("p", vec![c("a", ["x"]), c("a", ["y"])]).contains("two classes are named"));
        assert!(
            msg("p", vec![ClassSpec::new("a", Vec::<String>::new())]).contains("lists no values")
        );
        assert!(msg("p", vec![c("a", ["x"]), c("b", ["x"])]).contains("\"x\" is in two classes"));
        assert!(msg("p", vec![c("a", ["*"]), c("b", ["*"])]).contains("every other value"));
    }

    #[test]
    fn without_a_catch_all_a_value_is_in_no_class() {
        let map = ClassMap::new("p", vec![ClassSpec::new("a", ["x"])]).unwrap();
        assert_eq!(map.class_of(Some("x")), Some(0));
        assert_eq!(map.class_of(Some("y")), None);
        assert_eq!(map.class_of(None), None);
    }
}
