//! Core rules: numbers, atoms, strings, text, flags, mailbox names.

use std::num::NonZeroU32;

use bytes::Bytes;

use super::{line_ending_len, PResult, Parser};
use crate::error::ParseErrorKind;
use crate::types::core::{is_astring_char, is_atom_char, is_tag_char};
use crate::types::small_bytes::SmallBytes;
use crate::types::{Atom, IString, RawArguments, RawValue, Tag, Text};

impl<'a> Parser<'a> {
    /// `number`: an unsigned 32-bit integer; overflow is an error.
    ///
    /// ```text
    /// number          = 1*DIGIT
    /// ```
    #[inline]
    pub(crate) fn number(&mut self) -> PResult<u32> {
        // Up to nine digits always fit: no checks per digit. Ten digits or
        // more take the checked path.
        let rest = self.rest();
        let mut v = 0u32;
        let mut n = 0;
        while n < 9 {
            match rest.get(n) {
                Some(&d @ b'0'..=b'9') => v = v * 10 + (d - b'0') as u32,
                _ => break,
            }
            n += 1;
        }
        if n > 0 && !matches!(rest.get(n), Some(b'0'..=b'9')) {
            self.pos += n;
            return Ok(v);
        }
        self.number_checked()
    }

    #[inline(never)]
    fn number_checked(&mut self) -> PResult<u32> {
        let start = self.pos;
        let v = self.number64()?;
        u32::try_from(v).map_err(|_| crate::ParseError { offset: start, kind: ParseErrorKind::NumberOverflow("u32") })
    }

    /// `nz-number`.
    ///
    /// ```text
    /// nz-number       = digit-nz *DIGIT
    /// ```
    pub(crate) fn nz_number(&mut self) -> PResult<NonZeroU32> {
        let start = self.pos;
        let v = self.number()?;
        NonZeroU32::new(v)
            .ok_or(crate::ParseError { offset: start, kind: ParseErrorKind::Invalid("zero where nz-number is due") })
    }

