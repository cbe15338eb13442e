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

/// The inputs of the comparison benchmarks, all deterministic.
pub mod corpus {
    use super::{Rng, DOMAINS, NAMES};

    fn address(rng: &mut Rng) -> String {
        let name = NAMES[rng.below(NAMES.len() as u64) as usize];
        let user = name.split(' ').next().unwrap_or("x").to_lowercase().replace('\'', "");
        let domain = DOMAINS[rng.below(DOMAINS.len() as u64) as usize];
        format!("(\"{name}\" NIL \"{user}\" \"{domain}\")")
    }

    fn subject(rng: &mut Rng) -> String {
        match rng.below(4) {
            0 => "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich?=".to_string(),
            1 => "=?UTF-8?B?8J+TiCBRdWFydGVybHkgcmVwb3J0?=".to_string(),
            2 => format!("Re: [dev] build #{} failed on main", rng.below(100_000)),
            _ => format!("Meeting notes {}-{:02}", 2020 + rng.below(7), 1 + rng.below(12)),
        }
    }

    /// A mailbox-sync FETCH stream: FLAGS, UID, RFC822.SIZE, INTERNALDATE,
    /// ENVELOPE and a nested multipart BODYSTRUCTURE per message.
    pub fn sync_fetch(messages: u32, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::with_capacity(messages as usize * 1100);
        for seq in 1..=messages {
            let size = 2_000 + rng.below(200_000);
            let flags = ["(\\Seen)", "(\\Seen \\Answered)", "()", "(\\Flagged $Important \\Seen)", "($Junk)"]
                [rng.below(5) as usize];
            let to = (0..1 + rng.below(3)).map(|_| address(&mut rng)).collect::<String>();
            let cc = if rng.below(3) == 0 { format!("({})", address(&mut rng)) } else { "NIL".to_string() };
            let body = format!(
                "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" {tp} {tl} NIL NIL NIL NIL)\
(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" {hp} {hl} NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"alt{seq}\") NIL NIL NIL)\
(\"application\" \"pdf\" (\"name\" \"report-{seq}.pdf\") NIL NIL \"base64\" {ap} NIL (\"attachment\" (\"filename\" \"report-{seq}.pdf\")) NIL NIL) \
\"mixed\" (\"boundary\" \"mix{seq}\") NIL NIL NIL)",
                tp = size / 8,
                tl = size / 400,
                hp = size / 4,
                hl = size / 300,
                ap = size / 2,
            );
            out.extend_from_slice(
                format!(
                    "* {seq} FETCH (UID {uid} FLAGS {flags} RFC822.SIZE {size} INTERNALDATE \"{day:>2}-Nov-2026 {h:02}:{m:02}:{s:02} +0100\" \
ENVELOPE (\"Mon, {day} Nov 2026 {h:02}:{m:02}:{s:02} +0100\" \"{subj}\" ({from}) ({from}) ({from}) ({to}) {cc} NIL NIL \"<{seq}.{uid}@mail.example.com>\") \
BODYSTRUCTURE {body})\r\n",
                    uid = 1000 + seq * 2,
                    day = 1 + rng.below(28),
                    h = rng.below(24),
                    m = rng.below(60),
                    s = rng.below(60),
                    subj = subject(&mut rng),
                    from = address(&mut rng),
                )
                .as_bytes(),
            );
        }
        out
    }

    /// `* n FETCH (UID u FLAGS (...))` lines, as a flag resync sends them.
    pub fn uid_flags(messages: u32, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::with_capacity(messages as usize * 48);
        for seq in 1..=messages {
            let flags = ["(\\Seen)", "(\\Seen \\Answered)", "()", "(\\Flagged \\Seen)"][rng.below(4) as usize];
            out.extend_from_slice(format!("* {seq} FETCH (UID {} FLAGS {flags})\r\n", 5000 + seq * 3).as_bytes());
        }
        out
    }

