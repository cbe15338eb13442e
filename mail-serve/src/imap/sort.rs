//! SORT (RFC 5256), with DISPLAYFROM and DISPLAYTO (RFC 5957) and the
//! ESEARCH return options of ESORT (RFC 5267). The messages are chosen as
//! SEARCH chooses them; each key compares with `i;ascii-casemap` (ASCII
//! letters folded), ties go by sequence number.

use std::cmp::Ordering;
use std::num::NonZeroU32;

use imap_wire::{
    Code, Data, ESearchResponse, IString, SearchKey, SearchReturnOption, SortCriterion, SortKey, StatusKind, Tag,
};
use mail_codec::ImapServer;
use mail_parser::{Address, MessageParser};

use super::content::WireReader;
use super::search::{
    check_charset, check_return_options, has_modseq_key, modseq_return, read_header, return_data, saved_result,
    saves_only,
};
use super::session::Session;
use super::util::{bad, done, nz, Outcome};
use crate::store::{Mailbox, MessageMeta, Store, StoreError};

/// What a message is sorted by.
#[derive(Debug, Default)]
struct SortFacts {
    seq: u32,
    uid: u32,
    modseq: u64,
    arrival: i64,
    size: u64,
    /// The Date header in UTC seconds, else the arrival.
    date: i64,
    from: String,
    to: String,
    cc: String,
    display_from: String,
    display_to: String,
    subject: String,
    /// The subject had a reply or forward marker (RFC 5256 5.A).
    reply: bool,
    message_id: Option<String>,
    /// References, else the first In-Reply-To id.
    references: Vec<String>,
}

