//! Sequence sets: `sequence-set`, `seq-range`, `seq-number`.

use std::num::NonZeroU32;

use nom::branch::alt;
use nom::character::complete::{char, digit1};
use nom::combinator::{all_consuming, cut, map, map_res, opt, value};
use nom::multi::separated_list1;
use nom::sequence::preceded;

use super::tokens::{finish, u32_digits, TResult};
use super::{PResult, Parser};
use crate::error::{ParseError, ParseErrorKind};
use crate::types::*;

impl<'a> Parser<'a> {
    /// `sequence-set`
    ///
    /// ```text
    /// sequence-set    = (seq-number / seq-range) *("," sequence-set)
    /// seq-range       = seq-number ":" seq-number
    /// seq-number      = nz-number / "*"
    /// sequence-set    =/ seq-last-command        ; RFC 5182
    /// seq-last-command = "$"
    /// ```
    pub(crate) fn sequence_set(&mut self) -> PResult<SequenceSet> {
        let start = self.pos;
        let (s, e) = self.take_while1(is_sequence_char, "sequence set")?;
        sequence_set_complete(&self.buf[s..e]).map_err(|mut err| {
            err.offset += start;
            err
        })
    }
}

/// Parses a sequence set from its text, e.g. `1:4,7,9:*`.
pub(crate) fn sequence_set_from_bytes(text: &[u8]) -> PResult<crate::SequenceSet> {
    sequence_set_complete(text)
}

fn nz_number(i: &[u8]) -> TResult<'_, NonZeroU32> {
    map_res(digit1, |d| NonZeroU32::new(u32_digits(d)?).ok_or(ParseErrorKind::Invalid("zero in sequence set")))(i)
}

fn seq_number(i: &[u8]) -> TResult<'_, SeqNumber> {
    alt((value(SeqNumber::Largest, char('*')), map(nz_number, SeqNumber::Value)))(i)
}

fn seq_range(i: &[u8]) -> TResult<'_, SeqRange> {
    if let Some(rest) = i.strip_prefix(b"$") {
        return Ok((rest, SeqRange::Saved));
    }
    let (i, a) = seq_number(i)?;
    let (i, b) = opt(preceded(char(':'), cut(seq_number)))(i)?;
    Ok((i, b.map_or(SeqRange::Single(a), |b| SeqRange::Range(a, b))))
}

/// `sequence-set`, the whole token.
pub(crate) fn sequence_set_complete(text: &[u8]) -> Result<SequenceSet, ParseError> {
    let r = all_consuming(separated_list1(char(','), cut(seq_range)))(text);
    finish(text, r, "sequence set").map(|v| SequenceSet::new(v).unwrap_or_else(|_| SequenceSet::all()))
}

/// Whether `b` can appear in a sequence-set token.
pub(crate) fn is_sequence_char(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'*' | b':' | b',' | b'$')
}

impl std::str::FromStr for SequenceSet {
    type Err = crate::ParseError;
    fn from_str(s: &str) -> Result<Self, crate::ParseError> {
        sequence_set_from_bytes(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_sets() {
        let s = sequence_set_complete(b"2,4:7,9,12:*").unwrap();
        assert_eq!(s.ranges().len(), 4);
        let e = sequence_set_complete(b"1:4294967296").unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::NumberOverflow("u32"));
        assert_eq!(e.offset, 2);
        assert!(matches!(sequence_set_complete(b"0").unwrap_err().kind, ParseErrorKind::Invalid(_)));
        assert_eq!(sequence_set_complete(b"1,,2").unwrap_err().offset, 2);
        assert!(sequence_set_complete(b"").is_err());
    }
}
