//! A session's view of its selected mailbox: the UIDs in sequence order as
//! the client knows them, and bringing that view up to date from the
//! store's changes at the points RFC 3501 7.4.1 allows (EXPUNGE never
//! during FETCH, STORE or SEARCH; everything at once during IDLE).

use std::collections::{BTreeSet, HashMap, HashSet};

use imap_wire::{Code, Data, Mailbox as WireMailbox, MessageAttribute, SeqNumber, SeqRange, SequenceSet};

use super::util::{compact, flag_list, mailbox_flags, no_code, nz, Refusal};
use crate::store::{Flags, Keyword, Mailbox, MailboxName, MessageMeta, StoreError, Subscription};

/// What the client enabled that changes how updates are told (RFC 7162).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Modes {
    /// CONDSTORE-aware: every untagged FETCH of flags has MODSEQ.
    pub condstore: bool,
    /// QRESYNC enabled: expunges as VANISHED, and UID in those FETCHes.
    pub qresync: bool,
    /// IMAP4rev2 enabled (RFC 9051 appendix A): mailbox names in UTF-8,
    /// SEARCH answered with ESEARCH, no RECENT, UID in every unsolicited
    /// FETCH.
    pub imap4rev2: bool,
}

impl Modes {
    /// A store name as the client reads it: UTF-8 under IMAP4rev2,
    /// modified UTF-7 before.
    pub fn wire(&self, name: &MailboxName) -> WireMailbox {
        if self.imap4rev2 {
            WireMailbox::from_wire(name.as_str().as_bytes().to_vec())
        } else {
            WireMailbox::from_utf8(name.as_str())
        }
    }

    /// A name the client sent, as text: UTF-8 under IMAP4rev2, modified
    /// UTF-7 before; anything else is NO [CANNOT].
    pub fn text(&self, name: &WireMailbox) -> Result<String, Refusal> {
        if self.imap4rev2 {
            std::str::from_utf8(name.as_bytes())
                .map(str::to_owned)
                .map_err(|_| no_code(Code::Cannot, "Invalid mailbox name: not UTF-8"))
        } else {
            name.to_utf8().map_err(|_| no_code(Code::Cannot, "Invalid mailbox name: not modified UTF-7"))
        }
    }

    /// The attributes of an untagged FETCH telling a message's new flags.
    pub fn flag_update(&self, meta: &MessageMeta, recent: bool, uid: bool) -> Vec<MessageAttribute> {
        let mut attributes = vec![MessageAttribute::Flags(flag_list(&meta.flags, recent))];
        if uid || self.qresync || self.imap4rev2 {
            attributes.push(MessageAttribute::Uid(nz(meta.uid)));
        }
        if self.condstore {
            attributes.push(MessageAttribute::ModSeq(meta.modseq));
        }
        attributes
    }
}

/// The selected mailbox of a session.
pub(crate) struct Selected<M: Mailbox> {
    pub mailbox: M,
    pub name: MailboxName,
    pub read_only: bool,
    /// The mailbox's UIDVALIDITY.
    pub validity: u32,
    /// UIDs in sequence order.
    pub uids: Vec<u32>,
    /// The store's changes are known up to this modseq.
    pub modseq: u64,
    /// UIDs that are \Recent in this session.
    pub recent: HashSet<u32>,
    /// Messages the store expunged that the client was not told of yet
    /// (with their last flags when known).
    pub expunged: HashMap<u32, Option<Flags>>,
    /// Keywords the client was told of (FLAGS).
    pub keywords: BTreeSet<Keyword>,
    /// Flag changes this session reported itself (UID → modseq), not to be
    /// reported again.
    pub own: HashMap<u32, u64>,
    pub subscription: Subscription,
    /// Updating searches (RFC 5267 CONTEXT=SEARCH), which end with the
    /// selection.
    pub contexts: Vec<super::search::SearchContext>,
    /// The store's changes are known to the contexts up to this modseq.
    pub contexts_modseq: u64,
    /// The search result variable `$` (RFC 5182, RFC 9051 6.4.4.1): the
    /// UIDs a SEARCH RETURN (SAVE) found, ascending. Expunged messages
    /// drop out of it as they leave the view.
    pub saved: Vec<u32>,
}

/// What a sequence set names, resolved against the view; `$` names the
/// messages of `saved` (UIDs) still in the view.
pub(crate) fn resolve_set(uids: &[u32], saved: &[u32], set: &SequenceSet, by_uid: bool) -> Result<Vec<usize>, Refusal> {
    positions(uids, saved, set, by_uid, true)
}

