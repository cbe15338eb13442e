//! THREAD=REFERENCES (RFC 5256 3): threads from Message-ID, References
//! and In-Reply-To, then grouped by base subject; and THREAD=REFS
//! (draft-ietf-morg-inthread 3, as Dovecot offers it): the same threads
//! by references alone, never by subject, the threads in the order of
//! their latest message (a thread that got a reply comes last). Every walk is an
//! explicit loop: a mailbox whose headers chain a million replies builds
//! no deep call stack, and the tree handed to the encoder is no deeper
//! than [`MAX_DEPTH`] (deeper replies are shown as children of the
//! message at that depth).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::num::NonZeroU32;

use imap_wire::Thread;

/// The deepest nesting written in a THREAD response.
pub(crate) const MAX_DEPTH: usize = 64;

/// How far up a loop check looks. A link that would put a message
/// deeper than this below its thread's root is not made (the reply
/// starts a thread of its own): each check costs at most this, so a
/// mailbox of chained replies threads in linear time.
const MAX_CHAIN: usize = 1024;

/// What threading needs of a message.
#[derive(Debug, Clone, Default)]
pub(crate) struct ThreadInput {
    pub id: u32,
    pub seq: u32,
    /// Sent date (UTC seconds; the arrival when there is no Date).
    pub date: i64,
    pub message_id: Option<String>,
    /// References, else the first In-Reply-To id.
    pub references: Vec<String>,
    pub base_subject: String,
    pub is_reply: bool,
}

#[derive(Debug, Default, Clone)]
struct Node {
    /// The message (index into the input); `None` for a dummy.
    message: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

struct Forest {
    nodes: Vec<Node>,
}

impl Forest {
    /// Whether `ancestor` is `node` or above it; also true when `node`
    /// is more than [`MAX_CHAIN`] deep (a link under it is not made).
    fn is_ancestor(&self, ancestor: usize, node: usize) -> bool {
        let mut at = Some(node);
        let mut steps = 0;
        while let Some(n) = at {
            if n == ancestor || steps == MAX_CHAIN {
                return true;
            }
            steps += 1;
            at = self.nodes[n].parent;
        }
        false
    }

    /// Every node under `roots`, each after all of its descendants (an
    /// explicit stack, no recursion).
    fn children_first(&self, roots: &[usize]) -> Vec<usize> {
        let mut order = Vec::new();
        let mut stack: Vec<usize> = roots.to_vec();
        while let Some(n) = stack.pop() {
            order.push(n);
            stack.extend(self.nodes[n].children.iter().copied());
        }
        order.reverse();
        order
    }

    fn unlink(&mut self, child: usize) {
        if let Some(p) = self.nodes[child].parent.take() {
            self.nodes[p].children.retain(|&c| c != child);
        }
    }

    fn link(&mut self, parent: usize, child: usize) {
        self.unlink(child);
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }
}

/// The threads of `messages` (in mailbox order) by RFC 5256's REFERENCES.
pub(crate) fn references(messages: &[ThreadInput]) -> Vec<Thread> {
    threads(messages, false)
}

/// The threads of `messages` by REFS: no subject grouping, threads by
/// their latest message.
pub(crate) fn refs(messages: &[ThreadInput]) -> Vec<Thread> {
    threads(messages, true)
}

fn threads(messages: &[ThreadInput], refs: bool) -> Vec<Thread> {
    let mut forest = Forest { nodes: Vec::with_capacity(messages.len() * 2) };
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    // (1) Containers by Message-ID; references linked in order.
    for (i, m) in messages.iter().enumerate() {
        let own = match m.message_id.as_deref() {
            Some(id) => match by_id.get(id) {
                Some(&n) if forest.nodes[n].message.is_none() => {
                    forest.nodes[n].message = Some(i);
                    n
                }
                // A duplicate Message-ID counts as none.
                Some(_) => new_node(&mut forest, Some(i)),
                None => {
                    let n = new_node(&mut forest, Some(i));
                    by_id.insert(id, n);
                    n
                }
            },
            None => new_node(&mut forest, Some(i)),
        };
        let mut previous: Option<usize> = None;
        for reference in &m.references {
            let n = *by_id.entry(reference.as_str()).or_insert_with(|| new_node(&mut forest, None));
            if let Some(p) = previous {
                // (1A) Only where the child has no parent yet and no loop.
                if forest.nodes[n].parent.is_none() && !forest.is_ancestor(n, p) {
                    forest.link(p, n);
                }
            }
            previous = Some(n);
        }
        // (1B) The last reference is the parent, replacing any other;
        // never a loop.
        forest.unlink(own);
        if let Some(p) = previous {
            if !forest.is_ancestor(own, p) {
                forest.link(p, own);
            }
        }
    }
    // (2) The roots.
    let mut roots: Vec<usize> = (0..forest.nodes.len()).filter(|&n| forest.nodes[n].parent.is_none()).collect();
    // (4) Dummies: without children, gone; with children, replaced by
    // them (at the top only when there is one child).
    roots = prune(&mut forest, roots);
    // (5) Roots with the same base subject gathered (not by REFS).
    if !refs {
        roots = group_by_subject(&mut forest, messages, roots);
    }
    // (6) Siblings by sent date (a dummy by its first child), then the
    // mailbox order.
    sort_siblings(&mut forest, messages, &mut roots);
    if refs {
        let mut keyed: Vec<((i64, u32), usize)> = roots.iter().map(|&r| (latest(&forest, messages, r), r)).collect();
        keyed.sort_by(|a, b| compare_keys(a.0, b.0));
        roots = keyed.into_iter().map(|(_, r)| r).collect();
    }
    roots.into_iter().map(|r| to_thread(&forest, messages, r)).collect()
}

/// The latest (sent date, then mailbox order) message under `root`.
fn latest(forest: &Forest, messages: &[ThreadInput], root: usize) -> (i64, u32) {
    let mut best = (i64::MIN, 0);
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if let Some(i) = forest.nodes[n].message {
            best = best.max((messages[i].date, messages[i].seq));
        }
        stack.extend(&forest.nodes[n].children);
    }
    best
}