impl<S: Store> Session<S> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn sort(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        return_options: Option<Vec<SearchReturnOption>>,
        criteria: &[SortCriterion],
        charset: &IString,
        search: &[SearchKey],
    ) -> Outcome {
        if let Some(options) = &return_options {
            check_return_options(options)?;
        }
        let update = return_options.as_ref().is_some_and(|o| o.contains(&SearchReturnOption::Update));
        for criterion in criteria {
            use SortKey::*;
            if !matches!(criterion.key, Arrival | Cc | Date | From | Size | Subject | To | DisplayFrom | DisplayTo) {
                return Err(bad("Unsupported sort key"));
            }
        }
        check_charset(charset)?;
        let headers = criteria.iter().any(|c| !matches!(c.key, SortKey::Arrival | SortKey::Size));
        let mut facts = self.sort_facts(search, headers).await?;
        facts.sort_by(|a, b| compare(a, b, criteria));
        let ids: Vec<NonZeroU32> = facts.iter().map(|f| nz(if uid { f.uid } else { f.seq })).collect();
        let with_modseq = has_modseq_key(search);
        let modseqs: Vec<u64> = facts.iter().map(|f| f.modseq).collect();
        let data = match return_options {
            None => Data::Sort { ids, modseq: modseqs.iter().copied().max().filter(|_| with_modseq) },
            Some(options) => {
                if options.contains(&SearchReturnOption::Save) {
                    let uids: Vec<u32> = facts.iter().map(|f| f.uid).collect();
                    if let Some(selected) = self.selected.as_mut() {
                        selected.saved = saved_result(&uids, &options);
                    }
                    if saves_only(&options) {
                        return done("Sort completed, result saved.");
                    }
                }
                let mut data = return_data(&ids, &options);
                if with_modseq {
                    data.extend(modseq_return(&modseqs, &options));
                }
                Data::ESearch(ESearchResponse { tag: Some(IString::from(tag.as_str())), uid, data })
            }
        };
        imap.machine_mut().respond(tag, data)?;
        if update {
            // RFC 5267 4.3.1: sorted contexts may be refused; the results
            // above stand.
            let text = "Sorted search contexts are not kept";
            imap.machine_mut().respond_status(tag, StatusKind::No, Some(Code::NoUpdate(tag.clone())), text)?;
            return done("Sort completed, will not notify.");
        }
        done("Sort completed.")
    }

    /// THREAD (RFC 5256) with ORDEREDSUBJECT: messages grouped by base
    /// subject; in each group the earliest sent is the parent of the
    /// others, in date order; groups in the order of their first message.
    pub(crate) async fn thread(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        algorithm: &imap_wire::Atom,
        charset: &IString,
        search: &[SearchKey],
    ) -> Outcome {
        let refs = algorithm.as_str().eq_ignore_ascii_case("REFS");
        let references = refs || algorithm.as_str().eq_ignore_ascii_case("REFERENCES");
        if !references && !algorithm.as_str().eq_ignore_ascii_case("ORDEREDSUBJECT") {
            return Err(bad("Unsupported threading algorithm"));
        }
        check_charset(charset)?;
        let mut facts = self.sort_facts(search, true).await?;
        if references {
            let input: Vec<super::thread::ThreadInput> = facts
                .into_iter()
                .map(|f| super::thread::ThreadInput {
                    id: if uid { f.uid } else { f.seq },
                    seq: f.seq,
                    date: f.date,
                    message_id: f.message_id,
                    references: f.references,
                    base_subject: f.subject,
                    is_reply: f.reply,
                })
                .collect();
            let threads = if refs { super::thread::refs(&input) } else { super::thread::references(&input) };
            imap.machine_mut().respond(tag, Data::Thread(threads))?;
            return done("Thread completed.");
        }
        let by = [
            SortCriterion { reverse: false, key: SortKey::Subject },
            SortCriterion { reverse: false, key: SortKey::Date },
        ];
        facts.sort_by(|a, b| compare(a, b, &by));
        let id = |f: &SortFacts| nz(if uid { f.uid } else { f.seq });
        let mut groups: Vec<&[SortFacts]> = Vec::new();
        let mut start = 0;
        for i in 1..=facts.len() {
            if i == facts.len() || casemap(&facts[i].subject, &facts[start].subject) != Ordering::Equal {
                groups.push(&facts[start..i]);
                start = i;
            }
        }
        groups.sort_by(|a, b| a[0].date.cmp(&b[0].date).then(a[0].seq.cmp(&b[0].seq)));
        let threads = groups
            .into_iter()
            .map(|group| match group {
                [root, only] => imap_wire::Thread { ids: vec![id(root), id(only)], children: Vec::new() },
                [root, rest @ ..] => imap_wire::Thread {
                    ids: vec![id(root)],
                    children: rest
                        .iter()
                        .map(|f| imap_wire::Thread { ids: vec![id(f)], children: Vec::new() })
                        .collect(),
                },
                [] => imap_wire::Thread { ids: Vec::new(), children: Vec::new() },
            })
            .filter(|t| !t.ids.is_empty())
            .collect();
        imap.machine_mut().respond(tag, Data::Thread(threads))?;
        done("Thread completed.")
    }

    /// The sort keys of the messages matching `search` (header keys only
    /// when `headers`).
    async fn sort_facts(&self, search: &[SearchKey], headers: bool) -> Result<Vec<SortFacts>, super::util::Refusal> {
        let matched = self.matching(search).await?;
        let mut facts = Vec::with_capacity(matched.len());
        for (n, (seq, meta)) in matched.into_iter().enumerate() {
            if headers && n % 256 == 255 {
                // Other sessions run between batches of a long sort.
                tokio::task::yield_now().await;
            }
            let mut f = SortFacts {
                seq,
                uid: meta.uid,
                modseq: meta.modseq,
                arrival: meta.internal_date,
                size: meta.size,
                date: meta.internal_date,
                ..SortFacts::default()
            };
            if headers {
                match self.header_of(&meta).await {
                    Ok(header) => fill_from_header(&mut f, &header),
                    // Expunged by another session meanwhile: sorted by
                    // what is left (empty keys).
                    Err(StoreError::NoSuchMessage) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            facts.push(f);
        }
        Ok(facts)
    }

    async fn header_of(&self, meta: &MessageMeta) -> Result<Vec<u8>, StoreError> {
        let selected = self.selected.as_ref().ok_or(StoreError::NoSuchMessage)?;
        let structure = self.structure(&selected.mailbox, selected.validity, meta).await?;
        let content = selected.mailbox.open(meta.uid).await?;
        let mut reader = WireReader::new(content, meta.size);
        read_header(&structure, &mut reader).await
    }
}

fn fill_from_header(f: &mut SortFacts, header: &[u8]) {
    let Some(message) = MessageParser::new().parse_headers(header) else { return };
    if let Some(date) = message.date() {
        f.date = date.to_timestamp();
    }
    f.from = mailbox_of(message.from());
    f.to = mailbox_of(message.to());
    f.cc = mailbox_of(message.cc());
    f.display_from = display_of(message.from());
    f.display_to = display_of(message.to());
    (f.subject, f.reply) = base_subject_and_reply(message.subject().unwrap_or(""));
    f.message_id = message.message_id().map(str::to_string);
    let ids = |v: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        v.as_text_list().map(|l| l.iter().map(|s| s.to_string()).collect()).unwrap_or_default()
    };
    f.references = ids(message.references());
    if f.references.is_empty() {
        f.references = ids(message.in_reply_to()).into_iter().take(1).collect();
    }
}

