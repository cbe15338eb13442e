//! Self-contained tokens parsed with nom: sequence sets, dates, date-times.
//!
//! The cursor first delimits the token (it cannot contain spaces, or it is
//! the content of a quoted string); these combinators then check its inner
//! structure and report the offset of the first bad byte.

use std::num::NonZeroU32;

use nom::branch::alt;
use nom::bytes::complete::{tag_no_case, take_while_m_n};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{all_consuming, cut, map, map_res, opt, value};
use nom::multi::separated_list1;
use nom::sequence::{preceded, tuple};
use nom::IResult;

use crate::error::{ParseError, ParseErrorKind};
use crate::types::{Date, DateTime, SeqNumber, SeqRange, SequenceSet};

/// nom error that keeps the remaining input length and our error kind.
#[derive(Debug)]
pub(crate) struct TokenError {
    remaining: usize,
    kind: ParseErrorKind,
}

impl<'a> nom::error::ParseError<&'a [u8]> for TokenError {
    fn from_error_kind(input: &'a [u8], _: nom::error::ErrorKind) -> Self {
        TokenError { remaining: input.len(), kind: ParseErrorKind::Expected("") }
    }
    fn append(_: &'a [u8], _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

impl<'a> nom::error::FromExternalError<&'a [u8], ParseErrorKind> for TokenError {
    fn from_external_error(input: &'a [u8], _: nom::error::ErrorKind, kind: ParseErrorKind) -> Self {
        TokenError { remaining: input.len(), kind }
    }
}

type TResult<'a, T> = IResult<&'a [u8], T, TokenError>;

fn finish<T>(text: &[u8], r: TResult<'_, T>, what: &'static str) -> Result<T, ParseError> {
    match r {
        Ok((_, v)) => Ok(v),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let kind = match e.kind {
                ParseErrorKind::Expected("") => ParseErrorKind::Expected(what),
                k => k,
            };
            Err(ParseError { offset: text.len() - e.remaining.min(text.len()), kind })
        }
        Err(nom::Err::Incomplete(_)) => Err(ParseError::expected(text.len(), what)),
    }
}

fn u32_digits(d: &[u8]) -> Result<u32, ParseErrorKind> {
    let mut v: u32 = 0;
    for &c in d {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as u32))
            .ok_or(ParseErrorKind::NumberOverflow("u32"))?;
    }
    Ok(v)
}

fn nz_number(i: &[u8]) -> TResult<'_, NonZeroU32> {
    map_res(digit1, |d| NonZeroU32::new(u32_digits(d)?).ok_or(ParseErrorKind::Invalid("zero in sequence set")))(i)
}

fn seq_number(i: &[u8]) -> TResult<'_, SeqNumber> {
    alt((value(SeqNumber::Largest, char('*')), map(nz_number, SeqNumber::Value)))(i)
}

fn seq_range(i: &[u8]) -> TResult<'_, SeqRange> {
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
    b.is_ascii_digit() || matches!(b, b'*' | b':' | b',')
}

fn month(i: &[u8]) -> TResult<'_, u8> {
    let names = crate::types::sequence::MONTHS;
    for (n, name) in names.iter().enumerate() {
        if let Ok((rest, _)) = tag_no_case::<_, _, TokenError>(name.as_bytes())(i) {
            return Ok((rest, n as u8 + 1));
        }
    }
    Err(nom::Err::Error(TokenError { remaining: i.len(), kind: ParseErrorKind::Expected("month name") }))
}

fn digits(min: usize, max: usize) -> impl Fn(&[u8]) -> TResult<'_, u32> {
    move |i| map_res(take_while_m_n(min, max, |b: u8| b.is_ascii_digit()), u32_digits)(i)
}

fn make_date(day: u32, month: u8, year: u32) -> Result<Date, ParseErrorKind> {
    Date::new(year as u16, month, day as u8).map_err(|_| ParseErrorKind::Invalid("date"))
}

/// `date-text`: `1-Feb-1994` (day 1 or 2 digits).
pub(crate) fn date_text(text: &[u8]) -> Result<Date, ParseError> {
    let r =
        all_consuming(map_res(tuple((digits(1, 2), char('-'), month, char('-'), digits(4, 4))), |(d, _, m, _, y)| {
            make_date(d, m, y)
        }))(text);
    finish(text, r, "date")
}

