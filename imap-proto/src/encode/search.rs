//! SEARCH keys: `search-key` (RFC 3501 section 9; RFC 7162 MODSEQ).

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for SearchKey {
    fn encode(&self, e: &mut Encoder<'_>) {
        let kw_str = |e: &mut Encoder<'_>, kw: &[u8], s: &IString| {
            e.raw(kw);
            e.sp();
            e.astring(s);
        };
        match self {
            SearchKey::All => e.raw(b"ALL"),
            SearchKey::Answered => e.raw(b"ANSWERED"),
            SearchKey::Deleted => e.raw(b"DELETED"),
            SearchKey::Draft => e.raw(b"DRAFT"),
            SearchKey::Flagged => e.raw(b"FLAGGED"),
            SearchKey::New => e.raw(b"NEW"),
            SearchKey::Old => e.raw(b"OLD"),
            SearchKey::Recent => e.raw(b"RECENT"),
            SearchKey::Seen => e.raw(b"SEEN"),
            SearchKey::Unanswered => e.raw(b"UNANSWERED"),
            SearchKey::Undeleted => e.raw(b"UNDELETED"),
            SearchKey::Undraft => e.raw(b"UNDRAFT"),
            SearchKey::Unflagged => e.raw(b"UNFLAGGED"),
            SearchKey::Unseen => e.raw(b"UNSEEN"),
            SearchKey::Bcc(s) => kw_str(e, b"BCC", s),
            SearchKey::Body(s) => kw_str(e, b"BODY", s),
            SearchKey::Cc(s) => kw_str(e, b"CC", s),
            SearchKey::From(s) => kw_str(e, b"FROM", s),
            SearchKey::Subject(s) => kw_str(e, b"SUBJECT", s),
            SearchKey::Text(s) => kw_str(e, b"TEXT", s),
            SearchKey::To(s) => kw_str(e, b"TO", s),
            SearchKey::Header(f, v) => {
                kw_str(e, b"HEADER", f);
                e.sp();
                e.astring(v);
            }
            SearchKey::Before(d)
            | SearchKey::On(d)
            | SearchKey::Since(d)
            | SearchKey::SentBefore(d)
            | SearchKey::SentOn(d)
            | SearchKey::SentSince(d) => {
                e.raw(match self {
                    SearchKey::Before(_) => b"BEFORE",
                    SearchKey::On(_) => b"ON",
                    SearchKey::Since(_) => b"SINCE",
                    SearchKey::SentBefore(_) => b"SENTBEFORE",
                    SearchKey::SentOn(_) => b"SENTON",
                    _ => b"SENTSINCE",
                });
                e.sp();
                d.encode(e);
            }
            SearchKey::Keyword(a) | SearchKey::Unkeyword(a) => {
                e.raw(if matches!(self, SearchKey::Keyword(_)) { b"KEYWORD " } else { b"UNKEYWORD " });
                e.raw(a.as_bytes());
            }
            SearchKey::Larger(n) | SearchKey::Smaller(n) => {
                e.raw(if matches!(self, SearchKey::Larger(_)) { b"LARGER " } else { b"SMALLER " });
                e.number(*n as u64);
            }
            SearchKey::ModSeq(n) => {
                e.raw(b"MODSEQ ");
                e.number(*n);
            }
            SearchKey::Not(k) => {
                e.raw(b"NOT ");
                k.encode(e);
            }
            SearchKey::Or(a, b) => {
                e.raw(b"OR ");
                a.encode(e);
                e.sp();
                b.encode(e);
            }
            SearchKey::Uid(s) => {
                e.raw(b"UID ");
                s.encode(e);
            }
            SearchKey::SequenceSet(s) => s.encode(e),
            SearchKey::And(keys) if keys.is_empty() => e.raw(b"ALL"),
            SearchKey::And(keys) => e.paren(keys, |e, k| k.encode(e)),
        }
    }
}
