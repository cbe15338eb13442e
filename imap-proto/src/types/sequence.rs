//! Sequence sets (`sequence-set`), dates and times.

use std::fmt;
use std::num::NonZeroU32;

use crate::error::ValidationError;

/// One end of a range: a number or `*` (the largest number in use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SeqNumber {
    /// A message sequence number or UID.
    Value(NonZeroU32),
    /// `*`
    Largest,
}

/// One element of a sequence set: a single number or a range whose ends may
/// come in any order (`4:2` means 2, 3 and 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SeqRange {
    /// `n` or `*`
    Single(SeqNumber),
    /// `a:b`
    Range(SeqNumber, SeqNumber),
    /// `$`: the result a `SEARCH RETURN (SAVE)` saved (RFC 5182
    /// SEARCHRES). Only the server knows its value; see
    /// [`SequenceSet::resolve_saved`].
    Saved,
}

/// A non-empty sequence set, elements kept in the order given.
///
/// ```
/// use imap_wire::SequenceSet;
/// let set: SequenceSet = "2,4:7,9,12:*".parse().unwrap();
/// assert_eq!(set.to_string(), "2,4:7,9,12:*");
/// assert!(set.contains(5, 15));
/// assert!(set.contains(15, 15));
/// assert!(!set.contains(8, 15));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "Vec<SeqRange>", into = "Vec<SeqRange>"))]
pub struct SequenceSet(Vec<SeqRange>);

impl SequenceSet {
    /// Builds a set from its elements; fails when there are none.
    pub fn new(ranges: Vec<SeqRange>) -> Result<SequenceSet, ValidationError> {
        if ranges.is_empty() {
            Err(ValidationError::Empty)
        } else {
            Ok(SequenceSet(ranges))
        }
    }

    /// A set holding one number.
    pub fn single(n: NonZeroU32) -> SequenceSet {
        SequenceSet(vec![SeqRange::Single(SeqNumber::Value(n))])
    }

    /// `1:*`
    pub fn all() -> SequenceSet {
        let one = NonZeroU32::MIN;
        SequenceSet(vec![SeqRange::Range(SeqNumber::Value(one), SeqNumber::Largest)])
    }

    /// The elements in the order given.
    pub fn ranges(&self) -> &[SeqRange] {
        &self.0
    }

    /// Whether the set refers to the saved search result (`$`).
    pub fn uses_saved(&self) -> bool {
        self.0.contains(&SeqRange::Saved)
    }

    /// The set with every `$` replaced by the elements of `saved` (the
    /// result of the last `SEARCH RETURN (SAVE)`), or left out when there
    /// is none; `None` when nothing is left.
    ///
    /// ```
    /// use imap_wire::SequenceSet;
    /// let set: SequenceSet = "$,9".parse().unwrap();
    /// let saved: SequenceSet = "2:4".parse().unwrap();
    /// assert_eq!(set.resolve_saved(Some(&saved)).unwrap().to_string(), "2:4,9");
    /// assert_eq!(set.resolve_saved(None).unwrap().to_string(), "9");
    /// ```
    pub fn resolve_saved(&self, saved: Option<&SequenceSet>) -> Option<SequenceSet> {
        let mut out = Vec::with_capacity(self.0.len());
        for r in &self.0 {
            match r {
                SeqRange::Saved => out.extend(saved.iter().flat_map(|s| s.0.iter().filter(|r| **r != SeqRange::Saved))),
                r => out.push(*r),
            }
        }
        SequenceSet::new(out).ok()
    }

    /// Whether `n` is in the set when `*` stands for `largest`. `$` matches
    /// nothing: resolve it first with [`SequenceSet::resolve_saved`].
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        let value = |s: SeqNumber| match s {
            SeqNumber::Value(v) => v.get(),
            SeqNumber::Largest => largest,
        };
        self.0.iter().any(|r| match *r {
            SeqRange::Single(s) => value(s) == n,
            SeqRange::Range(a, b) => {
                let (a, b) = (value(a), value(b));
                a.min(b) <= n && n <= a.max(b)
            }
            SeqRange::Saved => false,
        })
    }
}

impl TryFrom<Vec<SeqRange>> for SequenceSet {
    type Error = ValidationError;
    fn try_from(v: Vec<SeqRange>) -> Result<Self, ValidationError> {
        SequenceSet::new(v)
    }
}

impl From<SequenceSet> for Vec<SeqRange> {
    fn from(s: SequenceSet) -> Self {
        s.0
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqNumber::Value(v) => write!(f, "{v}"),
            SeqNumber::Largest => f.write_str("*"),
        }
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match r {
                SeqRange::Single(s) => write!(f, "{s}")?,
                SeqRange::Range(a, b) => write!(f, "{a}:{b}")?,
                SeqRange::Saved => f.write_str("$")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_set_ranges_in_any_order() {
        let set: SequenceSet = "*:4,5:7".parse().unwrap();
        assert!(set.contains(10, 10));
        assert!(set.contains(4, 10));
        assert!(!set.contains(3, 10));
    }
}
