//! Dates: `date`, `date-time`, `date-text` (RFC 3501 section 9).

use nom::branch::alt;
use nom::bytes::complete::tag_no_case;
use nom::character::complete::{char, one_of};
use nom::combinator::{all_consuming, map_res};
use nom::sequence::{preceded, tuple};

use super::tokens::{digits, finish, TResult, TokenError};
use super::{PResult, Parser};
use crate::error::{ParseError, ParseErrorKind};
use crate::types::*;

impl<'a> Parser<'a> {
    /// `date-time` (quoted).
    ///
    /// ```text
    /// date-time       = DQUOTE date-day-fixed "-" date-month "-" date-year
    ///                   SP time SP zone DQUOTE
    /// ```
    pub(crate) fn date_time(&mut self) -> PResult<DateTime> {
        // The usual form, read in place.
        if let Some([b'"', text @ .., b'"']) = self.rest().get(..28) {
            if let Some(dt) = date_time_fixed(text) {
                self.pos += 28;
                return Ok(dt);
            }
        }
        let start = self.pos + 1;
        let text = self.quoted()?;
        date_time_text(&text).map_err(|mut e| {
            e.offset += start;
            e
        })
    }

    /// `date` = date-text / DQUOTE date-text DQUOTE
    ///
    /// ```text
    /// date            = date-text / DQUOTE date-text DQUOTE
    /// date-text       = date-day "-" date-month "-" date-year
    /// ```
    pub(crate) fn search_date(&mut self) -> PResult<Date> {
        let start = self.pos;
        let (text, offset) = if self.peek() == Some(b'"') {
            (self.quoted()?, start + 1)
        } else {
            let (s, e) = self.take_while1(|b| b.is_ascii_alphanumeric() || b == b'-', "date")?;
            (IString(self.small(s, e)), s)
        };
        date_text(&text).map_err(|mut e| {
            e.offset += offset;
            e
        })
    }
}

fn month(i: &[u8]) -> TResult<'_, u8> {
    let names = crate::types::datetime::MONTHS;
    for (n, name) in names.iter().enumerate() {
        if let Ok((rest, _)) = tag_no_case::<_, _, TokenError>(name.as_bytes())(i) {
            return Ok((rest, n as u8 + 1));
        }
    }
    Err(nom::Err::Error(TokenError { remaining: i.len(), kind: ParseErrorKind::Expected("month name") }))
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
    let month = crate::types::datetime::MONTHS.iter().position(|m| m.as_bytes().eq_ignore_ascii_case(&t[3..6]))?;
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
            assert_eq!(Some(fast), date_time_text(text).ok());
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
