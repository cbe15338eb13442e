//! Self-contained tokens parsed with nom: sequence sets, dates, date-times.
//!
//! The cursor first delimits the token (it cannot contain spaces, or it is
//! the content of a quoted string); these combinators then check its inner
//! structure and report the offset of the first bad byte.

use nom::bytes::complete::take_while_m_n;
use nom::combinator::map_res;
use nom::IResult;

use crate::error::{ParseError, ParseErrorKind};

/// nom error that keeps the remaining input length and our error kind.
#[derive(Debug)]
pub(crate) struct TokenError {
    pub(crate) remaining: usize,
    pub(crate) kind: ParseErrorKind,
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

pub(crate) type TResult<'a, T> = IResult<&'a [u8], T, TokenError>;

pub(crate) fn finish<T>(text: &[u8], r: TResult<'_, T>, what: &'static str) -> Result<T, ParseError> {
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

pub(crate) fn u32_digits(d: &[u8]) -> Result<u32, ParseErrorKind> {
    let mut v: u32 = 0;
    for &c in d {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as u32))
            .ok_or(ParseErrorKind::NumberOverflow("u32"))?;
    }
    Ok(v)
}

pub(crate) fn digits(min: usize, max: usize) -> impl Fn(&[u8]) -> TResult<'_, u32> {
    move |i| map_res(take_while_m_n(min, max, |b: u8| b.is_ascii_digit()), u32_digits)(i)
}