    /// `number64` (RFC 9051 / 7162 mod-sequence values).
    pub(crate) fn number64(&mut self) -> PResult<u64> {
        let start = self.pos;
        let mut v: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            v = match v.checked_mul(10).and_then(|v| v.checked_add((d - b'0') as u64)) {
                Some(v) => v,
                None => return Err(crate::ParseError { offset: start, kind: ParseErrorKind::NumberOverflow("u64") }),
            };
            self.pos += 1;
        }
        if self.pos == start {
            return self.err("number");
        }
        Ok(v)
    }

    /// Scans `1*<class>` and returns the range.
    #[inline]
    pub(crate) fn take_while1(&mut self, class: fn(u8) -> bool, what: &'static str) -> PResult<(usize, usize)> {
        let start = self.pos;
        let rest = self.rest();
        let n = rest.iter().position(|&b| !class(b)).unwrap_or(rest.len());
        if n == 0 {
            return self.err(what);
        }
        self.pos += n;
        Ok((start, self.pos))
    }

    /// `atom`
    ///
    /// ```text
    /// atom            = 1*ATOM-CHAR
    /// ```
    pub(crate) fn atom(&mut self) -> PResult<Atom> {
        let (s, e) = self.take_while1(is_atom_char, "atom")?;
        Ok(Atom::from_validated(self.small(s, e)))
    }

    /// The bytes of an atom, without building one.
    pub(crate) fn atom_bytes(&mut self) -> PResult<&'a [u8]> {
        let (s, e) = self.take_while1(is_atom_char, "atom")?;
        Ok(&self.buf[s..e])
    }

    /// `tag`
    ///
    /// ```text
    /// tag             = 1*<any ASTRING-CHAR except "+">
    /// ```
    pub(crate) fn tag(&mut self) -> PResult<Tag> {
        let (s, e) = self.take_while1(is_tag_char, "tag")?;
        Ok(Tag::from_validated(self.small(s, e)))
    }

    /// `quoted`. 8-bit bytes are accepted (real servers send them); a
    /// backslash may only escape `"` or `\`.
    ///
    /// ```text
    /// quoted          = DQUOTE *QUOTED-CHAR DQUOTE
    /// ```
    #[inline]
    pub(crate) fn quoted(&mut self) -> PResult<IString> {
        self.byte(b'"', "quoted string")?;
        let start = self.pos;
        let rest = self.rest();
        // One pass over the content with a table of the bytes that end the
        // fast path: the closing quote, a backslash, CR, LF and NUL.
        let n = quoted_run(rest);
        if rest.get(n) == Some(&b'"') {
            self.pos = start + n + 1;
            return Ok(IString(self.small(start, start + n)));
        }
        self.pos = start + n;
        self.quoted_slow(start)
    }

    /// The rest of a quoted string that holds an escape or a bad byte;
    /// `self.pos` is at that byte.
    #[cold]
    #[inline(never)]
    fn quoted_slow(&mut self, start: usize) -> PResult<IString> {
        match self.peek() {
            Some(b'\\') => {}
            Some(b'\r' | 0) => return self.err("quoted character"),
            _ => return self.err("closing quote"),
        }
        // Escapes: unescape into a new buffer from the first backslash on.
        let mut out = Vec::with_capacity((self.buf.len() - start).min(256));
        out.extend_from_slice(&self.buf[start..self.pos]);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(IString::from(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c);
                            self.pos += 1;
                        }
                        _ => return self.err("escaped quote or backslash"),
                    }
                }
                Some(b'\r' | 0) => return self.err("quoted character"),
                Some(b'\n') | None => return self.err("closing quote"),
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `literal` (`{N}`, `{N+}`, `{N-}`) and `literal8` (`~{N}`): the data is
    /// shared with the message buffer.
    ///
    /// ```text
    /// literal         = "{" number "}" CRLF *CHAR8
    /// ```
    pub(crate) fn literal(&mut self) -> PResult<IString> {
        self.eat(b'~');
        self.byte(b'{', "literal")?;
        let n = self.number64()?;
        if !self.eat(b'+') {
            self.eat(b'-');
        }
        self.byte(b'}', "closing brace of literal")?;
        self.eat(b'\r');
        self.byte(b'\n', "CRLF after literal announcement")?;
        let start = self.pos;
        let available = (self.buf.len() - start) as u64;
        if n > available {
            return self.err("literal data");
        }
        let end = start + n as usize;
        self.pos = end;
        // Quirk: a CRLF after the data in the middle of a message (the
        // framer joins the lines only when a parenthesis is still open and
        // the message goes on); the message's own final CRLF stays.
        let after = &self.buf[end..];
        let spurious = if after.starts_with(b"\r\n") { 2 } else { usize::from(after.starts_with(b"\n")) };
        if spurious > 0 && after.len() > spurious {
            self.pos += spurious;
        }
        // Literal data is always shared, never copied.
        Ok(IString(SmallBytes::Shared(self.slice(start, end))))
    }

    /// `string` = quoted / literal
    ///
    /// ```text
    /// string          = quoted / literal
    /// ```
    #[inline]
    pub(crate) fn string(&mut self) -> PResult<IString> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{' | b'~') => self.literal(),
            _ => self.err("string"),
        }
    }

    /// `astring` = 1*ASTRING-CHAR / string
    ///
    /// ```text
    /// astring         = 1*ASTRING-CHAR / string
    /// ```
    pub(crate) fn astring(&mut self) -> PResult<IString> {
        match self.peek() {
            Some(b'"' | b'{') => self.string(),
            Some(b'~') if self.peek_at(1) == Some(b'{') => self.string(),
            _ => {
                let (s, e) = self.take_while1(is_astring_char, "astring")?;
                Ok(IString(self.small(s, e)))
            }
        }
    }

    /// `nstring` = string / nil
    ///
    /// ```text
    /// nstring         = string / nil
    /// ```
    #[inline]
    pub(crate) fn nstring(&mut self) -> PResult<Option<IString>> {
        match self.peek() {
            Some(b'"') => self.quoted().map(Some),
            Some(b'{' | b'~') => self.literal().map(Some),
            _ if self.eat_keyword(b"NIL") => Ok(None),
            _ => self.err("string"),
        }
    }

    /// `text` up to the end of the line (possibly empty: lenient).
    ///
    /// ```text
    /// text            = 1*TEXT-CHAR
    /// ```
    pub(crate) fn text(&mut self) -> PResult<Text> {
        let start = self.pos;
        let rest = self.rest();
        let n = memchr::memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
        if let Some(bad) = rest[..n].iter().position(|&b| b == 0) {
            self.pos = start + bad;
            return self.err("text character (NUL is not allowed)");
        }
        self.pos = start + n;
        Ok(Text::from_validated(self.small(start, self.pos)))
    }

    /// A parenthesised list of items, tolerating extra spaces and a space
    /// before `)`.
    pub(crate) fn paren_list<T>(&mut self, item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        self.paren_list_with_capacity(0, item)
    }

    /// [`Parser::paren_list`] with room for `capacity` items from the start.
    pub(crate) fn paren_list_with_capacity<T>(
        &mut self,
        capacity: usize,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        self.byte(b'(', "(")?;
        let mut out = Vec::with_capacity(capacity);
        loop {
            self.skip_spaces();
            if self.eat(b')') {
                return Ok(out);
            }
            if !out.is_empty() && self.buf.get(self.pos - 1) != Some(&b' ') {
                return self.err("SP or )");
            }
            out.push(item(self)?);
        }
    }

    /// One value in the generic syntax: atom-like token, number, NIL,
    /// quoted, literal, or a parenthesised list of values. A `[...]`
    /// section and `<n>` partial directly after a token are part of it.
    pub(crate) fn generic_value(&mut self) -> PResult<()> {
        match self.peek() {
            Some(b'(') => {
                self.descend()?;
                self.pos += 1;
                let mut first = true;
                loop {
                    self.skip_spaces();
                    if self.eat(b')') {
                        break;
                    }
                    if !first && self.buf.get(self.pos - 1) != Some(&b' ') {
                        return self.err("SP or )");
                    }
                    first = false;
                    self.generic_value()?;
                }
                self.ascend();
                Ok(())
            }
            Some(b'"') => self.quoted().map(drop),
            Some(b'{') => self.literal().map(drop),
            Some(b'~') if self.peek_at(1) == Some(b'{') => self.literal().map(drop),
            // A value never starts with '[': a section belongs to the token
            // before it (`BINARY[1]`), which keeps raw values unambiguous.
            Some(b'[') => self.err("value"),
            _ => {
                self.take_while1(is_generic_token_char, "value")?;
                if self.peek() == Some(b'[') {
                    self.bracketed()?;
                }
                Ok(())
            }
        }
    }

    /// `[...]` with strings inside, then an optional `<...>`.
    pub(crate) fn bracketed(&mut self) -> PResult<()> {
        self.byte(b'[', "[")?;
        loop {
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(b'"') => {
                    self.quoted()?;
                }
                Some(b'\r' | b'\n') | None => return self.err("]"),
                Some(_) => self.pos += 1,
            }
        }
        if self.eat(b'<') {
            self.take_while1(|b| b.is_ascii_digit() || b == b'.', "partial")?;
            self.byte(b'>', ">")?;
        }
        Ok(())
    }

    /// Raw arguments after `SP` to the end of the message (before the final
    /// CRLF), or empty.
    pub(crate) fn raw_rest(&mut self) -> PResult<RawArguments> {
        if self.at_eol() {
            return Ok(RawArguments::default());
        }
        self.sp()?;
        let start = self.pos;
        let end = self.buf.len() - line_ending_len(self.buf);
        if end < start {
            return self.err("CRLF");
        }
        self.pos = end;
        Ok(RawArguments(self.slice(start, end)))
    }
}

