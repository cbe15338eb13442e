//! LIST and LSUB patterns (RFC 3501 6.3.8): `*` matches anything, `%`
//! anything but the hierarchy delimiter. Matched as a set of positions
//! advanced one name byte at a time (a bit-parallel automaton), so a
//! pattern of any length takes time proportional to pattern length times
//! name length, never exponential: runs of wildcards collapse to one, and
//! a pattern with more literal bytes than the name cannot match.

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    tokens: Vec<Token>,
    delimiter: u8,
    literals: usize,
    /// Per token position: set when the token is `*` / `%`.
    star: Vec<u64>,
    percent: Vec<u64>,
    /// Literal bytes: for each byte value present, the positions holding
    /// it.
    by_byte: Vec<(u8, Vec<u64>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Byte(u8),
    Star,
    Percent,
}

fn words(bits: usize) -> usize {
    bits / 64 + 1
}

fn set(v: &mut [u64], i: usize) {
    v[i / 64] |= 1 << (i % 64);
}

fn get(v: &[u64], i: usize) -> bool {
    v[i / 64] & (1 << (i % 64)) != 0
}

/// `v << 1` over a multi-word bit set, OR-ed into `out`.
fn shl1_or(v: &[u64], out: &mut [u64]) {
    let mut carry = 0;
    for (w, o) in v.iter().zip(out.iter_mut()) {
        *o |= (w << 1) | carry;
        carry = w >> 63;
    }
}

impl Pattern {
    /// Compiles a pattern (reference and mailbox argument joined) for
    /// names whose levels are separated by `delimiter`. A leading `INBOX`
    /// in any case is spelled `INBOX`, as mailbox names are.
    ///
    /// ```
    /// use mail_serve::pattern::Pattern;
    /// let p = Pattern::new(b"inbox.%", b'.');
    /// assert!(p.matches(b"INBOX.Lists"));
    /// assert!(!p.matches(b"INBOX.Lists.rust"));
    /// assert!(Pattern::new(&[b'*'; 20_000], b'.').matches(b"a.b"));
    /// ```
    pub fn new(pattern: &[u8], delimiter: u8) -> Pattern {
        let mut bytes = pattern.to_vec();
        if bytes.len() >= 5 && bytes[..5].eq_ignore_ascii_case(b"INBOX") && bytes.get(5).is_none_or(|&b| b == delimiter)
        {
            bytes[..5].copy_from_slice(b"INBOX");
        }
        let mut tokens: Vec<Token> = Vec::new();
        for &b in &bytes {
            let token = match b {
                b'*' => Token::Star,
                b'%' => Token::Percent,
                b => Token::Byte(b),
            };
            // A run of wildcards is one: `*` if any is a `*`.
            match (tokens.last_mut(), token) {
                (Some(last @ (Token::Star | Token::Percent)), Token::Star) => *last = Token::Star,
                (Some(Token::Star | Token::Percent), Token::Percent) => {}
                _ => tokens.push(token),
            }
        }
        let n = words(tokens.len() + 1);
        let (mut star, mut percent) = (vec![0; n], vec![0; n]);
        let mut by_byte: Vec<(u8, Vec<u64>)> = Vec::new();
        let mut literals = 0;
        for (i, t) in tokens.iter().enumerate() {
            match *t {
                Token::Star => set(&mut star, i),
                Token::Percent => set(&mut percent, i),
                Token::Byte(b) => {
                    literals += 1;
                    let entry = match by_byte.iter().position(|(x, _)| *x == b) {
                        Some(e) => e,
                        None => {
                            by_byte.push((b, vec![0; n]));
                            by_byte.len() - 1
                        }
                    };
                    set(&mut by_byte[entry].1, i);
                }
            }
        }
        Pattern { tokens, delimiter, literals, star, percent, by_byte }
    }

    /// Adds the positions reachable through wildcards matching nothing.
    fn close(&self, v: &mut [u64]) {
        // Wildcard runs are collapsed, so one step reaches every position.
        let wild: Vec<u64> = v.iter().zip(&self.star).zip(&self.percent).map(|((x, s), p)| x & (s | p)).collect();
        shl1_or(&wild, v);
    }

