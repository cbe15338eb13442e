//! `imap-server` and `pop3-server` (the mail-serve layer over Maildir)
//! against what an attacker sends and what hostile mail holds: patterns
//! that overflowed the stack or ran for minutes, MIME nested thousands of
//! levels deep, a section named a thousand times, 60 MiB sections and
//! lines, searches that starved logins, and the data a refused or racing
//! command must leave intact. Each of these crashed, exhausted, froze or
//! corrupted the example server before the layer.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::free_port;

struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    /// `program` over a fresh mail root whose user alice has `messages`
    /// delivered to INBOX (`new/`, as a delivery agent leaves them).
    fn start(program: &str, name: &str, messages: &[Vec<u8>]) -> Server {
        let dir = std::env::temp_dir().join(format!("hostile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let home = dir.join("root/alice");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(home.join(sub)).unwrap();
        }
        for (i, m) in messages.iter().enumerate() {
            std::fs::write(home.join(format!("new/{:010}.M{i}P1.hostile", 1_700_000_000 + i)), m).unwrap();
        }
        std::fs::write(dir.join("users"), "alice:secret\n").unwrap();
        Server::run(program, dir)
    }

    fn run(program: &str, dir: PathBuf) -> Server {
        let port = free_port();
        let child = Command::new(program)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--users")
            .arg(dir.join("users"))
            .arg("--mail-root")
            .arg(dir.join("root"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        common::wait_until_listening(port, program);
        Server { child, port, dir }
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Peak resident memory, in KiB.
    fn peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    fn home(&self) -> PathBuf {
        self.dir.join("root/alice")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const IMAP: &str = env!("CARGO_BIN_EXE_imap-server");
const POP3: &str = env!("CARGO_BIN_EXE_pop3-server");

struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let reader = BufReader::with_capacity(1 << 20, stream.try_clone().unwrap());
        let mut conn = Conn { stream, reader };
        let greeting = conn.line();
        assert!(greeting.starts_with("+OK") || greeting.starts_with("* OK"), "{greeting}");
        conn
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line
    }

    fn send(&mut self, text: &str) {
        self.stream.write_all(text.as_bytes()).unwrap();
    }

    /// Sends a tagged command; returns the text up to its tagged answer,
    /// literals skipped (their sizes summed in the second value).
    fn run(&mut self, tag: &str, command: &str) -> (String, u64) {
        self.send(&format!("{tag} {command}\r\n"));
        self.until(tag)
    }

    fn until(&mut self, tag: &str) -> (String, u64) {
        let mut text = String::new();
        let mut literal_bytes = 0;
        loop {
            let line = self.line();
            assert!(!line.is_empty(), "connection closed; so far: {}", &text[..text.len().min(2000)]);
            if let Some(size) = literal_size(&line) {
                let mut left = size;
                let mut sink = vec![0u8; 1 << 20];
                while left > 0 {
                    let n = self.reader.read(&mut sink[..left.min(1 << 20) as usize]).unwrap();
                    assert!(n > 0, "connection closed inside a literal");
                    left -= n as u64;
                }
                literal_bytes += size;
            }
            text.push_str(&line);
            if line.starts_with(&format!("{tag} ")) {
                return (text, literal_bytes);
            }
        }
    }

    fn login(port: u16) -> Conn {
        let mut c = Conn::open(port);
        assert!(c.run("l", "LOGIN alice secret").0.contains("l OK"));
        c
    }
}

fn literal_size(line: &str) -> Option<u64> {
    let line = line.strip_suffix("\r\n")?;
    let open = line.rfind('{')?;
    line[open + 1..].strip_suffix('}')?.trim_end_matches('+').parse().ok()
}

fn text_message(size: usize) -> Vec<u8> {
    let line = "The quick brown fox jumps over the lazy dog 0123456789\n";
    let mut m = b"From: a@example.org\nSubject: big\n\n".to_vec();
    while m.len() < size {
        m.extend_from_slice(line.as_bytes());
    }
    m
}

#[test]
fn list_patterns_of_any_length_answer_at_once() {
    let mut server = Server::start(IMAP, "patterns", &[]);
    let mut c = Conn::login(server.port);
    let stars = "*".repeat(20_000);
    let (list, _) = c.run("a", &format!("LIST \"\" \"{stars}\""));
    assert!(list.contains("a OK"), "{list}");
    let started = Instant::now();
    let (list, _) = c.run("b", &format!("LIST \"\" \"{}Z\"", "*".repeat(300)));
    assert!(list.contains("b OK"));
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    // Other users are still greeted.
    let started = Instant::now();
    let _ = Conn::open(server.port);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(server.alive());
}

#[test]
fn mime_nested_thousands_deep_is_served() {
    let mut multipart = Vec::new();
    for i in 0..1_000 {
        multipart.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{i:04}\"\n\n--b{i:04}\n").as_bytes(),
        );
    }
    multipart.extend_from_slice(b"\nleaf\n");
    let mut rfc822 = Vec::new();
    for _ in 0..2_000 {
        rfc822.extend_from_slice(b"Content-Type: message/rfc822\n\n");
    }
    rfc822.extend_from_slice(b"Subject: the innermost\n\nbody\n");
    let mut server = Server::start(IMAP, "nested", &[multipart, rfc822]);
    for round in 0..2 {
        let mut c = Conn::login(server.port);
        assert!(c.run("s", "SELECT INBOX").0.contains("s OK"));
        let (fetch, _) = c.run("f", "FETCH 1:2 (BODYSTRUCTURE BODY ENVELOPE BODY.PEEK[1.1.1.1.1.1.1.1])");
        assert!(fetch.contains("f OK"), "round {round}: {}", &fetch[fetch.len().saturating_sub(300)..]);
        assert!(server.alive());
    }
}

#[test]
fn a_section_named_a_thousand_times_streams_in_bounded_memory() {
    let mut server = Server::start(IMAP, "thousand", &[text_message(2 << 20)]);
    let mut c = Conn::login(server.port);
    assert!(c.run("s", "SELECT INBOX").0.contains("s OK"));
    let items = vec!["BODY.PEEK[TEXT]"; 1_000].join(" ");
    let (fetch, bytes) = c.run("f", &format!("FETCH 1 ({items})"));
    assert!(fetch.contains("f OK"), "{}", &fetch[fetch.len().saturating_sub(300)..]);
    assert!(bytes > 1_000 * (2 << 20) as u64, "every section was sent: {bytes}");
    let peak = server.peak_kib();
    assert!(peak < 48 * 1024, "peak RSS {peak} KiB for 2 GiB of sections");
    assert!(server.alive());
}

#[test]
fn a_60_mib_section_and_a_60_mib_line_are_streamed() {
    let mut one_line = b"Subject: one line\n\n".to_vec();
    one_line.extend(std::iter::repeat_n(b'x', 60 << 20));
    one_line.push(b'\n');
    let mut server = Server::start(IMAP, "sixty", &[text_message(60 << 20), one_line]);
    let mut c = Conn::login(server.port);
    assert!(c.run("s", "SELECT INBOX").0.contains("s OK"));
    let (fetch, bytes) = c.run("f", "FETCH 1:2 (BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS (SUBJECT)] RFC822.SIZE)");
    assert!(fetch.contains("f OK") && bytes > 120 << 20, "{fetch}");
    let (search, _) = c.run("g", "SEARCH BODY lazy TEXT zzzz");
    assert!(search.contains("g OK"), "{search}");
    let peak = server.peak_kib();
    assert!(peak < 48 * 1024, "peak RSS {peak} KiB serving 60 MiB messages");
    assert!(server.alive());
}

#[test]
fn pop3_top_streams_a_60_mib_line() {
    let mut one_line = b"Subject: one line\n\n".to_vec();
    one_line.extend(std::iter::repeat_n(b'y', 60 << 20));
    one_line.extend_from_slice(b"\nsecond\n");
    let server = Server::start(POP3, "top", &[one_line]);
    let mut c = Conn::open(server.port);
    c.send("USER alice\r\nPASS secret\r\nTOP 1 1\r\n");
    assert!(c.line().starts_with("+OK"));
    assert!(c.line().starts_with("+OK"));
    assert!(c.line().starts_with("+OK"));
    let mut total = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        c.reader.read_until(b'\n', &mut buf).unwrap();
        if buf == b".\r\n" || buf.is_empty() {
            break;
        }
        total += buf.len() as u64;
    }
    assert!(total > 60 << 20, "{total}");
    let peak = server.peak_kib();
    assert!(peak < 48 * 1024, "peak RSS {peak} KiB for TOP of a 60 MiB line");
}

