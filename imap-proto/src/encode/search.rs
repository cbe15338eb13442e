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
            SearchKey::ModSeq { entry, modseq } => {
                e.raw(b"MODSEQ ");
                if let Some((name, kind)) = entry {
                    e.string(name);
                    e.sp();
                    e.raw(kind.as_bytes());
                    e.sp();
                }
                e.number(*modseq);
            }
            SearchKey::Older(n) | SearchKey::Younger(n) => {
                e.raw(if matches!(self, SearchKey::Older(_)) { b"OLDER " } else { b"YOUNGER " });
                e.number(n.get() as u64);
            }
            SearchKey::EmailId(id) | SearchKey::ThreadId(id) => {
                e.raw(if matches!(self, SearchKey::EmailId(_)) { b"EMAILID " } else { b"THREADID " });
                e.raw(id.as_str().as_bytes());
            }
            SearchKey::SavedBefore(d) | SearchKey::SavedOn(d) | SearchKey::SavedSince(d) => {
                e.raw(match self {
                    SearchKey::SavedBefore(_) => b"SAVEDBEFORE ",
                    SearchKey::SavedOn(_) => b"SAVEDON ",
                    _ => b"SAVEDSINCE ",
                });
                d.encode(e);
            }
            SearchKey::SaveDateSupported => e.raw(b"SAVEDATESUPPORTED"),
            SearchKey::Fuzzy(k) => {
                e.raw(b"FUZZY ");
                k.encode(e);
            }
            SearchKey::GmailRaw(s) => kw_str(e, b"X-GM-RAW", s),
            SearchKey::GmailLabels(s) => kw_str(e, b"X-GM-LABELS", s),
            SearchKey::GmailMessageId(n) | SearchKey::GmailThreadId(n) => {
                e.raw(if matches!(self, SearchKey::GmailMessageId(_)) { b"X-GM-MSGID " } else { b"X-GM-THRID " });
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

impl Encode for PartialRange {
    fn encode(&self, e: &mut Encoder<'_>) {
        if self.from_end {
            e.byte(b'-');
        }
        e.number(self.first.get() as u64);
        e.raw(if self.from_end { b":-" } else { b":" });
        e.number(self.last.get() as u64);
    }
}

impl Encode for SearchReturnData {
    fn encode(&self, e: &mut Encoder<'_>) {
        let positions = |e: &mut Encoder<'_>, name: &[u8], list: &[(u32, SequenceSet)]| {
            e.raw(name);
            e.paren(list, |e, (position, set)| {
                e.number(*position as u64);
                e.sp();
                set.encode(e);
            });
        };
        match self {
            SearchReturnData::Min(n) | SearchReturnData::Max(n) => {
                e.raw(if matches!(self, SearchReturnData::Min(_)) { b"MIN " } else { b"MAX " });
                e.number(n.get() as u64);
            }
            SearchReturnData::All(set) => {
                e.raw(b"ALL ");
                set.encode(e);
            }
            SearchReturnData::Count(n) => {
                e.raw(b"COUNT ");
                e.number(*n as u64);
            }
            SearchReturnData::ModSeq(n) => {
                e.raw(b"MODSEQ ");
                e.number(*n);
            }
            SearchReturnData::Partial { range, results } => {
                e.raw(b"PARTIAL (");
                range.encode(e);
                e.sp();
                match results {
                    Some(set) => set.encode(e),
                    None => e.raw(b"NIL"),
                }
                e.byte(b')');
            }
            SearchReturnData::AddTo(list) => positions(e, b"ADDTO ", list),
            SearchReturnData::RemoveFrom(list) => positions(e, b"REMOVEFROM ", list),
            SearchReturnData::Relevancy(scores) => {
                e.raw(b"RELEVANCY ");
                e.paren(scores, |e, s| e.number(*s as u64));
            }
            SearchReturnData::Other { name, value } => {
                e.raw(name.as_bytes());
                e.sp();
                e.raw(value.as_bytes());
            }
        }
    }
}

impl Encode for Thread {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.byte(b'(');
        e.join(&self.ids, |e, n| e.number(n.get() as u64));
        if !self.ids.is_empty() && !self.children.is_empty() {
            e.sp();
        }
        for child in &self.children {
            child.encode(e);
        }
        e.byte(b')');
    }
}