fn new_node(forest: &mut Forest, message: Option<usize>) -> usize {
    forest.nodes.push(Node { message, ..Node::default() });
    forest.nodes.len() - 1
}

/// RFC 5256 step 4, bottom-up without recursion: returns the new roots.
fn prune(forest: &mut Forest, roots: Vec<usize>) -> Vec<usize> {
    for n in forest.children_first(&roots) {
        if forest.nodes[n].message.is_some() {
            continue;
        }
        let is_root = forest.nodes[n].parent.is_none();
        let children = forest.nodes[n].children.clone();
        if children.is_empty() || (!is_root || children.len() == 1) {
            // Gone, its children promoted to its place.
            if let Some(p) = forest.nodes[n].parent {
                let at = forest.nodes[p].children.iter().position(|&c| c == n).unwrap_or(0);
                forest.nodes[p].children.remove(at);
                for (k, &c) in children.iter().enumerate() {
                    forest.nodes[c].parent = Some(p);
                    forest.nodes[p].children.insert(at + k, c);
                }
            } else {
                for &c in &children {
                    forest.nodes[c].parent = None;
                }
            }
            forest.nodes[n].children.clear();
            forest.nodes[n].parent = None;
        }
    }
    // The roots now: every node without a parent that is a message or
    // holds some (the removed dummies hold nothing), in creation order.
    let _ = roots;
    (0..forest.nodes.len())
        .filter(|&n| {
            let node = &forest.nodes[n];
            node.parent.is_none() && (node.message.is_some() || !node.children.is_empty())
        })
        .collect()
}

/// The subject a root stands for: its own, or its first child's.
fn subject_of<'m>(forest: &Forest, messages: &'m [ThreadInput], n: usize) -> Option<&'m ThreadInput> {
    match forest.nodes[n].message {
        Some(i) => Some(&messages[i]),
        None => forest.nodes[n].children.first().and_then(|&c| forest.nodes[c].message).map(|i| &messages[i]),
    }
}

