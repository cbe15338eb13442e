//! The client's map from message sequence numbers to the UIDs the server
//! has told it, in the selected mailbox.
//!
//! A server's `* N EXISTS` is a claim, not data: the map never allocates by
//! it. It holds only the (sequence number, UID) pairs the server actually
//! sent, so its memory follows the bytes received, whatever count a broken
//! or hostile server announces (`* 4294967295 EXISTS` costs nothing).
//!
//! The pairs sit in chunks of at most [`CHUNK`] entries, sorted by
//! sequence number. An EXPUNGE renumbers every later message; instead of
//! touching each entry, the chunks after the expunged one take one more
//! lazy `shift` each, so an EXPUNGE costs O(CHUNK + number of chunks)
//! (a few thousand steps in a mailbox of a million known messages), and a
//! lookup is two binary searches.

use std::num::NonZeroU32;

/// Entries per chunk before it is split in two.
const CHUNK: usize = 1024;

/// One run of known pairs. The sequence number of an entry is its stored
/// value less `shift`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Chunk {
    shift: u32,
    entries: Vec<(u32, NonZeroU32)>,
}

impl Chunk {
    fn first_seq(&self) -> u32 {
        self.entries.first().map_or(0, |e| e.0 - self.shift)
    }

    fn last_seq(&self) -> u32 {
        self.entries.last().map_or(0, |e| e.0 - self.shift)
    }

    /// Folds the lazy shift into the entries.
    fn settle(&mut self) {
        if self.shift != 0 {
            for e in &mut self.entries {
                e.0 -= self.shift;
            }
            self.shift = 0;
        }
    }

    /// Index of the entry for `seq`, or where it would go.
    fn search(&self, seq: u32) -> Result<usize, usize> {
        // Past u32::MAX no stored number can match: every entry is lower.
        let key = u64::from(seq) + u64::from(self.shift);
        self.entries.binary_search_by_key(&key, |e| u64::from(e.0))
    }
}

/// Sequence number to UID, for the messages whose UID the server has said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SeqUidMap {
    /// The message count (EXISTS less expunges); no entry lies above it.
    exists: u32,
    /// Non-empty chunks in sequence order.
    chunks: Vec<Chunk>,
}

impl SeqUidMap {
    /// How many pairs are known (what the map's memory follows).
    pub(crate) fn known(&self) -> usize {
        self.chunks.iter().map(|c| c.entries.len()).sum()
    }

    /// The chunk that holds `seq` or would: the last one starting at or
    /// before it (or the first).
    fn chunk_for(&self, seq: u32) -> usize {
        self.chunks.partition_point(|c| c.first_seq() <= seq).saturating_sub(1)
    }

    /// The UID of message `seq`, if known.
    pub(crate) fn uid(&self, seq: u32) -> Option<NonZeroU32> {
        let chunk = self.chunks.get(self.chunk_for(seq))?;
        chunk.search(seq).ok().map(|i| chunk.entries[i].1)
    }

    /// The sequence number of the message with this UID, if known. UIDs
    /// ascend with sequence numbers (RFC 3501 2.3.1.1), which the search
    /// relies on; a server that breaks that only loses its own answers.
    pub(crate) fn seq_of_uid(&self, uid: NonZeroU32) -> Option<u32> {
        let c = self.chunks.partition_point(|c| c.entries.last().is_some_and(|e| e.1 < uid));
        let chunk = self.chunks.get(c)?;
        let i = chunk.entries.binary_search_by_key(&uid, |e| e.1).ok()?;
        Some(chunk.entries[i].0 - chunk.shift)
    }

    /// `* N EXISTS`. A count below the current one (which RFC 3501 does
    /// not allow) forgets the messages above it.
    pub(crate) fn set_exists(&mut self, n: u32) {
        if n < self.exists {
            while let Some(last) = self.chunks.last_mut() {
                if last.last_seq() <= n {
                    break;
                }
                let keep = last.search(n + 1).unwrap_or_else(|i| i);
                last.entries.truncate(keep);
                if last.entries.is_empty() {
                    self.chunks.pop();
                }
            }
        }
        self.exists = n;
    }

