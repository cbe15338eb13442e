//! SEARCH keys: `search-key` (RFC 3501 section 9; RFC 7162 MODSEQ,
//! RFC 5032 WITHIN, RFC 8474 OBJECTID, RFC 8514 SAVEDATE, RFC 6203
//! FUZZY, Gmail's X-GM-EXT-1), object ids and partial ranges.

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
    /// `objectid`, bare (RFC 8474).
    ///
    /// ```text
    /// objectid = 1*255(ALPHA / DIGIT / "_" / "-")
    /// ```
    pub(crate) fn object_id(&mut self) -> PResult<ObjectId> {
        let start = self.pos;
        let (s, e) = self.take_while1(ObjectId::is_char, "object id")?;
        match std::str::from_utf8(&self.buf[s..e]).ok().and_then(|t| ObjectId::try_from(t).ok()) {
            Some(id) => Ok(id),
            None => {
                self.pos = start;
                self.err("object id of at most 255 characters")
            }
        }
    }

    /// `partial-range` (RFC 9394; RFC 5267 has the first form only).
    ///
    /// ```text
    /// partial-range       = partial-range-first / partial-range-last
    /// partial-range-first = nz-number ":" nz-number
    /// partial-range-last  = MINUS nz-number ":" MINUS nz-number
    /// ```
    pub(crate) fn partial_range(&mut self) -> PResult<PartialRange> {
        let from_end = self.eat(b'-');
        let first = self.nz_number()?;
        self.byte(b':', ": in partial range")?;
        if from_end {
            self.byte(b'-', "- in partial range")?;
        }
        Ok(PartialRange { from_end, first, last: self.nz_number()? })
    }

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
            Some(b'0'..=b'9' | b'*' | b'$') => return Ok(SearchKey::SequenceSet(self.sequence_set()?)),
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
            // "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
            self.sp()?;
            let mut entry = None;
            if matches!(self.peek(), Some(b'"' | b'{' | b'~')) {
                let name = self.string()?;
                self.sp()?;
                entry = Some((name, self.atom()?));
                self.sp()?;
            }
            SearchKey::ModSeq { entry, modseq: self.number64()? }
        } else if is(b"OLDER") || is(b"YOUNGER") {
            self.sp()?;
            let n = self.nz_number()?;
            if is(b"OLDER") {
                SearchKey::Older(n)
            } else {
                SearchKey::Younger(n)
            }
        } else if is(b"EMAILID") {
            self.sp()?;
            SearchKey::EmailId(self.object_id()?)
        } else if is(b"THREADID") {
            self.sp()?;
            SearchKey::ThreadId(self.object_id()?)
        } else if is(b"SAVEDBEFORE") {
            self.sp()?;
            SearchKey::SavedBefore(self.search_date()?)
        } else if is(b"SAVEDON") {
            self.sp()?;
            SearchKey::SavedOn(self.search_date()?)
        } else if is(b"SAVEDSINCE") {
            self.sp()?;
            SearchKey::SavedSince(self.search_date()?)
        } else if is(b"SAVEDATESUPPORTED") {
            SearchKey::SaveDateSupported
        } else if is(b"FUZZY") {
            self.sp()?;
            SearchKey::Fuzzy(Box::new(self.search_key()?))
        } else if is(b"X-GM-RAW") {
            self.sp()?;
            SearchKey::GmailRaw(self.astring()?)
        } else if is(b"X-GM-MSGID") {
            self.sp()?;
            SearchKey::GmailMessageId(self.number64()?)
        } else if is(b"X-GM-THRID") {
            self.sp()?;
            SearchKey::GmailThreadId(self.number64()?)
        } else if is(b"X-GM-LABELS") {
            self.sp()?;
            SearchKey::GmailLabels(self.astring()?)
        } else {
            self.pos = start;
            return self.err("search key");
        })
    }
}