/// The inside of `date-time`: `17-Jul-1996 02:44:25 -0700`. The day may be
/// space-padded (` 7-Jul-...`) as the RFC requires, or (lenient) one digit.
pub(crate) fn date_time_text(text: &[u8]) -> Result<DateTime, ParseError> {
    if let Some(dt) = date_time_fixed(text) {
        return Ok(dt);
    }
    let day = alt((preceded(char(' '), digits(1, 1)), digits(1, 2)));
    let time = tuple((digits(2, 2), char(':'), digits(2, 2), char(':'), digits(2, 2)));
    let zone = tuple((one_of("+-"), digits(4, 4)));
    let r = all_consuming(map_res(
        tuple((day, char('-'), month, char('-'), digits(4, 4), char(' '), time, char(' '), zone)),
        |(d, _, m, _, y, _, (hh, _, mm, _, ss), _, (sign, z))| {
            let date = make_date(d, m, y)?;
            let zone_minutes = ((z / 100) * 60 + z % 100) as i16;
            let zone_minutes = if sign == '-' { -zone_minutes } else { zone_minutes };
            DateTime::new(date, hh as u8, mm as u8, ss as u8, zone_minutes)
                .map_err(|_| ParseErrorKind::Invalid("date-time"))
        },
    ))(text);
    finish(text, r, "date-time")
}

/// The form servers send, `dd-Mon-yyyy hh:mm:ss +zzzz` (the day possibly
/// space-padded), read by position; anything else (or anything invalid)
/// is left to the general parser and its error reporting.
pub(crate) fn date_time_fixed(text: &[u8]) -> Option<DateTime> {
    let t: &[u8; 26] = text.try_into().ok()?;
    let digit = |i: usize| t[i].is_ascii_digit().then(|| (t[i] - b'0') as u32);
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    if t[2] != b'-' || t[6] != b'-' || t[11] != b' ' || t[14] != b':' || t[17] != b':' || t[20] != b' ' {
        return None;
    }
    let day = if t[0] == b' ' { digit(1)? } else { two(0)? };
    let month = crate::types::sequence::MONTHS.iter().position(|m| m.as_bytes().eq_ignore_ascii_case(&t[3..6]))?;
    let year = two(7)? * 100 + two(9)?;
    let zone = (two(22)? * 60 + two(24)?) as i16;
    let zone = match t[21] {
        b'+' => zone,
        b'-' => -zone,
        _ => return None,
    };
    let date = Date::new(year as u16, month as u8 + 1, day as u8).ok()?;
    DateTime::new(date, two(12)? as u8, two(15)? as u8, two(18)? as u8, zone).ok()
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

    #[test]
    fn dates() {
        let d = date_text(b"1-Feb-1994").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (1994, 2, 1));
        assert!(date_text(b"31-Feb-1994").is_err());
        assert!(date_text(b"1-Foo-1994").is_err());
        // The fixed-position reader and the general parser agree.
        for text in [&b" 7-jul-1996 02:44:25 -0700"[..], b"17-Jul-1996 02:44:25 +0130", b"01-DEC-2023 23:59:59 +0000"] {
            let fast = date_time_fixed(text).expect("fixed form");
            let mut padded = text.to_vec();
            padded.insert(0, b' ');
            assert!(date_time_fixed(&padded).is_none());
            assert_eq!(Some(fast), super::date_time_text(text).ok());
        }
        assert!(date_time_fixed(b"31-Feb-1996 02:44:25 +0000").is_none());
        assert!(date_time_text(b"31-Feb-1996 02:44:25 +0000").is_err());
        assert!(date_time_fixed(b"17-Jul-1996 02:44:25 *0700").is_none());
        assert!(date_time_fixed(b"17-Jul-1996 25:44:25 +0700").is_none());
        let dt = date_time_text(b" 7-jul-1996 02:44:25 -0700").unwrap();
        assert_eq!(dt.zone_minutes(), -420);
        assert_eq!(dt.date().day(), 7);
        assert!(date_time_text(b"17-Jul-1996 02:44:25").is_err());
    }
}