/// RFC 5256 step 5.
fn group_by_subject(forest: &mut Forest, messages: &[ThreadInput], roots: Vec<usize>) -> Vec<usize> {
    let upper = |s: &str| s.to_ascii_uppercase();
    let mut table: HashMap<String, usize> = HashMap::new();
    for &r in &roots {
        let Some(m) = subject_of(forest, messages, r) else { continue };
        if m.base_subject.is_empty() {
            continue;
        }
        let key = upper(&m.base_subject);
        match table.get(&key) {
            None => {
                table.insert(key, r);
            }
            Some(&old) => {
                let old_dummy = forest.nodes[old].message.is_none();
                let new_dummy = forest.nodes[r].message.is_none();
                let old_reply = forest.nodes[old].message.is_some_and(|i| messages[i].is_reply);
                let new_reply = forest.nodes[r].message.is_some_and(|i| messages[i].is_reply);
                if (!old_dummy && new_dummy) || (old_reply && !new_reply && !new_dummy) {
                    table.insert(key, r);
                }
            }
        }
    }
    let mut out = Vec::new();
    for r in roots {
        let Some(m) = subject_of(forest, messages, r) else {
            out.push(r);
            continue;
        };
        let key = upper(&m.base_subject);
        let Some(&into) = table.get(&key).filter(|_| !m.base_subject.is_empty()) else {
            out.push(r);
            continue;
        };
        if into == r {
            out.push(r);
            continue;
        }
        let into_dummy = forest.nodes[into].message.is_none();
        let this_dummy = forest.nodes[r].message.is_none();
        let this_reply = forest.nodes[r].message.is_some_and(|i| messages[i].is_reply);
        let into_reply = forest.nodes[into].message.is_some_and(|i| messages[i].is_reply);
        if into_dummy && this_dummy {
            let children = std::mem::take(&mut forest.nodes[r].children);
            for c in children {
                forest.nodes[c].parent = None;
                forest.link(into, c);
            }
        } else if into_dummy {
            forest.link(into, r);
        } else if this_dummy {
            // The table's message goes under this dummy, which takes its
            // place.
            forest.link(r, into);
            table.insert(key, r);
            if let Some(at) = out.iter().position(|&o| o == into) {
                out[at] = r;
            }
        } else if !into_reply && this_reply {
            forest.link(into, r);
        } else {
            // Neither a reply of the other: a new dummy holds both.
            let dummy = new_node(forest, None);
            forest.link(dummy, into);
            forest.link(dummy, r);
            table.insert(key, dummy);
            if let Some(at) = out.iter().position(|&o| o == into) {
                out[at] = dummy;
            }
            let _ = into_reply;
        }
    }
    out
}

/// The date a node sorts by (a dummy by its first child, once sorted).
fn sort_key(forest: &Forest, messages: &[ThreadInput], n: usize) -> (i64, u32) {
    let mut at = n;
    loop {
        if let Some(i) = forest.nodes[at].message {
            return (messages[i].date, messages[i].seq);
        }
        match forest.nodes[at].children.first() {
            Some(&c) => at = c,
            None => return (i64::MAX, u32::MAX),
        }
    }
}

/// RFC 5256 step 6: the deepest siblings first, so that a dummy sorts by
/// its first child once that is known.
fn sort_siblings(forest: &mut Forest, messages: &[ThreadInput], roots: &mut [usize]) {
    for n in forest.children_first(roots) {
        let mut children = std::mem::take(&mut forest.nodes[n].children);
        children.sort_by(|&a, &b| compare_keys(sort_key(forest, messages, a), sort_key(forest, messages, b)));
        forest.nodes[n].children = children;
    }
    roots.sort_by(|&a, &b| compare_keys(sort_key(forest, messages, a), sort_key(forest, messages, b)));
}

fn compare_keys(a: (i64, u32), b: (i64, u32)) -> Ordering {
    a.cmp(&b)
}