/// The first address of a list: (display name, address), a group's name
/// standing for the group (as IMAP's envelope starts a group).
fn first(address: Option<&Address<'_>>) -> Option<(Option<String>, Option<String>)> {
    // A bare word without `@` ("To: d") is the mailbox, as in IMAP's
    // envelope, not a display name.
    let pair = |a: &mail_parser::Addr<'_>| match (a.name(), a.address()) {
        (name, Some(address)) => (name.map(str::to_string), Some(address.to_string())),
        (Some(word), None) => (None, Some(word.to_string())),
        (None, None) => (None, None),
    };
    match address? {
        Address::List(list) => list.first().map(pair),
        Address::Group(groups) => {
            let group = groups.first()?;
            match &group.name {
                Some(name) => Some((Some(name.to_string()), Some(name.to_string()))),
                None => group.addresses.first().map(pair),
            }
        }
    }
}

/// RFC 5256 FROM/TO/CC: the first address's mailbox (local part).
fn mailbox_of(address: Option<&Address<'_>>) -> String {
    let Some((_, Some(address))) = first(address) else { return String::new() };
    match address.rsplit_once('@') {
        Some((local, _)) => local.to_string(),
        None => address,
    }
}

/// RFC 5957 DISPLAYFROM/DISPLAYTO: the first address's display name
/// (decoded), else its address.
fn display_of(address: Option<&Address<'_>>) -> String {
    match first(address) {
        Some((Some(name), _)) if !name.trim().is_empty() => name.trim().to_string(),
        Some((_, Some(address))) => address,
        _ => String::new(),
    }
}

fn compare(a: &SortFacts, b: &SortFacts, criteria: &[SortCriterion]) -> Ordering {
    for criterion in criteria {
        let order = match criterion.key {
            SortKey::Arrival => a.arrival.cmp(&b.arrival),
            SortKey::Size => a.size.cmp(&b.size),
            SortKey::Date => a.date.cmp(&b.date),
            SortKey::From => casemap(&a.from, &b.from),
            SortKey::To => casemap(&a.to, &b.to),
            SortKey::Cc => casemap(&a.cc, &b.cc),
            SortKey::DisplayFrom => casemap(&a.display_from, &b.display_from),
            SortKey::DisplayTo => casemap(&a.display_to, &b.display_to),
            SortKey::Subject => casemap(&a.subject, &b.subject),
            _ => Ordering::Equal,
        };
        let order = if criterion.reverse { order.reverse() } else { order };
        if order != Ordering::Equal {
            return order;
        }
    }
    // Exact ties keep the mailbox's order, REVERSE or not (RFC 5256 3).
    a.seq.cmp(&b.seq)
}

/// The `i;ascii-casemap` comparator (RFC 4790): octets compared with
/// ASCII letters upper-cased.
fn casemap(a: &str, b: &str) -> Ordering {
    a.bytes().map(|c| c.to_ascii_uppercase()).cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
}

/// RFC 5256 2.1's base subject of a (decoded) subject: reply and forward
/// markers, `[blob]`s before them and `(fwd)` trailers removed, white
/// space collapsed.
#[cfg(test)]
fn base_subject(subject: &str) -> String {
    base_subject_and_reply(subject).0
}

