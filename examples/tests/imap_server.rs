//! `imap-server` against real clients: curl (`imap://`, `imaps://`,
//! STARTTLS), Python's imaplib (`scripts/imaplib-check.py`), isync's
//! mbsync and getmail6 syncing the mailbox into local Maildirs; the
//! results compared byte for byte with the stored messages. Also:
//! SIGTERM sends `* BYE` to connected clients and exits 0.
//!
//! The other clients' tests against this server are in `clients.rs`
//! (our imap-client, every subcommand, beside Dovecot).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{crlf, free_port, have, root, sections, seeded};

const SERVER: &str = env!("CARGO_BIN_EXE_imap-server");

struct Server {
    child: Child,
    dir: PathBuf,
    plain: u16,
    tls: u16,
}

impl Server {
    /// A server whose user alice has the seeded messages in INBOX (as files
    /// with LF line ends) and the folders Sent, Trash and Work.Projects.
    fn start(name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("imap-server-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let home = dir.join("root/alice");
        for folder in ["", ".Sent", ".Trash", ".Work", ".Work.Projects"] {
            for sub in ["new", "cur", "tmp"] {
                std::fs::create_dir_all(home.join(folder).join(sub)).unwrap();
            }
        }
        std::fs::create_dir_all(dir.join("expected")).unwrap();
        for (i, path) in common::seeded_files().iter().enumerate() {
            std::fs::copy(path, home.join(format!("new/170000000{i}.M{i}P1.seed"))).unwrap();
            std::fs::copy(path, dir.join(format!("expected/{i}.eml"))).unwrap();
        }
        let project = b"Subject: plans\nFrom: pm@example.org\n\nQ3 plans.\n";
        std::fs::write(home.join(".Work.Projects/new/1700000100.M1P1.seed"), project).unwrap();
        std::fs::write(dir.join("users"), "alice:secret\n").unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), cert.key_pair.serialize_pem()).unwrap();
        let (plain, tls) = (free_port(), free_port());
        let child = Command::new(SERVER)
            .args(["--listen", &format!("127.0.0.1:{plain}"), "--tls-listen", &format!("127.0.0.1:{tls}")])
            .arg("--cert")
            .arg(dir.join("cert.pem"))
            .arg("--key")
            .arg(dir.join("key.pem"))
            .arg("--users")
            .arg(dir.join("users"))
            .arg("--mail-root")
            .arg(dir.join("root"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        common::wait_until_listening(plain, "imap-server");
        Server { child, dir, plain, tls }
    }

    fn cert(&self) -> String {
        self.dir.join("cert.pem").display().to_string()
    }

    /// Runs curl against this server (localhost resolved to 127.0.0.1 for
    /// both ports, so that the certificate's name matches).
    fn curl(&self, args: &[&str]) -> Output {
        let resolve_plain = format!("localhost:{}:127.0.0.1", self.plain);
        let resolve_tls = format!("localhost:{}:127.0.0.1", self.tls);
        Command::new("curl")
            .args(["-s", "-S", "--max-time", "20", "--user", "alice:secret", "--cacert", &self.cert()])
            .args(["--resolve", &resolve_plain, "--resolve", &resolve_tls])
            .args(args)
            .output()
            .unwrap()
    }

    fn curl_ok(&self, args: &[&str]) -> Vec<u8> {
        let out = self.curl(args);
        assert!(out.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn curl_imap_imaps_and_starttls() {
    if !have("curl") {
        return;
    }
    let server = Server::start("curl");
    let messages = seeded();
    let plain = format!("imap://localhost:{}", server.plain);
    let tls = format!("imaps://localhost:{}", server.tls);

    let listed = String::from_utf8(server.curl_ok(&[&format!("{plain}/")])).unwrap();
    for line in [
        "* LIST (\\HasNoChildren) \".\" INBOX",
        "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
        "* LIST (\\HasNoChildren \\Trash) \".\" Trash",
        "* LIST (\\HasChildren) \".\" Work",
        "* LIST (\\HasNoChildren) \".\" Work.Projects",
    ] {
        assert!(listed.lines().any(|l| l.trim_end() == line), "{line} missing from\n{listed}");
    }

    for (i, message) in messages.iter().enumerate() {
        let uid = i + 1;
        let got = server.curl_ok(&[&format!("{plain}/INBOX/;UID={uid}")]);
        assert_eq!(got, crlf(message), "imap:// UID {uid}");
        let got = server.curl_ok(&[&format!("{tls}/INBOX/;UID={uid}")]);
        assert_eq!(got, crlf(message), "imaps:// UID {uid}");
        let got = server.curl_ok(&["--ssl-reqd", &format!("{plain}/INBOX/;UID={uid}")]);
        assert_eq!(got, crlf(message), "STARTTLS UID {uid}");
        // Every numbered MIME part by ;SECTION=.
        for (section, expected) in sections(&crlf(message)) {
            if section.is_empty() || !section.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let got = server.curl_ok(&[&format!("{plain}/INBOX/;UID={uid}/;SECTION={section}")]);
            assert_eq!(got, expected, "UID {uid} SECTION={section}: got {:?}", String::from_utf8_lossy(&got));
        }
    }

    let search = server.curl_ok(&[&format!("{plain}/INBOX"), "-X", "UID SEARCH SUBJECT lunch"]);
    assert_eq!(String::from_utf8_lossy(&search).trim_end(), "* SEARCH 3");
    let search = server.curl_ok(&[&format!("{tls}/INBOX"), "-X", "SEARCH OR FROM robot@ci.example.com BODY Ordner"]);
    assert!(String::from_utf8_lossy(&search).starts_with("* SEARCH 2"), "{}", String::from_utf8_lossy(&search));
    let project = server.curl_ok(&[&format!("{plain}/Work.Projects/;UID=1")]);
    assert_eq!(project, b"Subject: plans\r\nFrom: pm@example.org\r\n\r\nQ3 plans.\r\n");

    // A wrong password is refused.
    let out = Command::new("curl")
        .args(["-s", "--user", "alice:wrong", &format!("imap://127.0.0.1:{}/", server.plain)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(67), "curl's 'login denied'");
}

#[test]
fn python_imaplib_plain_starttls_and_imap4_ssl() {
    if !have("python3") {
        return;
    }
    let server = Server::start("imaplib");
    let out = Command::new("python3")
        .arg(root().join("scripts/imaplib-check.py"))
        .args(["localhost", &server.plain.to_string(), &server.tls.to_string(), &server.cert(), "alice", "secret"])
        .arg(server.dir.join("expected"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "imaplib-check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The messages of a Maildir folder, with CRLF line ends, sorted.
fn maildir_messages(dir: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else { continue };
        for entry in entries {
            out.push(crlf(&std::fs::read(entry.unwrap().path()).unwrap()));
        }
    }
    out.sort();
    out
}

/// Every folder of the server's copy of alice's mail, by IMAP name.
fn server_folders(server: &Server) -> BTreeMap<String, Vec<Vec<u8>>> {
    let home = server.dir.join("root/alice");
    let mut out = BTreeMap::new();
    out.insert("INBOX".to_string(), maildir_messages(&home));
    for entry in std::fs::read_dir(&home).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(folder) = name.strip_prefix('.') {
            if home.join(&name).join("cur").is_dir() {
                out.insert(folder.to_string(), maildir_messages(&home.join(&name)));
            }
        }
    }
    out
}

/// A message without the header line that starts with `prefix`.
fn without_line(message: &[u8], prefix: &[u8]) -> Vec<u8> {
    let end = message.windows(4).position(|w| w == b"\r\n\r\n").map_or(message.len(), |i| i + 2);
    let Some(at) = message[..end].windows(prefix.len()).position(|w| w == prefix) else { return message.to_vec() };
    let eol = at + message[at..].windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    [&message[..at], &message[eol..]].concat()
}

fn lossy(messages: &[Vec<u8>]) -> Vec<String> {
    messages.iter().map(|m| String::from_utf8_lossy(m).into_owned()).collect()
}

#[test]
fn mbsync_and_getmail6_copy_the_mailboxes() {
    if !have("mbsync") || !have("getmail") {
        return;
    }
    let server = Server::start("sync");
    let expected = server_folders(&server);
    assert_eq!(expected["INBOX"].len(), 4);

    // isync's mbsync over implicit TLS: every folder, into a Maildir++
    // tree.
    let local = server.dir.join("mbsync");
    std::fs::create_dir_all(&local).unwrap();
    let config = format!(
        "IMAPAccount ours\nHost localhost\nPort {}\nUser alice\nPass secret\nSSLType IMAPS\nCertificateFile {}\n\n\
         IMAPStore remote\nAccount ours\n\n\
         MaildirStore local\nInbox {}/INBOX\nSubFolders Maildir++\n\n\
         Channel all\nFar :remote:\nNear :local:\nPatterns *\nCreate Near\nSync Pull\nSyncState *\n",
        server.tls,
        server.cert(),
        local.display()
    );
    std::fs::write(server.dir.join("mbsyncrc"), config).unwrap();
    for run in 0..2 {
        let out = Command::new("mbsync").arg("-c").arg(server.dir.join("mbsyncrc")).arg("-a").output().unwrap();
        assert!(
            out.status.success(),
            "mbsync run {run}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // mbsync's INBOX is its own directory; the others sit under the root.
    let mut synced = BTreeMap::new();
    synced.insert("INBOX".to_string(), maildir_messages(&local.join("INBOX")));
    for entry in std::fs::read_dir(local.join("INBOX")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let dir = local.join("INBOX").join(&name);
        if let (Some(folder), true) = (name.strip_prefix('.'), dir.join("cur").is_dir()) {
            synced.insert(folder.to_string(), maildir_messages(&dir));
        }
    }
    assert_eq!(synced.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "mbsync's folders");
    for (folder, messages) in &expected {
        // mbsync marks what it stored with an X-TUID header line of its
        // own; without it, each message is the server's byte for byte.
        let mut copies: Vec<Vec<u8>> = synced[folder].iter().map(|m| without_line(m, b"X-TUID: ")).collect();
        copies.sort();
        assert_eq!(lossy(&copies), lossy(messages), "mbsync's copy of {folder}");
    }

    // getmail6 over plain IMAP: INBOX into a Maildir, leaving the
    // messages on the server; a second run fetches nothing new.
    let got = server.dir.join("getmail/");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(got.join(sub)).unwrap();
    }
    let rc = format!(
        "[retriever]\ntype = SimpleIMAPRetriever\nserver = 127.0.0.1\nport = {}\nusername = alice\npassword = secret\n\
         mailboxes = (\"INBOX\",)\n\n[destination]\ntype = Maildir\npath = {}\n\n\
         [options]\nread_all = false\ndelete = false\ndelivered_to = false\nreceived = false\nverbose = 0\n",
        server.plain,
        got.display()
    );
    // getmail refuses to deliver as root: there it delivers as nobody,
    // into a directory nobody can write.
    let root_user = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n");
    let rc = if root_user {
        use std::os::unix::fs::PermissionsExt;
        for dir in [server.dir.clone(), got.clone()] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        for sub in ["new", "cur", "tmp"] {
            std::fs::set_permissions(got.join(sub), std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        rc.replace("[options]", "user = nobody\n\n[options]")
    } else {
        rc
    };
    std::fs::write(server.dir.join("getmailrc"), rc).unwrap();
    for run in 0..2 {
        let out = Command::new("getmail")
            .arg("--rcfile")
            .arg(server.dir.join("getmailrc"))
            .arg("--getmaildir")
            .arg(&server.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "getmail run {run}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // getmail records where it found the message, and puts a Return-Path
    // on top of those without one; without those, each is the server's.
    let fetched: Vec<Vec<u8>> = maildir_messages(&got)
        .iter()
        .map(|m| without_line(m, b"X-getmail-retrieved-from-mailbox: "))
        .map(|m| m.strip_prefix(&b"Return-Path: <unknown>\r\n"[..]).map(<[u8]>::to_vec).unwrap_or(m))
        .collect();
    let mut inbox = expected["INBOX"].clone();
    inbox.sort();
    let mut fetched = fetched;
    fetched.sort();
    assert_eq!(lossy(&fetched), lossy(&inbox), "getmail6 fetched INBOX once, byte for byte");
    assert_eq!(server_folders(&server)["INBOX"].len(), 4, "left on the server");
}

#[test]
fn sigterm_says_bye_to_connected_clients() {
    let mut server = Server::start("bye");
    let stream = std::net::TcpStream::connect(("127.0.0.1", server.plain)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("* OK [CAPABILITY IMAP4rev1 "), "{line}");
    (&stream).write_all(b"a LOGIN alice secret\r\nb SELECT INBOX\r\nc IDLE\r\n").unwrap();
    let mut seen = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        seen.push(line.clone());
        if line.starts_with("+ ") {
            break;
        }
    }
    assert!(seen.iter().any(|l| l == "* 4 EXISTS\r\n"), "{seen:?}");
    let started = Instant::now();
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "* BYE Server shutting down.\r\n");
    line.clear();
    assert_eq!(reader.read_line(&mut line).unwrap(), 0, "then the connection closes");
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn limits_and_the_rules_before_login() {
    let server = Server::start("limits");
    let stream = std::net::TcpStream::connect(("127.0.0.1", server.plain)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    let mut next = |reader: &mut BufReader<std::net::TcpStream>| {
        line.clear();
        reader.read_line(&mut line).unwrap();
        line.clone()
    };
    assert!(next(&mut reader).starts_with("* OK "));
    // Only the RFC's commands before login; a big literal is refused
    // before it is sent.
    (&stream).write_all(b"a SELECT INBOX\r\nb LOGIN {100000}\r\n").unwrap();
    assert_eq!(next(&mut reader), "a NO SELECT is not valid in this state\r\n");
    assert!(next(&mut reader).starts_with("b NO [TOOBIG] "));
    (&stream).write_all(b"c LOGIN alice wrong\r\n").unwrap();
    assert_eq!(next(&mut reader), "c NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    // After login, an APPEND literal of a megabyte is taken.
    (&stream).write_all(b"d LOGIN alice secret\r\ne APPEND Trash {1048576}\r\n").unwrap();
    assert!(next(&mut reader).starts_with("d OK "));
    assert_eq!(next(&mut reader), "+ Ready for literal data\r\n");
    let mut message = b"Subject: big\r\n\r\n".to_vec();
    message.resize(1048576 - 2, b'x');
    message.extend_from_slice(b"\r\n");
    (&stream).write_all(&message).unwrap();
    (&stream).write_all(b"\r\n").unwrap();
    assert!(next(&mut reader).starts_with("e OK [APPENDUID "), "{line}");
    // Twenty invalid commands in a row end the session.
    for i in 0..20 {
        (&stream).write_all(format!("x{i} BOGUS\r\n").as_bytes()).unwrap();
    }
    let mut lines = Vec::new();
    loop {
        let l = next(&mut reader);
        if l.is_empty() {
            break;
        }
        lines.push(l);
    }
    assert_eq!(lines.len(), 21, "{lines:?}");
    assert_eq!(lines[20], "* BYE Too many invalid IMAP commands.\r\n");
    // The big message is whole in Trash, and fetched back streamed.
    let big = server.curl_ok(&[&format!("imap://localhost:{}/Trash/;UID=1", server.plain)]);
    assert_eq!(big, message);
}

/// Peak resident memory of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_large_message_is_appended_and_fetched_without_being_held() {
    let server = Server::start("large");
    // 32 MiB with LF line ends, as a delivery agent left it.
    let line = format!("{}\n", "0123456789".repeat(7));
    let lines = 32 * 1024 * 1024 / line.len();
    let mut message = b"Subject: large\n\n".to_vec();
    for _ in 0..lines {
        message.extend_from_slice(line.as_bytes());
    }
    let home = server.dir.join("root/alice");
    std::fs::write(home.join(".Trash/new/1800000000.M1P1.large"), &message).unwrap();
    let expected = crlf(&message);

    let stream = std::net::TcpStream::connect(("127.0.0.1", server.plain)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut reader = BufReader::with_capacity(1 << 20, stream.try_clone().unwrap());
    let mut line = String::new();
    // The same message APPENDed (LITERAL+, so all at once): it goes to disk
    // as it arrives.
    let append = format!("a LOGIN alice secret\r\nz APPEND Trash {{{}+}}\r\n", expected.len());
    (&stream).write_all(append.as_bytes()).unwrap();
    (&stream).write_all(&expected).unwrap();
    (&stream).write_all(b"\r\n").unwrap();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert!(!line.is_empty() && !line.starts_with("z NO") && !line.starts_with("z BAD"), "{line}");
        if line.starts_with("z OK [APPENDUID ") {
            break;
        }
    }
    let stored = std::fs::read_dir(home.join(".Trash/cur")).unwrap().count();
    assert_eq!(stored, 2, "the appended message is in the folder");
    (&stream).write_all(b"b SELECT Trash\r\nc UID FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n").unwrap();
    let literal = loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "connection closed");
        if line.starts_with("* 1 FETCH ") {
            break line.clone();
        }
    };
    assert!(literal.contains(&format!("RFC822.SIZE {}", expected.len())), "{literal}");
    assert!(literal.ends_with(&format!("BODY[] {{{}}}\r\n", expected.len())), "{literal}");
    let mut got = vec![0u8; expected.len()];
    std::io::Read::read_exact(&mut reader, &mut got).unwrap();
    assert!(got == expected, "the streamed message differs");
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, ")\r\n");
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("c OK "), "{line}");
    let peak = peak_rss_kib(server.child.id());
    assert!(peak < 24 * 1024, "the server held the message: peak RSS {peak} KiB for a 32 MiB message");
    // The appended copy is the same bytes.
    let appended = std::fs::read_dir(home.join(".Trash/cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.file_name().unwrap().to_string_lossy().contains("large"))
        .unwrap();
    assert!(std::fs::read(appended).unwrap() == expected, "APPEND stored the message byte for byte");
}

/// A line-oriented IMAP connection for the tests below.
struct Conn {
    stream: std::net::TcpStream,
    reader: BufReader<std::net::TcpStream>,
}

impl Conn {
    fn open(port: u16) -> Conn {
        let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        let mut conn = Conn { stream, reader };
        assert!(conn.line().starts_with("* OK "));
        conn
    }

    /// A connection logged in as alice with INBOX selected read-write.
    fn inbox(port: u16) -> Conn {
        let mut conn = Conn::open(port);
        assert!(conn.run("l", "LOGIN alice secret").1.starts_with("l OK"));
        assert!(conn.run("s", "SELECT INBOX").1.starts_with("s OK [READ-WRITE]"));
        conn
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line
    }

    /// Sends a tagged command; returns its untagged lines and the tagged one.
    fn run(&mut self, tag: &str, command: &str) -> (Vec<String>, String) {
        (&self.stream).write_all(format!("{tag} {command}\r\n").as_bytes()).unwrap();
        let mut untagged = Vec::new();
        loop {
            let line = self.line();
            assert!(!line.is_empty(), "connection closed during {command}");
            if line.starts_with(&format!("{tag} ")) {
                return (untagged, line);
            }
            untagged.push(line);
        }
    }
}

#[test]
fn sessions_see_each_others_changes_where_the_rfc_allows() {
    let server = Server::start("sessions");
    let (mut a, mut b) = (Conn::inbox(server.plain), Conn::inbox(server.plain));
    // B flags message 2 and expunges message 1.
    b.run("1", "STORE 2 +FLAGS (\\Flagged)");
    b.run("2", "STORE 1 +FLAGS (\\Deleted)");
    let (untagged, done) = b.run("3", "EXPUNGE");
    assert_eq!((untagged, done.starts_with("3 OK")), (vec!["* 1 EXPUNGE\r\n".to_string()], true));
    // A's FETCH may not be told of the expunge: numbers stay, the flag
    // change comes; then NOOP brings the EXPUNGE.
    let (untagged, done) = a.run("1", "FETCH 2 (FLAGS)");
    assert!(done.starts_with("1 OK"), "{done}");
    assert!(untagged.iter().all(|l| !l.contains("EXPUNGE")), "{untagged:?}");
    assert!(untagged.iter().any(|l| l.starts_with("* 2 FETCH (FLAGS (\\Flagged")), "{untagged:?}");
    // A STORE on the message B expunged still answers with its flags.
    let (untagged, done) = a.run("2", "STORE 1 +FLAGS (\\Seen)");
    assert!(done.starts_with("2 OK [EXPUNGEISSUED]"), "{done}");
    assert!(untagged.iter().any(|l| l.starts_with("* 1 FETCH (FLAGS (\\Deleted \\Seen")), "{untagged:?}");
    let (untagged, done) = a.run("3", "NOOP");
    assert!(done.starts_with("3 OK"));
    assert_eq!(untagged, vec!["* 1 EXPUNGE\r\n".to_string()]);
    // An APPEND by B reaches A at A's next command, with EXISTS and RECENT:
    // A selected first, so the three seeded messages left are \Recent to
    // it; the new one is B's (B saw it first).
    assert!(b.run("4", "APPEND INBOX {10+}\r\nSubject: x").1.starts_with("4 OK [APPENDUID "));
    let (untagged, _) = a.run("4", "NOOP");
    assert_eq!(untagged, vec!["* 4 EXISTS\r\n".to_string(), "* 3 RECENT\r\n".to_string()]);
}

/// Every keyword a STORE names is in FLAGS by the STORE's OK, even one
/// only being removed (imaptest's stress checks this; Dovecot does so),
/// and the other session learns it at its next command.
#[test]
fn a_store_announces_every_keyword_it_names() {
    let server = Server::start("keywords");
    let (mut a, mut b) = (Conn::inbox(server.plain), Conn::inbox(server.plain));
    let (untagged, done) = a.run("1", "STORE 1 -FLAGS ($NeverSet)");
    assert!(done.starts_with("1 OK"), "{done}");
    assert!(untagged.iter().any(|l| l.starts_with("* FLAGS (") && l.contains("$NeverSet")), "{untagged:?}");
    // Nothing was set: the message's flags do not name it.
    assert!(untagged.iter().all(|l| !(l.contains(" FETCH ") && l.contains("$NeverSet"))), "{untagged:?}");
    let (untagged, done) = b.run("1", "STORE 2 -FLAGS.SILENT ($NeverSet)");
    assert!(done.starts_with("1 OK"), "{done}");
    assert!(untagged.iter().any(|l| l.starts_with("* FLAGS (") && l.contains("$NeverSet")), "{untagged:?}");
}