    /// Whether the name matches.
    pub fn matches(&self, name: &[u8]) -> bool {
        if self.literals > name.len() {
            return false;
        }
        let n = self.star.len();
        let mut current = vec![0u64; n];
        current[0] = 1;
        self.close(&mut current);
        let mut next = vec![0u64; n];
        let mut moved = vec![0u64; n];
        for &c in name {
            next.iter_mut().for_each(|w| *w = 0);
            for i in 0..n {
                next[i] |= current[i] & self.star[i];
                if c != self.delimiter {
                    next[i] |= current[i] & self.percent[i];
                }
            }
            if let Some((_, mask)) = self.by_byte.iter().find(|(b, _)| *b == c) {
                for i in 0..n {
                    moved[i] = current[i] & mask[i];
                }
                shl1_or(&moved, &mut next);
            }
            self.close(&mut next);
            std::mem::swap(&mut current, &mut next);
            if current.iter().all(|&w| w == 0) {
                return false;
            }
        }
        get(&current, self.tokens.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, name: &str) -> bool {
        Pattern::new(p.as_bytes(), b'.').matches(name.as_bytes())
    }

    #[test]
    fn wildcards() {
        assert!(m("*", "a.b.c"));
        assert!(m("%", "abc"));
        assert!(!m("%", "a.b"));
        assert!(m("a.%", "a.b"));
        assert!(!m("a.%", "a.b.c"));
        assert!(m("a*c", "a.b.c"));
        assert!(m("%.%", "a.b"));
        assert!(m("a%%*%b", "a.x.b"));
        assert!(!m("a%%%b", "a.x.b"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("inbox", "INBOX"));
        assert!(m("Inbox.*", "INBOX.x"));
        assert!(!m("inboxes", "INBOXes"));
        assert!(m("*Z", "aaaaZ"));
        assert!(!m("*Z", "aaaa"));
    }

    #[test]
    fn agrees_with_a_naive_matcher() {
        fn naive(p: &[u8], n: &[u8]) -> bool {
            match p.split_first() {
                None => n.is_empty(),
                Some((b'*', rest)) => (0..=n.len()).any(|i| naive(rest, &n[i..])),
                Some((b'%', rest)) => {
                    let stop = n.iter().position(|&b| b == b'.').unwrap_or(n.len());
                    (0..=stop).any(|i| naive(rest, &n[i..]))
                }
                Some((&c, rest)) => n.first() == Some(&c) && naive(rest, &n[1..]),
            }
        }
        let alphabet = [b'a', b'.', b'*', b'%', b'b'];
        let mut seed = 12345u64;
        let mut rand = |k: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % k
        };
        for _ in 0..20_000 {
            let p: Vec<u8> = (0..rand(7)).map(|_| alphabet[rand(5)]).collect();
            let n: Vec<u8> = (0..rand(7)).map(|_| alphabet[[0, 1, 4][rand(3)]]).collect();
            let pattern = Pattern::new(&p, b'.');
            assert_eq!(
                pattern.matches(&n),
                naive(&p, &n),
                "{:?} {:?}",
                String::from_utf8_lossy(&p),
                String::from_utf8_lossy(&n)
            );
        }
    }

    #[test]
    fn hostile_patterns_stay_fast_and_shallow() {
        // Today's server: 60 stars and a Z took 5.6 s; 20,000 stars
        // overflowed the stack. Both are one state here.
        let stars = [b'*'; 20_000];
        let name = vec![b'a'; 500];
        let p = Pattern::new(&stars, b'.');
        assert!(p.matches(&name));
        let mut starz = [b'*'; 300].to_vec();
        starz.push(b'Z');
        assert!(!Pattern::new(&starz, b'.').matches(&name));
        // Alternating literals and stars cannot be collapsed: still
        // linear in pattern times name.
        let alternating: Vec<u8> = (0..5_000).flat_map(|_| [b'*', b'a']).collect();
        assert!(!Pattern::new(&alternating, b'.').matches(&name));
        let short: Vec<u8> = (0..250).flat_map(|_| [b'*', b'a']).collect();
        assert!(Pattern::new(&short, b'.').matches(&name));
    }
}
