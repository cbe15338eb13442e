//! The MIME structures of recently fetched messages, shared by every
//! session: a client syncing asks for ENVELOPE, BODYSTRUCTURE and sections
//! of the same messages, and other clients of the same user do too.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::mime::Structure;

/// (user, mailbox, UIDVALIDITY, UID): a message, wherever it is seen from.
pub(crate) type Key = (Arc<str>, String, u32, u32);

/// The entries and their order of arrival.
#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Key, Arc<Structure>>,
    order: VecDeque<Key>,
}

/// A bounded map of structures; the oldest entries go first.
#[derive(Debug)]
pub(crate) struct StructureCache {
    capacity: usize,
    inner: Mutex<Entries>,
}

impl StructureCache {
    pub fn new(capacity: usize) -> StructureCache {
        StructureCache { capacity, inner: Mutex::default() }
    }

    pub fn get(&self, key: &Key) -> Option<Arc<Structure>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.map.get(key).cloned()
    }

    pub fn insert(&self, key: Key, structure: Arc<Structure>) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Entries { map, order } = &mut *inner;
        if map.insert(key.clone(), structure).is_none() {
            order.push_back(key);
        }
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_entries_go_first() {
        let cache = StructureCache::new(2);
        let s = Arc::new(Structure::of(b"x", Default::default()));
        let key = |uid| (Arc::from("u"), "INBOX".to_string(), 1, uid);
        for uid in 1..=3 {
            cache.insert(key(uid), s.clone());
        }
        assert!(cache.get(&key(1)).is_none());
        assert!(cache.get(&key(2)).is_some() && cache.get(&key(3)).is_some());
    }
}