    /// The server said message `seq` has UID `uid`. Numbers above the
    /// message count are ignored (the server has not announced them).
    pub(crate) fn set_uid(&mut self, seq: u32, uid: NonZeroU32) {
        if seq == 0 || seq > self.exists {
            return;
        }
        // The common case, a FETCH walking the mailbox upwards: a number
        // above every known one goes at the end, in constant time.
        match self.chunks.last_mut() {
            None => {
                self.chunks.push(Chunk { shift: 0, entries: vec![(seq, uid)] });
                return;
            }
            Some(last) if seq > last.last_seq() => {
                let stored = u64::from(seq) + u64::from(last.shift);
                if last.entries.len() < 2 * CHUNK && stored <= u64::from(u32::MAX) {
                    last.entries.push((stored as u32, uid));
                } else {
                    self.chunks.push(Chunk { shift: 0, entries: vec![(seq, uid)] });
                }
                return;
            }
            Some(_) => {}
        }
        let c = self.chunk_for(seq);
        let chunk = &mut self.chunks[c];
        if u64::from(seq) + u64::from(chunk.shift) > u64::from(u32::MAX) {
            // EXISTS grew again after expunges: make room for the number.
            chunk.settle();
        }
        match chunk.search(seq) {
            Ok(i) => chunk.entries[i].1 = uid,
            Err(i) => {
                let stored = seq + chunk.shift;
                chunk.entries.insert(i, (stored, uid));
                if chunk.entries.len() > 2 * CHUNK {
                    chunk.settle();
                    let upper = chunk.entries.split_off(CHUNK);
                    self.chunks.insert(c + 1, Chunk { shift: 0, entries: upper });
                }
            }
        }
    }

    /// `* seq EXPUNGE`: the message leaves, later ones move down by one.
    pub(crate) fn expunge(&mut self, seq: u32) {
        if seq == 0 || seq > self.exists {
            return;
        }
        self.exists -= 1;
        let c = self.chunk_for(seq);
        let Some(chunk) = self.chunks.get_mut(c) else { return };
        let first_after = match chunk.search(seq) {
            Ok(i) => {
                chunk.entries.remove(i);
                i
            }
            Err(i) => i,
        };
        let mut later = c + 1;
        if chunk.first_seq() > seq {
            // The whole chunk lies above (seq is before the first chunk).
            later = c;
        } else {
            for e in &mut chunk.entries[first_after..] {
                e.0 -= 1;
            }
        }
        for chunk in &mut self.chunks[later..] {
            chunk.shift += 1;
        }
        if self.chunks.get(c).is_some_and(|ch| ch.entries.is_empty()) {
            self.chunks.remove(c);
        }
    }

    /// `* VANISHED uids` (RFC 7162 3.2.10.2): each of the `named` UIDs is
    /// a message the client was told of, and leaves. Known messages leave
    /// by UID (`gone`); the rest of the count is taken from the messages
    /// whose UID was never said, latest first. Returns how many known
    /// messages left.
    pub(crate) fn vanish(&mut self, gone: impl Fn(NonZeroU32) -> bool, named: u64) -> u64 {
        let mut entries: Vec<(u32, NonZeroU32)> = Vec::with_capacity(self.known());
        for chunk in &mut self.chunks {
            chunk.settle();
            entries.append(&mut chunk.entries);
        }
        self.chunks.clear();
        let hits = entries.iter().filter(|e| gone(e.1)).count() as u64;
        let unknown = named.saturating_sub(hits);
        // The unknown slots to remove are the `unknown` highest sequence
        // numbers without an entry: find the cut above which every
        // unknown slot goes, walking down from the top.
        let unknown_total = u64::from(self.exists).saturating_sub(entries.len() as u64);
        let removed_unknown = unknown.min(unknown_total);
        let mut need = removed_unknown;
        let mut cut = self.exists;
        let mut j = entries.len();
        while need > 0 && cut > 0 {
            if j > 0 && entries[j - 1].0 == cut {
                j -= 1;
                cut -= 1;
                continue;
            }
            let below = if j > 0 { entries[j - 1].0 } else { 0 };
            let free = u64::from(cut - below);
            if free >= need {
                cut -= need as u32;
                need = 0;
            } else {
                need -= free;
                cut = below;
            }
        }
        // Renumber: each survivor moves down by the removed slots below
        // it, known and unknown.
        let mut removed_known = 0u32;
        let mut known_above_cut = 0u32;
        let mut kept = Vec::with_capacity(entries.len());
        for (seq, uid) in entries {
            let unknown_below = if seq > cut { seq - cut - 1 - known_above_cut } else { 0 };
            if seq > cut {
                known_above_cut += 1;
            }
            if gone(uid) {
                removed_known += 1;
            } else {
                kept.push((seq - removed_known - unknown_below, uid));
            }
        }
        self.exists -= removed_known + removed_unknown as u32;
        for part in kept.chunks(CHUNK) {
            self.chunks.push(Chunk { shift: 0, entries: part.to_vec() });
        }
        u64::from(removed_known)
    }

    /// The largest UID known.
    pub(crate) fn largest_uid(&self) -> Option<NonZeroU32> {
        self.chunks.iter().flat_map(|c| c.entries.iter().map(|e| e.1)).max()
    }

