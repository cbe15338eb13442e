//! SEARCH (RFC 3501 6.4.4, with ESEARCH's RETURN of RFC 4731 and WITHIN's
//! OLDER/YOUNGER of RFC 5032). Each message is read at most once per
//! command, however many keys need its content: the header fields are
//! parsed once, and one pass over its text parts (decoded, converted to
//! UTF-8) looks for every BODY and TEXT string at the same time.

use imap_wire::{
    Code, Data, ESearchResponse, IString, SearchKey, SearchReturnData, SearchReturnOption, SeqNumber, SeqRange,
    SequenceSet, StatusKind, Tag,
};
use mail_codec::ImapServer;
use mail_parser::{HeaderValue, MessageParser};

use super::content::{Encoding, Producer, Source, WireReader};
use super::session::{MailboxOf, Session};
use super::util::{bad, compact, day_number, days_from_civil, done, now_unix, nz, Outcome, Refusal};
use crate::mime::{Kind, Structure};
use crate::store::{Keyword, Mailbox, MessageMeta, Store, StoreError, SystemFlags};

/// The most of a header searched (a longer one is searched up to here).
const MAX_SEARCH_HEADER: u64 = 1 << 20;

/// Messages whose metadata is asked for at once.
const META_BATCH: usize = 1024;

/// What a message's content says about the search's strings.
#[derive(Default)]
struct ContentFacts {
    /// Header field values (lower-case name, raw unfolded and decoded).
    headers: Vec<(String, String)>,
    /// The Date header's day number.
    sent_day: Option<i64>,
    /// For each BODY/TEXT string: found in the body.
    in_body: Vec<bool>,
    /// For each BODY/TEXT string: found in the header text.
    in_header: Vec<bool>,
}

fn lower(s: &IString) -> String {
    String::from_utf8_lossy(s).to_lowercase()
}

/// Every key of `keys` and every key inside them (NOT, OR, parentheses),
/// read from a stack, not by recursion: the nesting is the client's.
fn keys_within(keys: &[SearchKey]) -> impl Iterator<Item = &SearchKey> {
    let mut stack: Vec<&SearchKey> = keys.iter().collect();
    std::iter::from_fn(move || {
        let key = stack.pop()?;
        match key {
            SearchKey::Not(k) | SearchKey::Fuzzy(k) => stack.push(k),
            SearchKey::Or(a, b) => stack.extend([&**a, &**b]),
            SearchKey::And(inner) => stack.extend(inner.iter()),
            _ => {}
        }
        Some(key)
    })
}

/// Calls `f` on every sequence-set and UID key in `key`, which it may
/// replace; stops at the first `None`. A stack, not recursion.
fn rewrite_set_keys(key: &mut SearchKey, mut f: impl FnMut(&mut SearchKey) -> Option<()>) -> Option<()> {
    let mut stack = vec![key];
    while let Some(k) = stack.pop() {
        match k {
            SearchKey::SequenceSet(_) | SearchKey::Uid(_) => f(k)?,
            SearchKey::Not(inner) | SearchKey::Fuzzy(inner) => stack.push(inner),
            SearchKey::Or(a, b) => {
                stack.push(a);
                stack.push(b);
            }
            SearchKey::And(inner) => stack.extend(inner.iter_mut()),
            _ => {}
        }
    }
    Some(())
}

