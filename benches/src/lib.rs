//! Deterministic inputs for the benchmarks (no network, no files).

/// A seeded xorshift generator, so every run sees the same bytes.
pub struct Rng(u64);

impl Rng {
    /// A generator with this seed (0 is replaced).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// A value below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

const NAMES: [&str; 8] = [
    "Alice Example",
    "Bob Builder",
    "Carol Smith",
    "Dave O'Neil",
    "Eve Adams",
    "Frank Li",
    "Grace Hopper",
    "Heidi Klum",
];
const DOMAINS: [&str; 5] = ["example.org", "mail.example.com", "lists.example.net", "corp.example", "uni.example.edu"];

/// A server-to-client stream of about `target` bytes shaped like a mailbox
/// sync: FETCH responses with FLAGS, UID, RFC822.SIZE, INTERNALDATE,
/// ENVELOPE and a multipart BODYSTRUCTURE, with a literal body section now
/// and then.
pub fn fetch_stream(target: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(target + 4096);
    out.extend_from_slice(b"* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] ready\r\n");
    let mut seq = 1u32;
    while out.len() < target {
        let from = NAMES[rng.below(8) as usize];
        let domain = DOMAINS[rng.below(5) as usize];
        let user = from.split(' ').next().unwrap_or("x").to_lowercase();
        let size = 1000 + rng.below(90_000);
        let subject = if rng.below(3) == 0 {
            "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_und_Zahlen?=".to_string()
        } else {
            format!("Re: status report #{}", rng.below(10_000))
        };
        let flags = ["(\\Seen)", "(\\Seen \\Answered)", "()", "(\\Flagged $Important)"][rng.below(4) as usize];
        out.extend_from_slice(format!(
            "* {seq} FETCH (UID {uid} FLAGS {flags} RFC822.SIZE {size} INTERNALDATE \"{day:>2}-Nov-2026 {h:02}:{m:02}:{s:02} +0100\" \
ENVELOPE (\"Mon, {day} Nov 2026 10:00:00 +0100\" \"{subject}\" ((\"{from}\" NIL \"{user}\" \"{domain}\")) ((\"{from}\" NIL \"{user}\" \"{domain}\")) \
((\"{from}\" NIL \"{user}\" \"{domain}\")) ((NIL NIL \"team\" \"example.org\")(\"Bob\" NIL \"bob\" \"example.org\")) NIL NIL NIL \"<msg{seq}@{domain}>\") \
BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" {tp} {tl} NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" {hp} {hl} NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"b{seq}\") NIL NIL NIL))\r\n",
            uid = seq * 3 + 100,
            day = 1 + rng.below(28),
            h = rng.below(24),
            m = rng.below(60),
            s = rng.below(60),
            tp = size / 3,
            tl = size / 60,
            hp = size / 2,
            hl = size / 40,
        ).as_bytes());
        if seq % 16 == 0 {
            let body_len = 200 + rng.below(2000) as usize;
            out.extend_from_slice(format!("* {seq} FETCH (BODY[TEXT] {{{body_len}}}\r\n").as_bytes());
            for i in 0..body_len {
                out.push(if i % 64 == 63 { b'\n' } else { b'a' + (i % 26) as u8 });
            }
            out.extend_from_slice(b")\r\n");
        }
        seq += 1;
    }
    out.extend_from_slice(b"A1 OK FETCH completed\r\n");
    out
}

/// A message of about `target` bytes: 76-character lines, every 40th one
/// starting with a dot (so it is stuffed on the wire), CRLF endings.
pub fn large_message(target: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(target + 128);
    out.extend_from_slice(b"From: bench@example.org\r\nSubject: large\r\n\r\n");
    let mut line = 0u64;
    while out.len() < target {
        if line % 40 == 0 {
            out.push(b'.');
        }
        for _ in 0..76 {
            out.push(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[rng.below(64) as usize]);
        }
        out.extend_from_slice(b"\r\n");
        line += 1;
    }
    out
}