    /// The message count.
    pub(crate) fn exists(&self) -> u32 {
        self.exists
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    /// The plain model: a vector with a slot per message.
    #[derive(Default)]
    struct Model(Vec<Option<NonZeroU32>>);

    impl Model {
        fn check(&self, map: &SeqUidMap) {
            assert_eq!(map.exists() as usize, self.0.len());
            for (i, u) in self.0.iter().enumerate() {
                assert_eq!(map.uid(i as u32 + 1), *u, "seq {}", i + 1);
                if let Some(u) = u {
                    assert_eq!(map.seq_of_uid(*u), Some(i as u32 + 1));
                }
            }
            assert_eq!(map.known(), self.0.iter().flatten().count());
        }
    }

    #[test]
    fn a_huge_exists_allocates_nothing() {
        let mut map = SeqUidMap::default();
        map.set_exists(u32::MAX);
        assert_eq!(map.known(), 0);
        map.set_uid(u32::MAX, uid(7));
        map.set_uid(3_000_000_000, uid(5));
        assert_eq!(map.uid(u32::MAX), Some(uid(7)));
        assert_eq!(map.seq_of_uid(uid(5)), Some(3_000_000_000));
        map.expunge(1);
        assert_eq!(map.uid(u32::MAX - 1), Some(uid(7)));
        assert_eq!(map.known(), 2);
        // The count grows back after the expunge: the top number again.
        map.set_exists(u32::MAX);
        map.set_uid(u32::MAX, uid(9));
        assert_eq!(map.uid(u32::MAX), Some(uid(9)));
        assert_eq!(map.uid(u32::MAX - 1), Some(uid(7)));
    }

    #[test]
    fn matches_a_vector_model_through_every_operation() {
        // A deterministic pseudo-random walk over the operations,
        // compared with the obvious vector after each step.
        let mut state = 0x2545_f491_u64;
        let mut next = move |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m.max(1)
        };
        for round in 0..40 {
            let mut map = SeqUidMap::default();
            let mut model = Model::default();
            let mut next_uid = 1u32;
            for _ in 0..600 {
                match next(10) {
                    0..=1 => {
                        let n = model.0.len() as u64 + next(40 + round * 30);
                        map.set_exists(n as u32);
                        model.0.resize(n as usize, None);
                    }
                    2..=5 => {
                        if model.0.is_empty() {
                            continue;
                        }
                        let seq = next(model.0.len() as u64) as usize;
                        // UIDs ascend with sequence numbers: pick one
                        // between the neighbours' when there is room.
                        let lo = model.0[..seq].iter().flatten().last().map_or(0, |u| u.get());
                        let hi = model.0[seq + 1..].iter().flatten().next().map_or(u32::MAX, |u| u.get());
                        if model.0[seq].is_some() || hi - lo < 2 {
                            continue;
                        }
                        next_uid = next_uid.max(lo + 1);
                        let u = if next_uid < hi { next_uid } else { lo + 1 };
                        next_uid = u + 1;
                        map.set_uid(seq as u32 + 1, uid(u));
                        model.0[seq] = Some(uid(u));
                    }
                    6..=7 => {
                        if model.0.is_empty() {
                            continue;
                        }
                        let seq = next(model.0.len() as u64) as usize;
                        map.expunge(seq as u32 + 1);
                        model.0.remove(seq);
                    }
                    _ => {
                        // VANISHED: some known UIDs and some unknown ones.
                        let known: Vec<NonZeroU32> = model.0.iter().flatten().copied().collect();
                        let gone: Vec<NonZeroU32> = known.iter().copied().filter(|_| next(4) == 0).collect();
                        let unknown = next(6);
                        let removed = map.vanish(|u| gone.contains(&u), gone.len() as u64 + unknown);
                        assert_eq!(removed as usize, gone.len());
                        model.0.retain(|u| !u.is_some_and(|u| gone.contains(&u)));
                        let mut left = unknown;
                        let mut i = model.0.len();
                        while left > 0 && i > 0 {
                            i -= 1;
                            if model.0[i].is_none() {
                                model.0.remove(i);
                                left -= 1;
                            }
                        }
                    }
                }
                model.check(&map);
            }
        }
    }

    #[test]
    fn chunks_split_and_expunges_stay_cheap_in_a_million_messages() {
        let mut map = SeqUidMap::default();
        map.set_exists(1_000_000);
        for seq in 1..=1_000_000 {
            map.set_uid(seq, uid(seq * 2));
        }
        assert!(map.chunks.len() >= 1_000_000 / (2 * CHUNK));
        // Ten thousand expunges from the front, where each renumbers the
        // whole mailbox.
        for _ in 0..10_000 {
            map.expunge(1);
        }
        assert_eq!(map.exists(), 990_000);
        assert_eq!(map.uid(1), Some(uid(20_002)));
        assert_eq!(map.seq_of_uid(uid(2_000_000)), Some(990_000));
    }
}
