//! SEARCH keys: `search-key` (RFC 3501 section 9; RFC 7162 MODSEQ).

use super::{PResult, Parser};
use crate::types::*;

impl<'a> Parser<'a> {
    /// `search-key`, depth-limited.
    ///
    /// ```text
    /// search-key      = "ALL" / "ANSWERED" / "BCC" SP astring /
    ///                   "BEFORE" SP date / "BODY" SP astring /
    ///                   "CC" SP astring / "DELETED" / "FLAGGED" /
    ///                   "FROM" SP astring / "KEYWORD" SP flag-keyword /
    ///                   "NEW" / "OLD" / "ON" SP date / "RECENT" / "SEEN" /
    ///                   "SINCE" SP date / "SUBJECT" SP astring /
    ///                   "TEXT" SP astring / "TO" SP astring /
    ///                   "UNANSWERED" / "UNDELETED" / "UNFLAGGED" /
    ///                   "UNKEYWORD" SP flag-keyword / "UNSEEN" /
    ///                   "DRAFT" / "HEADER" SP header-fld-name SP astring /
    ///                   "LARGER" SP number / "NOT" SP search-key /
    ///                   "OR" SP search-key SP search-key /
    ///                   "SENTBEFORE" SP date / "SENTON" SP date /
    ///                   "SENTSINCE" SP date / "SMALLER" SP number /
    ///                   "UID" SP sequence-set / "UNDRAFT" / sequence-set /
    ///                   "(" search-key *(SP search-key) ")"
    /// ```
    pub(crate) fn search_key(&mut self) -> PResult<SearchKey> {
        self.descend()?;
        let key = self.search_key_inner()?;
        self.ascend();
        Ok(key)
    }

    fn search_key_inner(&mut self) -> PResult<SearchKey> {
        match self.peek() {
            Some(b'(') => {
                let keys = self.paren_list(|p| p.search_key())?;
                if keys.is_empty() {
                    return self.err("at least one search key");
                }
                return Ok(SearchKey::And(keys));
            }
            Some(b'0'..=b'9' | b'*') => return Ok(SearchKey::SequenceSet(self.sequence_set()?)),
            _ => {}
        }
        let start = self.pos;
        let name = self.atom_bytes()?;
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        let simple = [
            (&b"ALL"[..], SearchKey::All),
            (b"ANSWERED", SearchKey::Answered),
            (b"DELETED", SearchKey::Deleted),
            (b"DRAFT", SearchKey::Draft),
            (b"FLAGGED", SearchKey::Flagged),
            (b"NEW", SearchKey::New),
            (b"OLD", SearchKey::Old),
            (b"RECENT", SearchKey::Recent),
            (b"SEEN", SearchKey::Seen),
            (b"UNANSWERED", SearchKey::Unanswered),
            (b"UNDELETED", SearchKey::Undeleted),
            (b"UNDRAFT", SearchKey::Undraft),
            (b"UNFLAGGED", SearchKey::Unflagged),
            (b"UNSEEN", SearchKey::Unseen),
        ];
        for (kw, key) in simple {
            if is(kw) {
                return Ok(key);
            }
        }
        type StrKey = fn(IString) -> SearchKey;
        let string_keys: [(&[u8], StrKey); 7] = [
            (b"BCC", SearchKey::Bcc),
            (b"BODY", SearchKey::Body),
            (b"CC", SearchKey::Cc),
            (b"FROM", SearchKey::From),
            (b"SUBJECT", SearchKey::Subject),
            (b"TEXT", SearchKey::Text),
            (b"TO", SearchKey::To),
        ];
        for (kw, make) in string_keys {
            if is(kw) {
                self.sp()?;
                return Ok(make(self.astring()?));
            }
        }
        type DateKey = fn(Date) -> SearchKey;
        let date_keys: [(&[u8], DateKey); 6] = [
            (b"BEFORE", SearchKey::Before),
            (b"ON", SearchKey::On),
            (b"SINCE", SearchKey::Since),
            (b"SENTBEFORE", SearchKey::SentBefore),
            (b"SENTON", SearchKey::SentOn),
            (b"SENTSINCE", SearchKey::SentSince),
        ];
        for (kw, make) in date_keys {
            if is(kw) {
                self.sp()?;
                return Ok(make(self.search_date()?));
            }
        }
        Ok(if is(b"KEYWORD") {
            self.sp()?;
            SearchKey::Keyword(self.atom()?)
        } else if is(b"UNKEYWORD") {
            self.sp()?;
            SearchKey::Unkeyword(self.atom()?)
        } else if is(b"HEADER") {
            self.sp()?;
            let field = self.astring()?;
            self.sp()?;
            SearchKey::Header(field, self.astring()?)
        } else if is(b"LARGER") {
            self.sp()?;
            SearchKey::Larger(self.number()?)
        } else if is(b"SMALLER") {
            self.sp()?;
            SearchKey::Smaller(self.number()?)
        } else if is(b"NOT") {
            self.sp()?;
            SearchKey::Not(Box::new(self.search_key()?))
        } else if is(b"OR") {
            self.sp()?;
            let a = self.search_key()?;
            self.sp()?;
            SearchKey::Or(Box::new(a), Box::new(self.search_key()?))
        } else if is(b"UID") {
            self.sp()?;
            SearchKey::Uid(self.sequence_set()?)
        } else if is(b"MODSEQ") {
            self.sp()?;
            SearchKey::ModSeq(self.number64()?)
        } else {
            self.pos = start;
            return self.err("search key");
        })
    }
}