/// Every BODY and TEXT string of a key (each once).
fn collect_strings(key: &SearchKey, out: &mut Vec<String>) {
    for k in keys_within(std::slice::from_ref(key)) {
        if let SearchKey::Body(s) | SearchKey::Text(s) = k {
            let s = lower(s);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
}

/// Whether evaluating the key needs the message's content.
fn needs_content(key: &SearchKey) -> bool {
    use SearchKey::*;
    keys_within(std::slice::from_ref(key)).any(|k| {
        matches!(
            k,
            Bcc(_)
                | Body(_)
                | Cc(_)
                | From(_)
                | Header(..)
                | Subject(_)
                | Text(_)
                | To(_)
                | SentBefore(_)
                | SentOn(_)
                | SentSince(_)
        )
    })
}

/// The search's strings (lower case), looked for all at once.
struct Needles {
    automaton: aho_corasick::AhoCorasick,
    count: usize,
    longest: usize,
}

impl Needles {
    fn new(strings: &[String]) -> Option<Needles> {
        let automaton = aho_corasick::AhoCorasick::new(strings).ok()?;
        Some(Needles { automaton, count: strings.len(), longest: strings.iter().map(String::len).max().unwrap_or(0) })
    }
}

/// Looks for every string in text fed in pieces (lower-cased), in one pass
/// whatever their number, keeping the end of the previous piece so that a
/// string across two is found.
struct Finder<'a> {
    needles: &'a Needles,
    found: Vec<bool>,
    carry: String,
    keep: usize,
}

impl<'a> Finder<'a> {
    fn new(needles: &'a Needles) -> Finder<'a> {
        Finder { needles, found: vec![false; needles.count], carry: String::new(), keep: needles.longest }
    }

    fn feed(&mut self, text: &str) {
        let mut window = std::mem::take(&mut self.carry);
        if text.is_ascii() {
            let start = window.len();
            window.push_str(text);
            window[start..].make_ascii_lowercase();
        } else {
            window.push_str(&text.to_lowercase());
        }
        for m in self.needles.automaton.find_overlapping_iter(&window) {
            self.found[m.pattern().as_usize()] = true;
        }
        let mut cut = window.len().saturating_sub(self.keep);
        while !window.is_char_boundary(cut) {
            cut -= 1;
        }
        self.carry = window.split_off(cut);
    }

    fn done(&self) -> bool {
        self.found.iter().all(|&f| f)
    }
}

impl<S: Store> Session<S> {
    async fn content_facts(
        &self,
        mailbox: &MailboxOf<S>,
        validity: u32,
        meta: &MessageMeta,
        needles: Option<&Needles>,
    ) -> Result<ContentFacts, StoreError> {
        let structure = self.structure(mailbox, validity, meta).await?;
        let content = mailbox.open(meta.uid).await?;
        let mut reader = WireReader::new(content, meta.size);
        let raw_header = read_header(&structure, &mut reader).await?;
        let mut facts = ContentFacts { headers: header_values(&raw_header), ..ContentFacts::default() };
        facts.sent_day = MessageParser::new()
            .parse_headers(&raw_header)
            .and_then(|m| m.date().map(|d| days_from_civil(d.year.into(), d.month.into(), d.day.into())));
        if let Some(strings) = needles {
            let mut in_header = Finder::new(strings);
            in_header.feed(&String::from_utf8_lossy(&raw_header));
            facts.in_header = in_header.found;
            let mut in_body = Finder::new(strings);
            search_body(&structure, &mut reader, &mut in_body).await?;
            facts.in_body = in_body.found;
        }
        Ok(facts)
    }

    pub(crate) async fn search(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        return_options: Option<Vec<SearchReturnOption>>,
        charset: Option<IString>,
        criteria: &[SearchKey],
    ) -> Outcome {
        // IMAP4rev2 answers every SEARCH with ESEARCH, no RETURN meaning
        // RETURN (ALL) (RFC 9051 6.4.4).
        let return_options = return_options.or_else(|| self.modes.imap4rev2.then(Vec::new));
        if let Some(options) = &return_options {
            check_return_options(options)?;
        }
        if let Some(charset) = &charset {
            check_charset(charset)?;
        }
        let update = return_options.as_ref().is_some_and(|o| o.contains(&SearchReturnOption::Update));
        let context_tag = IString::from(tag.as_str());
        if update {
            let selected = self.selected.as_ref().ok_or_else(|| bad("No mailbox selected"))?;
            if selected.contexts.iter().any(|c| c.tag == context_tag) {
                // RFC 5267 4.3: a tag names one updating context.
                return Err(bad("Tag reuse: that tag already has a search context"));
            }
        }
        let found = self.matching(criteria).await?;
        let ids: Vec<_> = found.iter().map(|(seq, meta)| nz(if uid { meta.uid } else { *seq })).collect();
        let modseqs: Vec<u64> = found.iter().map(|(_, meta)| meta.modseq).collect();
        let with_modseq = has_modseq_key(criteria);
        let data = match return_options {
            None => {
                let modseq = modseqs.iter().copied().max().filter(|_| with_modseq);
                Data::Search { ids, modseq }
            }
            // RFC 4731: the numbers in order, `RETURN ()` meaning ALL.
            Some(options) => {
                if options.contains(&SearchReturnOption::Save) {
                    let uids: Vec<u32> = found.iter().map(|(_, meta)| meta.uid).collect();
                    if let Some(selected) = self.selected.as_mut() {
                        selected.saved = saved_result(&uids, &options);
                    }
                    if saves_only(&options) {
                        return done("Search completed, result saved.");
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
            let limit = self.service.config.max_search_contexts;
            let criteria = self.fixed_sequence_numbers(criteria);
            let Some(selected) = self.selected.as_mut() else { return done("Search completed.") };
            let (criteria, text) = match criteria {
                Some(_) if selected.contexts.len() >= limit => (None, "Too many search contexts"),
                Some(criteria) => (Some(criteria), ""),
                None => (None, "Those criteria are too large to keep"),
            };
            let Some(criteria) = criteria else {
                // RFC 5267 4.3.1: the results stand, the updates do not.
                imap.machine_mut().respond_status(tag, StatusKind::No, Some(Code::NoUpdate(tag.clone())), text)?;
                return done("Search completed, will not notify.");
            };
            if selected.contexts.is_empty() {
                selected.contexts_modseq = selected.modseq;
            }
            let matched = found.iter().map(|(_, meta)| meta.uid).collect();
            selected.contexts.push(SearchContext { tag: context_tag, uid, criteria, matched });
            return done("Search completed, will notify.");
        }
        done("Search completed.")
    }

    /// The criteria with every sequence set, and every `$`, made the UIDs
    /// it names now: sequence numbers in an updating search are read when
    /// the command is (RFC 5267 4.3), not as they shift later, and `$` is
    /// the result saved then. `None` when that takes more than
    /// [`MAX_CONTEXT_RANGES`] ranges (each set can become as many as the
    /// mailbox has gaps).
    fn fixed_sequence_numbers(&self, criteria: &[SearchKey]) -> Option<SearchKey> {
        let mut key = SearchKey::And(criteria.to_vec());
        let Some(selected) = self.selected.as_ref() else { return Some(key) };
        let mut budget = MAX_CONTEXT_RANGES;
        rewrite_set_keys(&mut key, |k| {
            let uids = match &*k {
                SearchKey::SequenceSet(set) => selected.uids_named(set, false),
                SearchKey::Uid(set) if set.uses_saved() => selected.uids_named(set, true),
                _ => return Some(()),
            };
            *k = match compact(&uids) {
                Some(set) => {
                    budget = budget.checked_sub(set.ranges().len())?;
                    SearchKey::Uid(set)
                }
                None => SearchKey::Not(Box::new(SearchKey::All)),
            };
            Some(())
        })?;
        Some(key)
    }

    /// Tells the updating searches (RFC 5267 4.3) what the store's
    /// changes since they last looked did to their results: the changed
    /// and new messages are searched again, no others.
    pub(crate) async fn update_contexts(&mut self, imap: &mut ImapServer) -> Result<(), mail_codec::Error> {
        let Some(selected) = self.selected.as_mut() else { return Ok(()) };
        if selected.contexts.is_empty() {
            return Ok(());
        }
        let Ok(changes) = selected.mailbox.changes(selected.contexts_modseq).await else { return Ok(()) };
        let candidates: std::collections::HashSet<u32> = changes
            .changed
            .iter()
            .map(|m| m.uid)
            .filter(|u| selected.uids.binary_search(u).is_ok() && !selected.expunged.contains_key(u))
            .collect();
        selected.contexts_modseq = selected.contexts_modseq.max(changes.modseq);
        if candidates.is_empty() {
            return Ok(());
        }
        let mut contexts = std::mem::take(&mut selected.contexts);
        for context in &mut contexts {
            let Ok(found) = self.matching_among(std::slice::from_ref(&context.criteria), Some(&candidates)).await
            else {
                continue;
            };
            let now: std::collections::BTreeSet<u32> = found.iter().map(|(_, m)| m.uid).collect();
            let removed: Vec<u32> =
                candidates.iter().copied().filter(|u| !now.contains(u) && context.matched.contains(u)).collect();
            let added: Vec<u32> = now.iter().copied().filter(|u| !context.matched.contains(u)).collect();
            for uid in &removed {
                context.matched.remove(uid);
            }
            context.matched.extend(added.iter().copied());
            let Some(selected) = self.selected.as_ref() else { break };
            let mut removed = removed;
            removed.sort_unstable();
            for (uids, adding) in [(removed, false), (added, true)] {
                if let Some(data) = context.report(&uids, adding, |u| selected.seq_of(u)) {
                    imap.machine_mut().update(data)?;
                }
            }
        }
        if let Some(selected) = self.selected.as_mut() {
            selected.contexts = contexts;
        }
        Ok(())
    }

    /// The messages of the selected mailbox matching every key, in
    /// mailbox order: (sequence number, metadata).
    pub(crate) async fn matching(&self, criteria: &[SearchKey]) -> Result<Vec<(u32, MessageMeta)>, Refusal> {
        self.matching_among(criteria, None).await
    }

    /// [`Self::matching`] among the messages with these UIDs only.
    pub(crate) async fn matching_among(
        &self,
        criteria: &[SearchKey],
        only: Option<&std::collections::HashSet<u32>>,
    ) -> Result<Vec<(u32, MessageMeta)>, Refusal> {
        let selected = self.selected.as_ref().ok_or_else(|| bad("No mailbox selected"))?;
        let mut key = SearchKey::And(criteria.to_vec());
        let count = selected.uids.len() as u32;
        let largest = selected.uids.last().copied().unwrap_or(0);
        normalize_sets(&mut key, count, largest);
        let content = needs_content(&key);
        let mut strings = Vec::new();
        collect_strings(&key, &mut strings);
        let needles = if strings.is_empty() { None } else { Needles::new(&strings) };
        let validity = selected.validity;
        let mut found = Vec::new();
        let live: Vec<(usize, u32)> = selected
            .uids
            .iter()
            .enumerate()
            .filter(|(_, u)| !selected.expunged.contains_key(u) && only.is_none_or(|only| only.contains(u)))
            .map(|(i, &u)| (i, u))
            .collect();
        for batch in live.chunks(META_BATCH) {
            let uids: Vec<u32> = batch.iter().map(|&(_, u)| u).collect();
            let metas = selected.mailbox.messages_by_uid(&uids).await.map_err(Refusal::from)?;
            let mut metas = metas.into_iter().peekable();
            for &(i, message_uid) in batch {
                let Some(meta) = metas.next_if(|m| m.uid == message_uid) else { continue };
                let facts = if content {
                    match self.content_facts(&selected.mailbox, validity, &meta, needles.as_ref()).await {
                        Ok(f) => Some(f),
                        Err(StoreError::NoSuchMessage) => continue,
                        Err(e) => return Err(e.into()),
                    }
                } else {
                    None
                };
                let ctx = Context {
                    seq: i as u32 + 1,
                    meta: &meta,
                    recent: selected.recent.contains(&meta.uid),
                    facts: facts.as_ref(),
                    strings: &strings,
                    save_dates: self.service.features.save_date,
                    saved: &selected.saved,
                };
                if ctx.matches(&key) {
                    found.push((i as u32 + 1, meta));
                }
            }
            // Other sessions run between batches of a long search.
            tokio::task::yield_now().await;
        }
        Ok(found)
    }
}

/// Every sequence set in `key` made [`normalized`]: sequence numbers with
/// `*` as `count`, UIDs with `*` as `largest_uid`.
fn normalize_sets(key: &mut SearchKey, count: u32, largest_uid: u32) {
    rewrite_set_keys(key, |k| {
        let fixed = match &*k {
            SearchKey::SequenceSet(set) => normalized(set, count),
            SearchKey::Uid(set) => normalized(set, largest_uid),
            _ => return Some(()),
        };
        match (fixed, k) {
            (Some(fixed), SearchKey::SequenceSet(set) | SearchKey::Uid(set)) => *set = fixed,
            // `*` of an empty mailbox: nothing.
            (_, k) => *k = SearchKey::Not(Box::new(SearchKey::All)),
        }
        Some(())
    });
}

/// A set as ascending, merged ranges of plain numbers (`*` made
/// `largest`), and `$` last when it has one: [`in_normalized`] then looks
/// a number up in O(log n) however many ranges a client sent, and the set
/// is never larger than the one sent. `None` when it names nothing.
pub(crate) fn normalized(set: &SequenceSet, largest: u32) -> Option<SequenceSet> {
    let value = |n: &SeqNumber| match n {
        SeqNumber::Value(v) => v.get(),
        SeqNumber::Largest => largest,
    };
    let mut ranges: Vec<(u32, u32)> = Vec::with_capacity(set.ranges().len());
    for range in set.ranges() {
        let (a, b) = match range {
            SeqRange::Single(n) => (value(n), value(n)),
            SeqRange::Range(a, b) => (value(a), value(b)),
            SeqRange::Saved => continue,
        };
        // `*` in an empty mailbox is 0, which names nothing.
        let (low, high) = (a.min(b).max(1), a.max(b));
        if high >= low {
            ranges.push((low, high));
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut out: Vec<SeqRange> = merged
        .into_iter()
        .map(|(a, b)| {
            let end = |n| SeqNumber::Value(nz(n));
            if a == b {
                SeqRange::Single(end(a))
            } else {
                SeqRange::Range(end(a), end(b))
            }
        })
        .collect();
    if set.uses_saved() {
        out.push(SeqRange::Saved);
    }
    SequenceSet::new(out).ok()
}

/// Whether `n` is in a [`normalized`] set's ranges (its `$` aside).
pub(crate) fn in_normalized(set: &SequenceSet, n: u32) -> bool {
    let ranges = set.ranges();
    let ranges = ranges.strip_suffix(&[SeqRange::Saved]).unwrap_or(ranges);
    let bounds = |r: &SeqRange| match *r {
        SeqRange::Single(SeqNumber::Value(v)) => (v.get(), v.get()),
        SeqRange::Range(SeqNumber::Value(a), SeqNumber::Value(b)) => (a.get(), b.get()),
        _ => (0, 0),
    };
    let i = ranges.partition_point(|r| bounds(r).1 < n);
    ranges.get(i).is_some_and(|r| bounds(r).0 <= n)
}

/// What a SEARCH or SORT with `RETURN (SAVE ...)` keeps as `$` (RFC 9051
/// 6.4.4.1, table 4), from its results in answer order: the MIN and/or
/// MAX message when those are all it asks for, else every result.
pub(crate) fn saved_result(uids: &[u32], options: &[SearchReturnOption]) -> Vec<u32> {
    use SearchReturnOption as R;
    let whole = options.iter().any(|o| !matches!(o, R::Save | R::Min | R::Max | R::Update | R::Context));
    let (min, max) = (options.contains(&R::Min), options.contains(&R::Max));
    let mut saved: Vec<u32> = if whole || !(min || max) {
        uids.to_vec()
    } else {
        let first = uids.first().filter(|_| min);
        let last = uids.last().filter(|_| max);
        first.into_iter().chain(last).copied().collect()
    };
    saved.sort_unstable();
    saved.dedup();
    saved
}

/// Whether `RETURN (SAVE)` asks for nothing but saving: no ESEARCH is
/// sent then (RFC 9051 6.4.4).
pub(crate) fn saves_only(options: &[SearchReturnOption]) -> bool {
    use SearchReturnOption as R;
    options.contains(&R::Save) && options.iter().all(|o| matches!(o, R::Save | R::Context))
}

/// How many ranges the sequence sets of one updating search may become
/// when they are fixed as UIDs (about 12 bytes each).
pub(crate) const MAX_CONTEXT_RANGES: usize = 1 << 16;

/// SEARCH and SORT take UTF-8 and US-ASCII (a subset) only.
pub(crate) fn check_charset(charset: &IString) -> Result<(), Refusal> {
    if charset.eq_ignore_case("UTF-8") || charset.eq_ignore_case("US-ASCII") {
        return Ok(());
    }
    Err(Refusal {
        kind: imap_wire::StatusKind::No,
        code: Some(Code::BadCharset(vec![IString::from("UTF-8"), IString::from("US-ASCII")])),
        text: "Unsupported charset".into(),
    })
}

/// ESEARCH return data (RFC 4731, and RFC 5267 for SORT) of `ids` in
/// their order: MIN and MAX are the first and the last, ALL keeps the
/// order (`RETURN ()` means ALL).
pub(crate) fn return_data(ids: &[std::num::NonZeroU32], options: &[SearchReturnOption]) -> Vec<SearchReturnData> {
    use SearchReturnOption as R;
    let all = [R::All];
    let asked: Vec<&SearchReturnOption> =
        options.iter().filter(|o| !matches!(o, R::Update | R::Context | R::Save)).collect();
    // `RETURN ()` means ALL; UPDATE alone asks for no results now (RFC
    // 5267 4.3: it has no interaction with the other options), nor does
    // SAVE alone (RFC 9051 6.4.4).
    let quiet = options.contains(&R::Update) || options.contains(&R::Save);
    let options: Vec<&SearchReturnOption> = match (asked.is_empty(), quiet) {
        (true, false) => all.iter().collect(),
        _ => asked,
    };
    let mut data = Vec::new();
    for option in options {
        data.push(match option {
            R::Partial(range) => partial(ids, *range),
            R::Count => SearchReturnData::Count(ids.len() as u32),
            R::Min => match ids.first() {
                Some(&n) => SearchReturnData::Min(n),
                None => continue,
            },
            R::Max => match ids.last() {
                Some(&n) => SearchReturnData::Max(n),
                None => continue,
            },
            _ => match compact(&ids.iter().map(|n| n.get()).collect::<Vec<_>>()) {
                Some(set) => SearchReturnData::All(set),
                None => continue,
            },
        });
    }
    data
}

/// The `PARTIAL` return data (RFC 9394 / RFC 5267 4.4): the results at
/// positions `first..=last` (1 is the first result, or with `from_end` the
/// last), with the range as asked (lower end first).
fn partial(ids: &[std::num::NonZeroU32], range: imap_wire::PartialRange) -> SearchReturnData {
    let (low, high) = (range.first.min(range.last), range.first.max(range.last));
    let count = ids.len();
    let (low_index, high_index) = (low.get() as usize - 1, high.get() as usize - 1);
    let window: &[std::num::NonZeroU32] = if low_index >= count {
        &[]
    } else if range.from_end {
        // -1 is the last result: positions count back from the end.
        &ids[count - 1 - high_index.min(count - 1)..=count - 1 - low_index]
    } else {
        &ids[low_index..=high_index.min(count - 1)]
    };
    let results = compact(&window.iter().map(|n| n.get()).collect::<Vec<_>>());
    SearchReturnData::Partial {
        range: imap_wire::PartialRange { from_end: range.from_end, first: low, last: high },
        results,
    }
}

/// Refuses RETURN options this server does not know, and what RFC 5267
/// 4.4 forbids: more than one of PARTIAL and ALL.
pub(crate) fn check_return_options(options: &[SearchReturnOption]) -> Result<(), Refusal> {
    use SearchReturnOption as R;
    if let Some(other) = options
        .iter()
        .find(|o| !matches!(o, R::Min | R::Max | R::All | R::Count | R::Partial(_) | R::Update | R::Context | R::Save))
    {
        return Err(bad(format!("Unsupported RETURN option {other:?}")));
    }
    if options.iter().filter(|o| matches!(o, R::All | R::Partial(_))).count() > 1 {
        return Err(bad("RETURN may hold one PARTIAL or one ALL (RFC 5267 4.4)"));
    }
    Ok(())
}

/// An updating search (RFC 5267 4.3): what the client is told about until
/// CANCELUPDATE or the mailbox is closed.
#[derive(Debug)]
pub(crate) struct SearchContext {
    /// The tag of the SEARCH, which the updates carry.
    pub tag: IString,
    /// The numbers are UIDs.
    pub uid: bool,
    /// The criteria (sequence numbers made UIDs).
    pub criteria: SearchKey,
    /// The UIDs the client knows as the result.
    pub matched: std::collections::BTreeSet<u32>,
}

impl SearchContext {
    /// `ADDTO` or `REMOVEFROM` of these UIDs (ascending), as sequence
    /// numbers through `seq_of` unless the search was by UID. Position 0:
    /// a SEARCH result is in mailbox order (RFC 5267 4.3.2).
    pub fn report(&self, uids: &[u32], adding: bool, seq_of: impl Fn(u32) -> Option<u32>) -> Option<Data> {
        let numbers: Vec<u32> = if self.uid { uids.to_vec() } else { uids.iter().filter_map(|&u| seq_of(u)).collect() };
        let set = compact(&numbers)?;
        let item =
            if adding { SearchReturnData::AddTo(vec![(0, set)]) } else { SearchReturnData::RemoveFrom(vec![(0, set)]) };
        Some(Data::ESearch(ESearchResponse { tag: Some(self.tag.clone()), uid: self.uid, data: vec![item] }))
    }
}

/// Whether search keys hold MODSEQ (RFC 7162 3.1.5): the answer then
/// tells the highest modseq of what it returns.
pub(crate) fn has_modseq_key(keys: &[SearchKey]) -> bool {
    keys_within(keys).any(|k| matches!(k, SearchKey::ModSeq { .. }))
}

/// The ESEARCH `MODSEQ` of a result whose messages have these modseqs (in
/// the result's order): the highest of the messages returned, which are
/// only the first and the last when MIN and MAX are all that is asked.
pub(crate) fn modseq_return(modseqs: &[u64], options: &[SearchReturnOption]) -> Option<SearchReturnData> {
    use SearchReturnOption as R;
    let whole = options.is_empty() || options.iter().any(|o| matches!(o, R::All | R::Count));
    let highest = if whole {
        modseqs.iter().copied().max()
    } else {
        let min = options.contains(&R::Min).then(|| modseqs.first().copied()).flatten();
        let max = options.contains(&R::Max).then(|| modseqs.last().copied()).flatten();
        min.max(max)
    };
    highest.map(SearchReturnData::ModSeq)
}

/// The message's header as sent (its first [`MAX_SEARCH_HEADER`] bytes).
pub(crate) async fn read_header<C: crate::store::Content>(
    structure: &Structure,
    reader: &mut WireReader<C>,
) -> Result<Vec<u8>, StoreError> {
    let header = structure.root().header();
    let header_end = header.end.min(header.start + MAX_SEARCH_HEADER);
    let mut raw_header = Vec::new();
    let mut producer = Producer::new(Source::Range(header.start..header_end));
    while let Some(piece) = producer.next(reader).await? {
        raw_header.extend_from_slice(&piece);
    }
    Ok(raw_header)
}

/// One pass over the text parts (decoded and in UTF-8), or over the body
/// of a message without any.
async fn search_body<C: crate::store::Content>(
    structure: &Structure,
    reader: &mut WireReader<C>,
    finder: &mut Finder<'_>,
) -> Result<(), StoreError> {
    let texts: Vec<u32> =
        (0..structure.part_count() as u32).filter(|&i| structure.part(i).kind() == Kind::Text).collect();
    let sources: Vec<(Source, Option<Vec<u8>>)> = if texts.is_empty() {
        vec![(Source::Range(structure.root().body()), None)]
    } else {
        texts
            .iter()
            .map(|&i| {
                let part = structure.part(i);
                let encoding = Encoding::of(part.fields.encoding.as_deref()).unwrap_or(Encoding::Identity);
                let charset = part.fields.param(b"charset").map(<[u8]>::to_vec);
                (Source::Decoded { body: part.body(), encoding }, charset)
            })
            .collect()
    };
    for (source, charset) in sources {
        let decode = charset.as_deref().and_then(mail_parser::decoders::charsets::map::charset_decoder);
        let mut producer = Producer::new(source);
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let piece = producer.next(reader).await?;
            let last = piece.is_none();
            pending.extend_from_slice(piece.as_deref().unwrap_or(&[]));
            // Whole lines (or a bounded piece) at a time, so that a
            // multi-byte character is not cut.
            let cut = if last || pending.len() > 256 * 1024 {
                pending.len()
            } else {
                pending.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
            };
            if cut > 0 {
                let chunk: Vec<u8> = pending.drain(..cut).collect();
                match decode {
                    Some(decode) => finder.feed(&decode(&chunk)),
                    None => finder.feed(&String::from_utf8_lossy(&chunk)),
                }
            }
            if last || finder.done() {
                break;
            }
        }
        finder.carry.clear();
        if finder.done() {
            break;
        }
    }
    Ok(())
}

/// Every header field value: unfolded as written, and decoded where
/// mail-parser understands the field (RFC 2047 words, addresses).
fn header_values(header: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in crate::mime::unfold_fields(header) {
        let name = String::from_utf8_lossy(name).to_lowercase();
        let raw = String::from_utf8_lossy(&crate::mime::unfold(value)).into_owned();
        out.push((name, raw));
    }
    if let Some(message) = MessageParser::new().parse_headers(header) {
        for h in message.headers() {
            let name = h.name.as_str().to_lowercase();
            match &h.value {
                HeaderValue::Text(text) => out.push((name, text.to_string())),
                HeaderValue::TextList(list) => out.push((name, list.join(" "))),
                HeaderValue::Address(address) => {
                    for addr in address.iter() {
                        let line = format!(
                            "{} <{}>",
                            addr.name.as_deref().unwrap_or(""),
                            addr.address.as_deref().unwrap_or("")
                        );
                        out.push((name.clone(), line));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

struct Context<'a> {
    seq: u32,
    meta: &'a MessageMeta,
    recent: bool,
    facts: Option<&'a ContentFacts>,
    strings: &'a [String],
    /// The store keeps save dates (SAVEDATESUPPORTED).
    save_dates: bool,
    /// The saved result `$` (UIDs, ascending).
    saved: &'a [u32],
}

impl Context<'_> {
    fn header(&self, name: &str, needle: &IString) -> bool {
        let Some(facts) = self.facts else { return false };
        let needle = lower(needle);
        facts.headers.iter().any(|(n, v)| n == name && v.to_lowercase().contains(&needle))
    }

    fn keyword(&self, name: &imap_wire::Atom) -> bool {
        Keyword::new(name.as_str()).is_ok_and(|k| self.meta.flags.has_keyword(&k))
    }

    fn string_found(&self, s: &IString, with_header: bool) -> bool {
        let Some(facts) = self.facts else { return false };
        let s = lower(s);
        let Some(i) = self.strings.iter().position(|x| *x == s) else { return false };
        facts.in_body.get(i).copied().unwrap_or(false)
            || (with_header && facts.in_header.get(i).copied().unwrap_or(false))
    }

    fn matches(&self, key: &SearchKey) -> bool {
        use SearchKey::*;
        let m = self.meta;
        let has = |flag: SystemFlags| m.flags.has(flag);
        let internal_day = m.internal_date.div_euclid(86400);
        let sent_day = || self.facts.and_then(|f| f.sent_day);
        let save_day = m.save_date.map(|d| d.div_euclid(86400));
        match key {
            All => true,
            Answered => has(SystemFlags::ANSWERED),
            Deleted => has(SystemFlags::DELETED),
            Draft => has(SystemFlags::DRAFT),
            Flagged => has(SystemFlags::FLAGGED),
            Seen => has(SystemFlags::SEEN),
            Unanswered => !has(SystemFlags::ANSWERED),
            Undeleted => !has(SystemFlags::DELETED),
            Undraft => !has(SystemFlags::DRAFT),
            Unflagged => !has(SystemFlags::FLAGGED),
            Unseen => !has(SystemFlags::SEEN),
            Recent => self.recent,
            New => self.recent && !has(SystemFlags::SEEN),
            Old => !self.recent,
            Keyword(k) => self.keyword(k),
            Unkeyword(k) => !self.keyword(k),
            Before(d) => internal_day < day_number(d),
            On(d) => internal_day == day_number(d),
            Since(d) => internal_day >= day_number(d),
            SentBefore(d) => sent_day().is_some_and(|s| s < day_number(d)),
            SentOn(d) => sent_day().is_some_and(|s| s == day_number(d)),
            SentSince(d) => sent_day().is_some_and(|s| s >= day_number(d)),
            // RFC 8514 4: by the day, as BEFORE, ON and SINCE; a message
            // without a save date matches none of them.
            SavedBefore(d) => save_day.is_some_and(|s| s < day_number(d)),
            SavedOn(d) => save_day.is_some_and(|s| s == day_number(d)),
            SavedSince(d) => save_day.is_some_and(|s| s >= day_number(d)),
            SaveDateSupported => self.save_dates,
            Larger(n) => m.size > u64::from(*n),
            Smaller(n) => m.size < u64::from(*n),
            Bcc(s) => self.header("bcc", s),
            Cc(s) => self.header("cc", s),
            From(s) => self.header("from", s),
            To(s) => self.header("to", s),
            Subject(s) => self.header("subject", s),
            Header(name, value) => {
                let Some(facts) = self.facts else { return false };
                let name = lower(name);
                let needle = lower(value);
                facts
                    .headers
                    .iter()
                    .any(|(n, v)| *n == name && (needle.is_empty() || v.to_lowercase().contains(&needle)))
            }
            Body(s) => self.string_found(s, false),
            Text(s) => self.string_found(s, true),
            // Sets were normalized (`matching_among`); `$` is the saved
            // result, whichever numbers the set holds.
            Uid(set) => in_normalized(set, m.uid) || (set.uses_saved() && self.saved.binary_search(&m.uid).is_ok()),
            SequenceSet(set) => {
                in_normalized(set, self.seq) || (set.uses_saved() && self.saved.binary_search(&m.uid).is_ok())
            }
            Not(k) => !self.matches(k),
            Or(a, b) => self.matches(a) || self.matches(b),
            And(keys) => keys.iter().all(|k| self.matches(k)),
            Older(seconds) => now_unix() - m.internal_date > i64::from(seconds.get()),
            Younger(seconds) => now_unix() - m.internal_date <= i64::from(seconds.get()),
            Fuzzy(k) => self.matches(k),
            ModSeq { modseq, .. } => m.modseq >= *modseq,
            // Kept by no message here: no object ids or Gmail ids.
            EmailId(_) | ThreadId(_) | GmailRaw(_) | GmailMessageId(_) | GmailThreadId(_) | GmailLabels(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_sets_answer_as_the_set_sent() {
        let cases = ["1", "3:1", "2,4:6,*", "5:*,1,1,2", "10:12,1:3,$", "7:*", "$"];
        for text in cases {
            let set: SequenceSet = text.parse().unwrap();
            for largest in [0u32, 1, 6, 20] {
                let Some(fixed) = normalized(&set, largest) else {
                    assert!((1..=largest).all(|n| !set.contains(n, largest)) && !set.uses_saved(), "{text}");
                    continue;
                };
                assert_eq!(fixed.uses_saved(), set.uses_saved(), "{text}");
                assert!(fixed.ranges().len() <= set.ranges().len(), "{text}: never larger");
                for n in 1..=25 {
                    assert_eq!(in_normalized(&fixed, n), set.contains(n, largest), "{text} {n} with * = {largest}");
                }
            }
        }
        // Ten thousand ranges become one when they overlap.
        let many: SequenceSet = vec!["1:*"; 10_000].join(",").parse().unwrap();
        assert_eq!(normalized(&many, 9).unwrap().to_string(), "1:9");
    }

    #[test]
    fn finder_sees_strings_across_pieces() {
        let strings = vec!["hello world".to_string(), "zzz".to_string(), "é".to_string(), "lo w".to_string()];
        let needles = Needles::new(&strings).unwrap();
        let mut f = Finder::new(&needles);
        f.feed("say Hel");
        f.feed("LO Wo");
        f.feed("rld É");
        assert_eq!(f.found, [true, false, true, true], "overlapping strings are all found");
    }
}