/// The tree under `root` as IMAP's nested threads, built bottom-up
/// without recursion, no deeper than [`MAX_DEPTH`].
fn to_thread(forest: &Forest, messages: &[ThreadInput], root: usize) -> Thread {
    let id = |n: usize| forest.nodes[n].message.map(|i| NonZeroU32::new(messages[i].id).unwrap_or(NonZeroU32::MIN));
    // Each frame: a node and the depth of its thread.
    let mut built: HashMap<usize, Thread> = HashMap::new();
    let mut order = Vec::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((n, depth)) = stack.pop() {
        order.push((n, depth));
        for &c in &forest.nodes[n].children {
            stack.push((c, depth + 1));
        }
    }
    // Children are built before their parents (reverse pre-order).
    for &(n, depth) in order.iter().rev() {
        let mut children: Vec<Thread> = forest.nodes[n].children.iter().filter_map(|c| built.remove(c)).collect();
        if depth + 2 >= MAX_DEPTH {
            // Too deep: the descendants are flattened into one level.
            let mut flat = Vec::new();
            let mut pending = std::mem::take(&mut children);
            while let Some(mut t) = pending.pop() {
                pending.append(&mut t.children);
                if !t.ids.is_empty() {
                    flat.extend(t.ids.iter().map(|&i| Thread { ids: vec![i], children: Vec::new() }));
                }
            }
            flat.sort_by_key(|t| t.ids[0]);
            children = flat;
        }
        let thread = match (id(n), children.len()) {
            (Some(me), 1) => {
                let only = children.pop().unwrap_or_default();
                let mut ids = vec![me];
                ids.extend(only.ids);
                Thread { ids, children: only.children }
            }
            (Some(me), _) => Thread { ids: vec![me], children },
            (None, _) => Thread { ids: Vec::new(), children },
        };
        built.insert(n, thread);
    }
    built.remove(&root).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u32, id: Option<&str>, references: &[&str], subject: &str) -> ThreadInput {
        let (base_subject, is_reply) = match subject.strip_prefix("Re: ") {
            Some(base) => (base.to_string(), true),
            None => (subject.to_string(), false),
        };
        ThreadInput {
            id: seq,
            seq,
            date: 1000 + seq as i64,
            message_id: id.map(str::to_string),
            references: references.iter().map(|r| r.to_string()).collect(),
            base_subject,
            is_reply,
        }
    }

    fn wire(threads: &[Thread]) -> String {
        let data = imap_wire::Data::Thread(threads.to_vec());
        let bytes = imap_wire::Encode::to_bytes(&imap_wire::Response::Data(data));
        String::from_utf8_lossy(&bytes).trim_end().trim_start_matches("* THREAD ").to_string()
    }

    #[test]
    fn rfc_5256_references_cases() {
        // A reply to a reply; a sibling; a dummy parent with two children
        // at the top is kept; a dummy with one child gives way to it.
        let threads = references(&[
            message(1, Some("a"), &[], "one"),
            message(2, Some("b"), &["a"], "Re: one"),
            message(3, Some("c"), &["a", "b"], "Re: one"),
            message(4, Some("d"), &["a"], "Re: one"),
            message(5, Some("e"), &["gone"], "two"),
            message(6, Some("f"), &["gone"], "Re: two"),
            message(7, Some("g"), &["lost"], "three"),
        ]);
        assert_eq!(wire(&threads), "(1 (2 3)(4))((5)(6))(7)");
        // A duplicate Message-ID counts as none; the same subject then
        // puts the reply under the original.
        let threads = references(&[message(1, Some("a"), &[], "foo"), message(2, Some("a"), &[], "Re: foo")]);
        assert_eq!(wire(&threads), "(1 2)");
        // References that would loop are not followed; a later message's
        // own parent replaces what an earlier References said.
        let threads = references(&[
            message(1, Some("a"), &[], "x"),
            message(2, Some("b"), &["a", "c"], "y"),
            message(3, Some("c"), &["b"], "z"),
        ]);
        assert_eq!(wire(&threads), "(1)(3 2)");
        // Two roots with the same subject, neither a reply: a dummy holds
        // both.
        let threads = references(&[message(1, Some("a"), &[], "same"), message(2, Some("b"), &[], "same")]);
        assert_eq!(wire(&threads), "((1)(2))");
    }

    #[test]
    fn refs_threads_by_references_alone_latest_thread_last() {
        let dated = |seq: u32, date: i64, id: &str, references: &[&str], subject: &str| ThreadInput {
            date,
            ..message(seq, Some(id), references, subject)
        };
        let input = [
            dated(1, 100, "a", &[], "one"),
            dated(2, 200, "b", &[], "two"),
            dated(3, 300, "c", &["a"], "Re: one"),
            dated(4, 400, "d", &[], "two"),
        ];
        // REFERENCES: 2 and 4 share a subject and are gathered; REFS
        // keeps them apart, and 1's thread, replied to at 300, sorts by
        // that: after 2 (200), before 4 (400).
        assert_eq!(wire(&references(&input)), "(1 3)((2)(4))");
        assert_eq!(wire(&refs(&input)), "(2)(1 3)(4)");
    }

    #[test]
    fn hostile_chains_thread_without_deep_recursion_or_nesting() {
        // 30,000 replies each to the one before, and a caterpillar (every
        // other message continues the chain, the rest answer it, so each
        // level branches): no deep recursion, loop checks bounded by
        // MAX_CHAIN, and no nesting deeper than MAX_DEPTH.
        let n = 30_000u32;
        let ids: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
        for caterpillar in [false, true] {
            let parent = |i: u32| match (caterpillar, i) {
                (_, 0) => None,
                (false, i) => Some(i - 1),
                (true, 1) => Some(0),
                (true, i) if i % 2 == 0 => Some(i - 2),
                (true, i) => Some(i - 1),
            };
            let messages: Vec<ThreadInput> = (0..n)
                .map(|i| {
                    let refs: Vec<&str> = parent(i).map(|p| ids[p as usize].as_str()).into_iter().collect();
                    message(i + 1, Some(&ids[i as usize]), &refs, "")
                })
                .collect();
            let threads = references(&messages);
            let mut deepest = 0;
            let mut stack: Vec<(&Thread, usize)> = threads.iter().map(|t| (t, 1)).collect();
            let mut count = 0;
            while let Some((t, depth)) = stack.pop() {
                deepest = deepest.max(depth);
                count += t.ids.len();
                stack.extend(t.children.iter().map(|c| (c, depth + 1)));
            }
            assert_eq!(count, n as usize, "every message once");
            assert!(deepest <= MAX_DEPTH, "{deepest}");
            assert!(!caterpillar || deepest > MAX_DEPTH / 2, "the caterpillar nests: {deepest}");
            let _ = wire(&threads);
        }
    }
}
