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
    /// let twice: SequenceSet = "$,$".parse().unwrap();
    /// assert_eq!(twice.resolve_saved(Some(&saved)).unwrap().to_string(), "2:4");
    /// ```
    pub fn resolve_saved(&self, saved: Option<&SequenceSet>) -> Option<SequenceSet> {
        let mut out = Vec::with_capacity(self.0.len());
        let mut saved = saved;
        for r in &self.0 {
            match r {
                // Once, however often the set names it.
                SeqRange::Saved => {
                    out.extend(saved.take().iter().flat_map(|s| s.0.iter().filter(|r| **r != SeqRange::Saved)))
                }
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

fn number(n: u32) -> Result<SeqNumber, ValidationError> {
    NonZeroU32::new(n).map(SeqNumber::Value).ok_or(ValidationError::OutOfRange("message number 0"))
}

/// One message: `n` (refused for 0).
impl TryFrom<u32> for SequenceSet {
    type Error = ValidationError;
    fn try_from(n: u32) -> Result<SequenceSet, ValidationError> {
        Ok(SequenceSet(vec![SeqRange::Single(number(n)?)]))
    }
}

/// `a:b` from `a..=b` (refused when either end is 0 or `b < a`).
///
/// ```
/// use imap_wire::SequenceSet;
/// assert_eq!(SequenceSet::try_from(2..=5).unwrap().to_string(), "2:5");
/// assert_eq!(SequenceSet::try_from(7..).unwrap().to_string(), "7:*");
/// assert_eq!(SequenceSet::from(..).to_string(), "1:*");
/// assert!(SequenceSet::try_from(0..=3).is_err());
/// ```
impl TryFrom<std::ops::RangeInclusive<u32>> for SequenceSet {
    type Error = ValidationError;
    fn try_from(range: std::ops::RangeInclusive<u32>) -> Result<SequenceSet, ValidationError> {
        let (a, b) = range.into_inner();
        if b < a {
            return Err(ValidationError::OutOfRange("sequence range end before its start"));
        }
        Ok(SequenceSet(vec![SeqRange::Range(number(a)?, number(b)?)]))
    }
}

/// `a:*` from `a..`: message `a` to the last (refused for 0).
impl TryFrom<std::ops::RangeFrom<u32>> for SequenceSet {
    type Error = ValidationError;
    fn try_from(range: std::ops::RangeFrom<u32>) -> Result<SequenceSet, ValidationError> {
        Ok(SequenceSet(vec![SeqRange::Range(number(range.start)?, SeqNumber::Largest)]))
    }
}

/// `1:*` from `..`: every message.
impl From<std::ops::RangeFull> for SequenceSet {
    fn from(_: std::ops::RangeFull) -> SequenceSet {
        SequenceSet::all()
    }
}

/// Any number of UIDs or sequence numbers, in order, as a set (refused
/// when empty or when one is 0). Runs become ranges: `[1, 2, 3, 7]` is
/// `1:3,7`.
impl TryFrom<&[u32]> for SequenceSet {
    type Error = ValidationError;
    fn try_from(numbers: &[u32]) -> Result<SequenceSet, ValidationError> {
        let mut ranges: Vec<SeqRange> = Vec::new();
        let mut run: Option<(u32, u32)> = None;
        let close = |ranges: &mut Vec<SeqRange>, (a, b): (u32, u32)| -> Result<(), ValidationError> {
            ranges.push(if a == b { SeqRange::Single(number(a)?) } else { SeqRange::Range(number(a)?, number(b)?) });
            Ok(())
        };
        for &n in numbers {
            run = match run {
                Some((a, b)) if b.checked_add(1) == Some(n) => Some((a, n)),
                Some(done) => {
                    close(&mut ranges, done)?;
                    Some((n, n))
                }
                None => Some((n, n)),
            };
        }
        if let Some(done) = run {
            close(&mut ranges, done)?;
        }
        SequenceSet::new(ranges)
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
    fn sets_from_rust_values() {
        let set = |v: &[u32]| SequenceSet::try_from(v).map(|s| s.to_string());
        assert_eq!(set(&[1, 2, 3, 7, 9, 10]).unwrap(), "1:3,7,9:10");
        assert_eq!(set(&[5]).unwrap(), "5");
        assert_eq!(set(&[4, 3]).unwrap(), "4,3", "order kept");
        assert_eq!(set(&[u32::MAX]).unwrap(), "4294967295");
        assert!(set(&[]).is_err());
        assert!(set(&[1, 0]).is_err());
        assert!(SequenceSet::try_from(0).is_err());
        assert!(SequenceSet::try_from(0..).is_err());
        let (start, end) = (5, 4);
        assert!(SequenceSet::try_from(start..=end).is_err());
        assert_eq!(SequenceSet::try_from(3..=3).unwrap().to_string(), "3:3");
    }

    #[test]
    fn sequence_set_ranges_in_any_order() {
        let set: SequenceSet = "*:4,5:7".parse().unwrap();
        assert!(set.contains(10, 10));
        assert!(set.contains(4, 10));
        assert!(!set.contains(3, 10));
    }
}