    /// `BODY[]` literals of messages from 1 KiB to 4 MiB (log-uniform).
    pub fn literals(count: u32, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for seq in 1..=count {
            let size = 1024usize << rng.below(13);
            let size = size + rng.below(size as u64) as usize;
            let size = size.min(4 << 20);
            out.extend_from_slice(format!("* {seq} FETCH (UID {} BODY[] {{{size}}}\r\n", 100 + seq).as_bytes());
            let start = out.len();
            out.resize(start + size, b'x');
            for (i, b) in out[start..].iter_mut().enumerate() {
                *b = if i % 78 == 76 {
                    b'\r'
                } else if i % 78 == 77 {
                    b'\n'
                } else {
                    b'a' + (i % 26) as u8
                };
            }
            out.extend_from_slice(b")\r\n");
        }
        out
    }

    /// `BODY[]` literals of 1 KiB to 16 KiB, for read loops fed in small
    /// pieces.
    pub fn small_literals(count: u32, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for seq in 1..=count {
            let size = 1024 + rng.below(15 * 1024) as usize;
            out.extend_from_slice(format!("* {seq} FETCH (UID {} BODY[] {{{size}}}\r\n", 100 + seq).as_bytes());
            out.extend((0..size).map(|i| b'a' + (i % 26) as u8));
            out.extend_from_slice(b")\r\n");
        }
        out
    }

    /// A LIST of `n` mailboxes.
    pub fn list(n: u32, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::with_capacity(n as usize * 60);
        for i in 0..n {
            let attrs =
                ["(\\HasNoChildren)", "(\\HasChildren)", "(\\HasNoChildren \\Sent)", "(\\Noselect \\HasChildren)"]
                    [rng.below(4) as usize];
            let name = match rng.below(3) {
                0 => format!("Archive/{}/{:02}", 2000 + i % 27, i % 12 + 1),
                1 => format!("\"Projects/Client {i}/Notes\""),
                _ => format!("Lists/dev-{i}"),
            };
            out.extend_from_slice(format!("* LIST {attrs} \"/\" {name}\r\n").as_bytes());
        }
        out
    }

    /// One SEARCH response with `n` ids.
    pub fn search(n: u32) -> Vec<u8> {
        let mut out = b"* SEARCH".to_vec();
        for i in 1..=n {
            out.extend_from_slice(format!(" {}", i * 2 + 1).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// A client stream of UID FETCH, STORE, nested SEARCH and APPEND (with
    /// literals inline, as a server receives them).
    pub fn commands(n: u32, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for i in 0..n {
            let tag = format!("A{i:05}");
            match rng.below(4) {
                0 => out.extend_from_slice(
                    format!("{tag} UID FETCH {}:{} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (From To Subject Date)])\r\n", i + 1, i + 50).as_bytes(),
                ),
                1 => out.extend_from_slice(format!("{tag} UID STORE {},{}:{} +FLAGS.SILENT (\\Seen $Forwarded)\r\n", i + 1, i + 3, i + 9).as_bytes()),
                2 => out.extend_from_slice(
                    format!("{tag} UID SEARCH CHARSET UTF-8 OR (FROM \"alice\" SINCE 1-Jan-2026) NOT (DELETED OR SUBJECT \"x{i}\" LARGER 10000) UID 1:*\r\n").as_bytes(),
                ),
                _ => {
                    let size = 512 + rng.below(8192) as usize;
                    out.extend_from_slice(format!("{tag} APPEND Sent (\\Seen) \" 7-Nov-2026 10:00:00 +0000\" {{{size}+}}\r\n").as_bytes());
                    let start = out.len();
                    out.resize(start + size, b'm');
                    out.extend_from_slice(b"\r\n");
                }
            }
        }
        out
    }

    /// A POP3 UIDL reply for `n` messages (status line included).
    pub fn uidl(n: u32) -> Vec<u8> {
        let mut out = b"+OK unique-id listing follows\r\n".to_vec();
        for i in 1..=n {
            out.extend_from_slice(format!("{i} {:08X}{:08X}\r\n", i * 7919, 0x5f3a_1000u32 ^ i).as_bytes());
        }
        out.extend_from_slice(b".\r\n");
        out
    }
}