/// [`resolve_set`]; `strict`: a sequence number past the last message is
/// BAD (FETCH, STORE, ...) rather than naming nothing (SEARCH).
fn positions(
    uids: &[u32],
    saved: &[u32],
    set: &SequenceSet,
    by_uid: bool,
    strict: bool,
) -> Result<Vec<usize>, Refusal> {
    let count = uids.len() as u32;
    let largest = if by_uid { uids.last().copied().unwrap_or(0) } else { count };
    // Each range as inclusive bounds, then merged, so that a set naming
    // `1:*` ten thousand times costs one pass.
    let mut ranges: Vec<(u32, u32)> = Vec::with_capacity(set.ranges().len());
    let mut saved_added = false;
    for range in set.ranges() {
        let value = |n: &SeqNumber| match n {
            SeqNumber::Value(v) => v.get(),
            SeqNumber::Largest => largest,
        };
        let (a, b) = match range {
            SeqRange::Single(n) => (value(n), value(n)),
            SeqRange::Range(a, b) => (value(a), value(b)),
            SeqRange::Saved if saved_added => continue,
            SeqRange::Saved => {
                // As the same kind of number as the other ranges; once,
                // however many times the set names it.
                saved_added = true;
                for uid in saved {
                    if let Ok(i) = uids.binary_search(uid) {
                        let n = if by_uid { *uid } else { i as u32 + 1 };
                        ranges.push((n, n));
                    }
                }
                continue;
            }
        };
        if strict && !by_uid {
            let beyond = |n: &SeqNumber| matches!(n, SeqNumber::Value(v) if v.get() > count);
            let star_empty = |n: &SeqNumber| matches!(n, SeqNumber::Largest) && count == 0;
            let ends: &[&SeqNumber] = match range {
                SeqRange::Single(n) => &[n],
                SeqRange::Range(a, b) => &[a, b],
                SeqRange::Saved => &[],
            };
            if ends.iter().any(|n| beyond(n) || star_empty(n)) {
                return Err(super::util::bad("Invalid messageset"));
            }
        }
        ranges.push((a.min(b), a.max(b)));
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut out = Vec::new();
    for (a, b) in merged {
        if by_uid {
            let start = uids.partition_point(|&u| u < a);
            let end = uids.partition_point(|&u| u <= b);
            out.extend(start..end);
        } else if a >= 1 {
            out.extend((a as usize - 1)..(b as usize).min(uids.len()));
        }
    }
    Ok(out)
}

impl<M: Mailbox> Selected<M> {
    /// The view positions a set names (`by_uid`: a UID set, whose numbers
    /// need not exist).
    pub fn resolve(&self, set: &SequenceSet, by_uid: bool) -> Result<Vec<usize>, Refusal> {
        resolve_set(&self.uids, &self.saved, set, by_uid)
    }

    /// The UIDs a set names now, ascending; sequence numbers past the last
    /// message name nothing (as in SEARCH).
    pub fn uids_named(&self, set: &SequenceSet, by_uid: bool) -> Vec<u32> {
        let found = positions(&self.uids, &self.saved, set, by_uid, false).unwrap_or_default();
        found.into_iter().map(|i| self.uids[i]).collect()
    }

    /// The sequence number of a UID in the view.
    pub fn seq_of(&self, uid: u32) -> Option<u32> {
        self.uids.binary_search(&uid).ok().map(|i| i as u32 + 1)
    }

    /// Asks the store what changed and builds the updates for the client:
    /// FLAGS for new keywords, EXPUNGE (only when `expunge_ok`), FETCH
    /// FLAGS for changed messages, EXISTS and RECENT for new ones.
    pub async fn sync(&mut self, expunge_ok: bool, modes: Modes) -> Result<Vec<Data>, StoreError> {
        let changes = self.mailbox.changes(self.modseq).await?;
        let mut changed = changes.changed;
        let expunged: Vec<(u32, Option<Flags>)> = match changes.expunged {
            Some(list) => list.into_iter().map(|e| (e.uid, e.last_flags)).collect(),
            None => {
                // The store forgot that far back: compare UID lists.
                let all = self.mailbox.messages().await?;
                let present: HashSet<u32> = all.iter().map(|m| m.uid).collect();
                let gone = self.uids.iter().filter(|u| !present.contains(u)).map(|&u| (u, None)).collect();
                changed = all;
                gone
            }
        };
        let mut updates = Vec::new();
        for (uid, flags) in expunged {
            if self.uids.binary_search(&uid).is_ok() {
                self.expunged.entry(uid).or_insert(flags);
            }
        }
        let new_keywords: Vec<Keyword> = changed
            .iter()
            .flat_map(|m| m.flags.keywords().iter())
            .filter(|k| !self.keywords.contains(*k))
            .cloned()
            .collect();
        if !new_keywords.is_empty() {
            self.keywords.extend(new_keywords);
            updates.push(Data::Flags(mailbox_flags(&self.keywords)));
        }
        if expunge_ok && !self.expunged.is_empty() {
            let mut vanished = Vec::new();
            // Highest first: each number is right as it arrives.
            for i in (0..self.uids.len()).rev() {
                let uid = self.uids[i];
                if self.expunged.remove(&uid).is_some() {
                    self.uids.remove(i);
                    self.recent.remove(&uid);
                    if modes.qresync {
                        vanished.push(uid);
                    } else {
                        updates.push(Data::Expunge(nz(i as u32 + 1)));
                    }
                }
            }
            self.expunged.clear();
            vanished.reverse();
            if let Some(uids) = compact(&vanished) {
                // RFC 7162 3.2.10.2: one VANISHED instead of the EXPUNGEs.
                updates.push(Data::Vanished { earlier: false, uids });
            }
        }
        let largest = self.uids.last().copied().unwrap_or(0);
        let mut arrived: Vec<&MessageMeta> = Vec::new();
        for meta in &changed {
            if meta.uid > largest {
                arrived.push(meta);
                continue;
            }
            let Ok(i) = self.uids.binary_search(&meta.uid) else { continue };
            if self.expunged.contains_key(&meta.uid) || self.own.get(&meta.uid) == Some(&meta.modseq) {
                continue;
            }
            let attributes = modes.flag_update(meta, self.recent.contains(&meta.uid), false);
            updates.push(Data::Fetch { seq: nz(i as u32 + 1), attributes });
        }
        self.own.clear();
        if !arrived.is_empty() {
            arrived.sort_by_key(|m| m.uid);
            let recent_from = if self.read_only { u32::MAX } else { self.mailbox.claim_recent().await? };
            for meta in arrived {
                self.uids.push(meta.uid);
                if meta.uid >= recent_from {
                    self.recent.insert(meta.uid);
                }
            }
            updates.push(Data::Exists(self.uids.len() as u32));
            if !modes.imap4rev2 {
                updates.push(Data::Recent(self.recent.len() as u32));
            }
        }
        self.modseq = self.modseq.max(changes.modseq);
        Ok(updates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> SequenceSet {
        s.parse().unwrap()
    }

    #[test]
    fn sets_resolve_against_the_view() {
        let uids = [3, 5, 9, 10];
        assert_eq!(resolve_set(&uids, &[], &set("2:3"), false).unwrap(), [1, 2]);
        assert_eq!(resolve_set(&uids, &[], &set("*"), false).unwrap(), [3]);
        assert!(resolve_set(&uids, &[], &set("5"), false).is_err());
        assert!(resolve_set(&[], &[], &set("*"), false).is_err());
        assert_eq!(resolve_set(&uids, &[], &set("4:9,100:*"), true).unwrap(), [1, 2, 3]);
        assert_eq!(resolve_set(&uids, &[], &set("11:*"), true).unwrap(), [3], "n:* includes the largest UID");
        assert!(resolve_set(&[], &[], &set("1:*"), true).unwrap().is_empty());
        let many = vec!["1:*"; 10_000].join(",");
        assert_eq!(resolve_set(&uids, &[], &set(&many), false).unwrap(), [0, 1, 2, 3]);
    }

    #[test]
    fn the_saved_result_resolves_as_numbers_or_uids() {
        let uids = [3, 5, 9, 10];
        // UID 4 was expunged after it was saved: it names nothing.
        let saved = [4, 5, 10];
        assert_eq!(resolve_set(&uids, &saved, &set("$"), false).unwrap(), [1, 3]);
        assert_eq!(resolve_set(&uids, &saved, &set("$"), true).unwrap(), [1, 3]);
        assert!(resolve_set(&uids, &[], &set("$"), false).unwrap().is_empty(), "nothing saved: the empty set");
        assert!(resolve_set(&[], &saved, &set("$"), false).unwrap().is_empty());
        let many = vec!["$"; 10_000].join(",");
        assert_eq!(resolve_set(&uids, &saved, &set(&many), true).unwrap(), [1, 3], "named often, expanded once");
    }
}
