//! Flags: `flag`, `flag-list`, `flag-fetch`, `flag-perm` (RFC 3501 section 9),
//! and the mailbox attributes of LIST (`mbx-list-flags`, RFC 5258, RFC 6154).

use super::{PResult, Parser};
use crate::types::core::is_atom_char;
use crate::types::*;

/// What `flag-fetch` and `flag-perm` add to `flag`.
enum FlagAny {
    Flag(Flag),
    Recent,
    AnyKeyword,
}

impl<'a> Parser<'a> {
    /// `flag`, also accepting what `flag-fetch` and `flag-perm` add; with
    /// `bracket`, a keyword may hold `]` (Gmail sends such keywords in
    /// FLAGS and FETCH FLAGS; elsewhere `]` would end a response code),
    /// and so may an extension flag (`\[test]`, CPython issue 21815).
    ///
    /// ```text
    /// flag-keyword    = atom
    /// flag-extension  = "\" atom
    /// ```
    fn any_flag_in(&mut self, bracket: bool) -> PResult<FlagAny> {
        if !bracket {
            return self.any_flag();
        }
        let backslash = self.eat(b'\\');
        if backslash && self.eat(b'*') {
            return Ok(FlagAny::AnyKeyword);
        }
        // The usual name first, with the atom scan alone; a `]` after it
        // (rare) takes the rest of the name with it.
        let (s, e) = match self.take_while1(is_atom_char, "flag keyword") {
            Ok(span) => span,
            Err(_) if self.peek() == Some(b']') => (self.pos, self.pos),
            Err(error) => return Err(error),
        };
        if self.peek() == Some(b']') {
            let rest = &self.buf[e..];
            let n = rest.iter().position(|&b| !(is_atom_char(b) || b == b']')).unwrap_or(rest.len());
            self.pos = e + n;
            let name = Atom::keyword_with_bracket(self.small(s, self.pos));
            return Ok(FlagAny::Flag(if backslash { Flag::Extension(name) } else { Flag::Keyword(name) }));
        }
        if backslash {
            return Ok(self.backslash_flag(s, e));
        }
        Ok(FlagAny::Flag(Flag::Keyword(Atom::from_validated(self.small(s, e)))))
    }

    /// A `\name` flag whose name is `buf[s..e]`.
    fn backslash_flag(&self, s: usize, e: usize) -> FlagAny {
        let name = &self.buf[s..e];
        if name.eq_ignore_ascii_case(b"Recent") {
            return FlagAny::Recent;
        }
        FlagAny::Flag(match Flag::system(name) {
            Some(flag) => flag,
            None => Flag::Extension(Atom::from_validated(self.small(s, e))),
        })
    }

    fn any_flag(&mut self) -> PResult<FlagAny> {
        if self.eat(b'\\') {
            if self.eat(b'*') {
                return Ok(FlagAny::AnyKeyword);
            }
            let (s, e) = self.take_while1(is_atom_char, "atom")?;
            return Ok(self.backslash_flag(s, e));
        }
        Ok(FlagAny::Flag(Flag::Keyword(self.atom()?)))
    }

    /// `flag`
    ///
    /// ```text
    /// flag            = "\Answered" / "\Flagged" / "\Deleted" /
    ///                   "\Seen" / "\Draft" / flag-keyword / flag-extension
    /// ```
    pub(crate) fn flag(&mut self) -> PResult<Flag> {
        let start = self.pos;
        match self.any_flag()? {
            FlagAny::Flag(f) => Ok(f),
            _ => {
                self.pos = start;
                self.err("flag (\\Recent and \\* are not allowed here)")
            }
        }
    }

    /// `flag-list`
    ///
    /// ```text
    /// flag-list       = "(" [flag *(SP flag)] ")"
    /// ```
    pub(crate) fn flag_list(&mut self) -> PResult<Vec<Flag>> {
        self.paren_list(|p| p.flag())
    }

    /// The flag list of a `* FLAGS` response. Quirks read past: `\*`
    /// (Zoho, GreenMail) and `\Recent` (Courier) are not flags a message
    /// can have, so they are left out; keywords may hold `]` (Gmail).
    pub(crate) fn response_flag_list(&mut self) -> PResult<Vec<Flag>> {
        let flags = self.paren_list(|p| p.any_flag_in(true))?;
        Ok(flags
            .into_iter()
            .filter_map(|f| match f {
                FlagAny::Flag(f) => Some(f),
                FlagAny::Recent | FlagAny::AnyKeyword => None,
            })
            .collect())
    }

    /// The flags of STORE. Quirk: `\Recent`, which some clients send but
    /// no one can set (RFC 3501 2.3.2), is left out.
    pub(crate) fn store_flag(&mut self) -> PResult<Option<Flag>> {
        let start = self.pos;
        match self.any_flag()? {
            FlagAny::Flag(f) => Ok(Some(f)),
            FlagAny::Recent => Ok(None),
            FlagAny::AnyKeyword => {
                self.pos = start;
                self.err("flag")
            }
        }
    }

    /// `"(" [flag-fetch *(SP flag-fetch)] ")"`
    ///
    /// ```text
    /// flag-fetch      = flag / "\Recent"
    /// ```
    pub(crate) fn flag_fetch_list(&mut self) -> PResult<Vec<FlagFetch>> {
        self.paren_list(|p| {
            let start = p.pos;
            match p.any_flag_in(true)? {
                FlagAny::Flag(f) => Ok(FlagFetch::Flag(f)),
                FlagAny::Recent => Ok(FlagFetch::Recent),
                FlagAny::AnyKeyword => {
                    p.pos = start;
                    p.err("flag-fetch")
                }
            }
        })
    }

    /// `"(" [flag-perm *(SP flag-perm)] ")"`
    ///
    /// ```text
    /// flag-perm       = flag / "\*"
    /// ```
    pub(crate) fn flag_perm_list(&mut self) -> PResult<Vec<FlagPerm>> {
        self.paren_list(|p| {
            let start = p.pos;
            match p.any_flag()? {
                FlagAny::Flag(f) => Ok(FlagPerm::Flag(f)),
                FlagAny::AnyKeyword => Ok(FlagPerm::AnyKeyword),
                FlagAny::Recent => {
                    p.pos = start;
                    p.err("flag-perm")
                }
            }
        })
    }
}