/// [`base_subject`], and whether a reply or forward marker was taken off
/// (`Re:`, `Fwd:`, `(fwd)`, `[fwd: ...]`).
fn base_subject_and_reply(subject: &str) -> (String, bool) {
    let mut reply = false;
    // (1) Tabs and line breaks are spaces; runs of spaces are one.
    let mut s = String::with_capacity(subject.len());
    for c in subject.chars() {
        let c = if matches!(c, '\t' | '\r' | '\n') { ' ' } else { c };
        if !(c == ' ' && s.ends_with(' ')) {
            s.push(c);
        }
    }
    loop {
        // (2) Trailers: "(fwd)" and white space, repeatedly.
        loop {
            let trimmed = s.trim_end_matches(' ');
            if trimmed.len() != s.len() {
                s.truncate(trimmed.len());
                continue;
            }
            if s.len() >= 5 && s.is_char_boundary(s.len() - 5) && s[s.len() - 5..].eq_ignore_ascii_case("(fwd)") {
                s.truncate(s.len() - 5);
                reply = true;
                continue;
            }
            break;
        }
        // (3) to (5): leaders ("Re:", "Fwd: ", "[blob] Re:", white
        // space) and a leading blob that does not leave nothing.
        loop {
            if let Some(rest) = strip_leader(&s) {
                reply |= !s.starts_with(' ');
                s = rest.to_string();
                continue;
            }
            if let Some(rest) = strip_blob(&s) {
                if !rest.is_empty() {
                    s = rest.to_string();
                    continue;
                }
            }
            break;
        }
        // (6) "[fwd: ...]" around it all: unwrap and start over.
        if s.len() >= 6 && s.is_char_boundary(5) && s[..5].eq_ignore_ascii_case("[fwd:") && s.ends_with(']') {
            s = s[5..s.len() - 1].to_string();
            reply = true;
            continue;
        }
        return (s, reply);
    }
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP` at the start: the rest.
fn strip_blob(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('[')?;
    let end = rest.find([']', '['])?;
    if rest.as_bytes()[end] != b']' {
        return None;
    }
    Some(rest[end + 1..].trim_start_matches(' '))
}

/// `subj-leader = (*subj-blob subj-refwd) / WSP` at the start, where
/// `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"`: the rest.
fn strip_leader(s: &str) -> Option<&str> {
    if let Some(rest) = s.strip_prefix(' ') {
        return Some(rest);
    }
    let mut rest = s;
    while let Some(after) = strip_blob(rest) {
        rest = after;
    }
    let lower = |n: usize| rest.get(..n).map(str::to_ascii_lowercase);
    let word = if lower(3).as_deref() == Some("fwd") {
        3
    } else if matches!(lower(2).as_deref(), Some("re" | "fw")) {
        2
    } else {
        return None;
    };
    let mut after = rest[word..].trim_start_matches(' ');
    if let Some(blob) = strip_blob(after) {
        after = blob;
    }
    after.strip_prefix(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_subjects_as_rfc_5256_defines_them() {
        for (subject, base) in [
            ("a", "a"),
            ("Re: hello", "hello"),
            ("RE: Re: re:hello", "hello"),
            ("[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)", "b"),
            ("b (a)", "b (a)"),
            ("Re: [FWD: c]", "c"),
            ("[xyz]", "[xyz]"),
            ("[xyz] abc", "abc"),
            ("Ad: Re: Ad: Re: Ad: x", "Ad: Re: Ad: Re: Ad: x"),
            ("re: [fwd: [fwd: re: [fwd: babylon]]]", "babylon"),
            (" ", ""),
            ("Fwd:\tsome\t\tthing  ", "some thing"),
            ("Re [list]: x", "x"),
            ("Réponse: café", "Réponse: café"),
            ("[fwd: ]", ""),
        ] {
            assert_eq!(base_subject(subject), base, "{subject:?}");
        }
    }

    #[test]
    fn keys_come_from_the_first_address() {
        let header = b"From: =?iso-8859-1?q?foo_aar?= <e@f.g>\r\nTo: a: xx@xx.org, yy@yy.org;\r\nCc: user2@domain2.org (foo bar)\r\nDate: Fri, 22 Feb 2008 02:00:00 +0200\r\nSubject: Re: =?utf-8?q?b?=\r\n\r\n";
        let mut f = SortFacts::default();
        fill_from_header(&mut f, header);
        assert_eq!((f.from.as_str(), f.display_from.as_str()), ("e", "foo aar"));
        assert_eq!((f.to.as_str(), f.display_to.as_str()), ("a", "a"), "a group stands by its name");
        assert_eq!(f.cc, "user2");
        assert_eq!(f.date, 1_203_638_400, "in UTC");
        assert_eq!(f.subject, "b");
        let mut f = SortFacts::default();
        fill_from_header(&mut f, b"From: b@c.d\r\nTo: d\r\n\r\n");
        assert_eq!((f.display_from.as_str(), f.display_to.as_str(), f.to.as_str()), ("b@c.d", "d", "d"));
        assert_eq!(casemap("abc", "ABD"), Ordering::Less);
        assert_eq!(casemap("[", "_"), Ordering::Less);
    }
}