fn is_generic_token_char(b: u8) -> bool {
    !matches!(b, b' ' | b'(' | b')' | b'"' | b'{' | b'[' | b'\r' | b'\n' | 0)
}

/// Length of the run of plain quoted-string content at the start of
/// `rest`: up to the first `"`, `\`, CR, LF or NUL (or the end). Eight
/// bytes at a time: a byte-at-a-time loop spends most of its time on the
/// loop itself for the short strings that fill envelopes and body
/// structures.
#[inline]
fn quoted_run(rest: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `v` that is zero; any false positives
    // lie above a true one, so the lowest set bit is exact.
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut i = 0;
    while let Some(chunk) = rest.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let stops = zero(w ^ (ONES * b'"' as u64))
            | zero(w ^ (ONES * b'\\' as u64))
            | zero(w ^ (ONES * b'\r' as u64))
            | zero(w ^ (ONES * b'\n' as u64))
            | zero(w);
        if stops != 0 {
            return i + (stops.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let tail = rest.get(i..).unwrap_or(&[]);
    i + tail.iter().position(|&b| QUOTED_STOP[b as usize]).unwrap_or(tail.len())
}

/// Bytes that stop the scan of a quoted string's content.
const QUOTED_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[0] = true;
    t
};

/// Parses one generic value and checks nothing follows.
pub(crate) fn raw_value_from_bytes(bytes: Bytes) -> PResult<crate::RawValue> {
    let mut p = Parser::new(&bytes, crate::Limits::default().max_depth);
    let start = p.pos;
    p.generic_value()?;
    if p.pos != bytes.len() {
        return p.err("end of value");
    }
    Ok(crate::RawValue(p.slice(start, p.pos)))
}

impl RawValue {
    /// Parses one generic value, checking that `bytes` is exactly that.
    pub fn parse(bytes: impl Into<Bytes>) -> Result<RawValue, crate::ParseError> {
        raw_value_from_bytes(bytes.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_run_stops_at_the_first_special_byte() {
        for special in [b'"', b'\\', b'\r', b'\n', 0] {
            for len in 0..40 {
                for pos in 0..=len {
                    let mut text: Vec<u8> = (0..len).map(|i| b"ab\x80\xffz~ Q"[i % 8]).collect();
                    if pos < len {
                        text[pos] = special;
                        // A second special byte later must not matter.
                        if pos + 1 < len {
                            text[pos + 1] = b'"';
                        }
                    }
                    assert_eq!(quoted_run(&text), pos, "special {special} at {pos} of {len}");
                }
            }
        }
    }
}