#[test]
fn expensive_searches_do_not_delay_a_login() {
    let messages: Vec<Vec<u8>> = (0..1_500).map(|_| text_message(64 << 10)).collect();
    let server = Server::start(IMAP, "starve", &messages);
    let mut searchers: Vec<Conn> = (0..2)
        .map(|_| {
            let mut c = Conn::login(server.port);
            assert!(c.run("s", "SELECT INBOX").0.contains("s OK"));
            c
        })
        .collect();
    // A hundred strings each: the example server once read every message
    // once per key.
    for (i, c) in searchers.iter_mut().enumerate() {
        let keys: Vec<String> = (0..100).map(|k| format!("NOT BODY absent{i}x{k}")).collect();
        c.send(&format!("x{i} SEARCH {} NOT TEXT other{i}\r\n", keys.join(" ")));
    }
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let mut c = Conn::open(server.port);
    assert!(c.run("l", "LOGIN alice secret").0.contains("l OK"));
    let took = started.elapsed();
    for (i, c) in searchers.iter_mut().enumerate() {
        let (search, _) = c.until(&format!("x{i}"));
        assert!(search.contains("* SEARCH 1 2 3 "), "{}", &search[..search.len().min(200)]);
    }
    assert!(took < Duration::from_secs(1), "a login took {took:?} during two searches");
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn a_refused_store_changes_nothing_and_keyword_letters_come_back() {
    let server = Server::start(IMAP, "keywords", &[b"Subject: k\n\nk\n".to_vec()]);
    let mut c = Conn::login(server.port);
    assert!(c.run("s", "SELECT INBOX").0.contains("s OK"));
    let names: Vec<String> = (0..27).map(|i| format!("k{i}")).collect();
    let (refused, _) = c.run("a", &format!("STORE 1 +FLAGS ({})", names.join(" ")));
    assert!(refused.contains("a NO [LIMIT]"), "{refused}");
    assert!(!server.home().join("imap-keywords").exists(), "nothing defined");
    let (ok, _) = c.run("b", &format!("STORE 1 +FLAGS ({})", names[..26].join(" ")));
    assert!(ok.contains("b OK"), "{ok}");
    assert!(c.run("c", "STORE 1 -FLAGS (k5)").0.contains("c OK"));
    let (append, _) = c.run("d", "APPEND INBOX (brand-new) {3+}\r\nx\r\n");
    assert!(append.contains("d OK [APPENDUID"), "a freed letter is used again: {append}");
}

#[test]
fn rename_of_inbox_keeps_keywords_and_pop3_follows_imap() {
    let messages: Vec<Vec<u8>> = (0..3).map(|i| format!("Subject: m{i}\n\nbody {i}\n").into_bytes()).collect();
    let server = Server::start(IMAP, "shared", &messages);
    let pop = Server::run(POP3, server.dir.clone());
    let mut c = Conn::login(server.port);
    assert!(c.run("s", "SELECT INBOX").0.contains("s OK"));
    // IMAP reads and flags: the files are renamed under POP3's feet.
    assert!(c.run("f", "FETCH 1:3 BODY[]").0.contains("f OK"));
    assert!(c.run("k", "STORE 2 +FLAGS ($Label1)").0.contains("k OK"));
    let mut p = Conn::open(pop.port);
    p.send("USER alice\r\nPASS secret\r\n");
    assert!(p.line().starts_with("+OK") && p.line().starts_with("+OK maildrop has 3"));
    p.send("RETR 2\r\n");
    assert!(p.line().starts_with("+OK"));
    assert_eq!(p.line(), "Subject: m1\r\n", "POP3 numbers messages in delivery order");
    while p.line() != ".\r\n" {}
    assert!(c.run("k2", "STORE 3 +FLAGS (\\Flagged)").0.contains("k2 OK"));
    p.send("RETR 3\r\nDELE 1\r\nQUIT\r\n");
    assert!(p.line().starts_with("+OK"), "a message flagged since login is still found");
    while p.line() != ".\r\n" {}
    assert!(p.line().starts_with("+OK") && p.line().starts_with("+OK"));
    let (noop, _) = c.run("n", "NOOP");
    assert!(noop.contains("* 1 EXPUNGE"), "{noop}");
    // RENAME INBOX: the keyword stays with its message.
    assert!(c.run("r", "RENAME INBOX Old").0.contains("r OK"));
    assert!(c.run("s2", "SELECT Old").0.contains("* 2 EXISTS"));
    let (flags, _) = c.run("g", "FETCH 1 FLAGS");
    assert!(flags.contains("$Label1"), "{flags}");
    assert!(files(&server.home().join("cur")).is_empty(), "INBOX is empty");
}
