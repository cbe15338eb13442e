//! `imap-client` and `pop3-client` against two pairs of servers on
//! 127.0.0.1, with the same checks: a real Servers (Debian's packages) and
//! our own `imap-server` and `pop3-server`. Every subcommand over plain,
//! STARTTLS/STLS and implicit TLS, the output compared byte for byte with
//! the seeded messages (every MIME section against an independent
//! splitter); two connections at once (one idles, the other changes the
//! mailbox); a sync run twice with changes in between; COMPRESS=DEFLATE.
//!
//! Servers is started by `examples/scripts/dovecot-test-server.sh` (which
//! `.ci/run` installs first). Without Servers its test is skipped, except
//! under `CI=true`, where it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::{free_port, root, sections, seeded};

const IMAP_CLIENT: &str = env!("CARGO_BIN_EXE_imap-client");
const POP3_CLIENT: &str = env!("CARGO_BIN_EXE_pop3-client");
const IMAP_SERVER: &str = env!("CARGO_BIN_EXE_imap-server");
const POP3_SERVER: &str = env!("CARGO_BIN_EXE_pop3-server");

/// Servers under test: a running Servers, or our two servers (their
/// processes), stopped on drop.
struct Servers {
    dir: PathBuf,
    imap: u16,
    pop3: u16,
    imaps: u16,
    pop3s: u16,
    /// Our servers' processes; empty for Dovecot.
    ours: Vec<Child>,
}

impl Servers {
    fn is_ours(&self) -> bool {
        !self.ours.is_empty()
    }

    /// The hierarchy delimiter LIST shows.
    fn delimiter(&self) -> &'static str {
        if self.is_ours() {
            "."
        } else {
            "/"
        }
    }

    /// Our `imap-server` and `pop3-server` over one mail root, seeded like
    /// the Servers script seeds its users (INBOX with the four messages,
    /// Sent and Trash).
    fn start_ours() -> Servers {
        let dir = std::env::temp_dir().join(format!("mailproto-ours-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mail = dir.join("root");
        let mut users = String::new();
        for user in ["alice", "bob", "carol", "dave", "erin"] {
            users.push_str(&format!("{user}:secret\n"));
            let home = mail.join(user);
            for folder in ["", ".Sent", ".Trash"] {
                for sub in ["new", "cur", "tmp"] {
                    std::fs::create_dir_all(home.join(folder).join(sub)).unwrap();
                }
            }
            for (i, path) in common::seeded_files().iter().enumerate() {
                // As the files are (LF line ends): the server serves CRLF.
                std::fs::copy(path, home.join(format!("new/170000000{i}.M{i}P1.seed"))).unwrap();
            }
        }
        std::fs::write(dir.join("users"), users).unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), cert.key_pair.serialize_pem()).unwrap();
        let (imap, pop3, imaps, pop3s) = (free_port(), free_port(), free_port(), free_port());
        let mut ours = Vec::new();
        for (program, plain, tls) in [(IMAP_SERVER, imap, imaps), (POP3_SERVER, pop3, pop3s)] {
            let child = Command::new(program)
                .args(["--listen", &format!("127.0.0.1:{plain}"), "--tls-listen", &format!("127.0.0.1:{tls}")])
                .arg("--cert")
                .arg(dir.join("cert.pem"))
                .arg("--key")
                .arg(dir.join("key.pem"))
                .arg("--users")
                .arg(dir.join("users"))
                .arg("--mail-root")
                .arg(&mail)
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            ours.push(child);
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while std::net::TcpStream::connect(("127.0.0.1", plain)).is_err() {
                assert!(std::time::Instant::now() < deadline, "{program} did not start");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Servers { dir, imap, pop3, imaps, pop3s, ours }
    }

    /// Delivers a message to a user's INBOX behind the server's back (an
    /// MDA's job).
    fn deliver(&self, user: &str, message: &[u8]) {
        if self.is_ours() {
            let maildir = mail_examples::maildir::Maildir::create(&self.dir.join("root").join(user)).unwrap();
            maildir.deliver("1800000000.M1P1.later", None, message).unwrap();
            return;
        }
        let status = Command::new("/usr/lib/dovecot/dovecot-lda")
            .args(["-c", &self.dir.join("dovecot.conf").display().to_string(), "-d", user])
            .stdin(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(message)?;
                child.wait()
            })
            .unwrap();
        assert!(status.success());
    }

    /// Dovecot, started by the test script.
    fn start_dovecot() -> Option<Servers> {
        let installed = Path::new("/usr/sbin/dovecot").exists() && Path::new("/usr/lib/dovecot/dovecot-lda").exists();
        if !installed {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "Dovecot is not installed (examples/scripts/install-dovecot.sh); CI must run this test"
            );
            eprintln!("skipped: Dovecot is not installed (examples/scripts/install-dovecot.sh)");
            return None;
        }
        // Directly under /tmp: Dovecot's unprivileged processes must reach it.
        let dir = PathBuf::from(format!("/tmp/mailproto-clients-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = Servers {
            dir,
            imap: free_port(),
            pop3: free_port(),
            imaps: free_port(),
            pop3s: free_port(),
            ours: Vec::new(),
        };
        let status = Command::new(root().join("scripts/dovecot-test-server.sh"))
            .arg("start")
            .arg(&d.dir)
            .args([d.imap, d.pop3, d.imaps, d.pop3s].map(|p| p.to_string()))
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "dovecot-test-server.sh start failed");
        Some(d)
    }

    fn ca(&self) -> String {
        self.dir.join("cert.pem").display().to_string()
    }

    /// Connection options for a user and TLS mode.
    fn options(&self, protocol: &str, user: &str, tls: &str) -> Vec<String> {
        let port = match (protocol, tls) {
            ("imap", "implicit") => self.imaps,
            ("imap", _) => self.imap,
            (_, "implicit") => self.pop3s,
            _ => self.pop3,
        };
        let mut options: Vec<String> =
            ["--host", "localhost", "--port", &port.to_string(), "--tls", tls, "--user", user, "--password-env"]
                .map(String::from)
                .to_vec();
        options.push("TEST_PASSWORD".into());
        if tls != "none" {
            options.extend(["--ca".to_string(), self.ca()]);
        }
        options
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.ours {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let _ = child.wait();
        }
        if self.ours.is_empty() {
            let _ = Command::new(root().join("scripts/dovecot-test-server.sh")).arg("stop").arg(&self.dir).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(program: &str, options: &[String], args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(options)
        .args(args)
        .env("TEST_PASSWORD", "secret")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    output
}

/// Runs and expects success; returns stdout.
fn ok(program: &str, options: &[String], args: &[&str]) -> Vec<u8> {
    let output = run(program, options, args);
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn imap_and_pop3_clients_against_dovecot() {
    let Some(servers) = Servers::start_dovecot() else { return };
    every_check(&servers);
}

#[test]
fn imap_and_pop3_clients_against_our_servers() {
    every_check(&Servers::start_ours());
}

fn every_check(servers: &Servers) {
    let messages = seeded();
    assert_eq!(messages.len(), 4);
    imap_read_commands_in_every_tls_mode(servers, &messages);
    the_first_task_with_the_typed_operations(servers);
    imap_changes(servers);
    imap_idle_sees_another_connection(servers);
    imap_sync_twice(servers, &messages);
    imap_compress(servers, &messages);
    pop3_in_every_tls_mode(servers, &messages);
    usage_and_failure_exit_codes(servers);
}

/// mail-codec's typed operations, the task a new user writes first: log
/// in, list, select INBOX, UID, flags and subject of every message, five
/// seconds of IDLE, log out (the same code as
/// `mail-codec/examples/first_task.rs`).
fn the_first_task_with_the_typed_operations(servers: &Servers) {
    use mail_codec::imap_wire::client::ClientConfig;
    use mail_codec::{ImapClient, Items};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let port = servers.imap;
    let (mailboxes, lines) = runtime
        .block_on(async move {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
            let mut imap = ImapClient::new(tcp, ClientConfig::default()).await?;
            imap.login("alice", "secret").await?;
            let mailboxes: Vec<String> = imap.list("", "*").await?.into_iter().map(|entry| entry.name).collect();
            imap.select("INBOX").await?;
            let mut lines = Vec::new();
            let mut messages = imap.fetch(.., Items::new().uid().flags().envelope()).await?;
            while let Some(message) = messages.next().await? {
                let flags: Vec<String> = message.flags().iter().map(|flag| flag.to_string()).collect();
                let uid = message.uid().map_or(0, |uid| uid.get());
                lines.push(format!("{uid} [{}] {}", flags.join(" "), message.subject().unwrap_or_default()));
            }
            let (mut idle, until) = (imap.idle().await?, tokio::time::Instant::now() + Duration::from_secs(5));
            while let Ok(update) = tokio::time::timeout_at(until, idle.next_update()).await {
                let Some(update) = update? else { break };
                lines.push(format!("update: {update:?}"));
            }
            idle.done().await?;
            imap.logout().await?;
            Ok::<_, mail_codec::Error>((mailboxes, lines))
        })
        .unwrap();
    for name in ["INBOX", "Sent", "Trash"] {
        assert!(mailboxes.iter().any(|m| m == name), "{name} not in {mailboxes:?}");
    }
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[1].ends_with(" Nightly report with attachments"), "{lines:?}");
    assert!(lines[2].ends_with(" Fwd: lunch?"), "{lines:?}");
    assert!(lines[0].ends_with(" =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich?="), "the subject as sent: {lines:?}");
    assert!(lines.iter().all(|l| !l.starts_with("0 ")), "every message has its UID: {lines:?}");
}

fn imap_read_commands_in_every_tls_mode(servers: &Servers, messages: &[Vec<u8>]) {
    let subjects =
        ["Grüße aus Zürich", "Nightly report with attachments", "Fwd: lunch?", "Überweisung für März – 8-bit header"];
    for tls in ["none", "starttls", "implicit"] {
        let o = servers.options("imap", "alice", tls);
        let list = text(ok(IMAP_CLIENT, &o, &["list"]));
        let mut lines: Vec<&str> = list.lines().collect();
        lines.sort();
        let d = servers.delimiter();
        assert_eq!(
            lines,
            [
                format!("INBOX\t{d}\t\\HasNoChildren"),
                format!("Sent\t{d}\t\\HasNoChildren \\Sent"),
                format!("Trash\t{d}\t\\HasNoChildren \\Trash")
            ],
            "{tls}"
        );

        let fetched = text(ok(IMAP_CLIENT, &o, &["fetch", "INBOX", "1:*"]));
        let rows: Vec<Vec<&str>> = fetched.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), 4, "{tls}: {fetched}");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row[0], (i + 1).to_string());
            let flags: Vec<&str> = row[1].split(' ').filter(|f| !f.is_empty() && *f != "\\Recent").collect();
            assert_eq!(flags, Vec::<&str>::new(), "{tls}: nothing was read");
            assert_eq!(row[2], subjects[i], "{tls}");
        }

        for (i, message) in messages.iter().enumerate() {
            let uid = (i + 1).to_string();
            for (section, expected) in sections(message) {
                let got = ok(IMAP_CLIENT, &o, &["part", "INBOX", &uid, &section]);
                assert!(
                    got == expected,
                    "{tls}: UID {uid} BODY[{section}] differs:\n got {:?}\nwant {:?}",
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&expected)
                );
            }
        }

        let search = |keys: &[&str]| {
            let mut args = vec!["search", "INBOX"];
            args.extend_from_slice(keys);
            text(ok(IMAP_CLIENT, &o, &args))
        };
        assert_eq!(search(&["SUBJECT", "lunch"]), "3\n", "{tls}");
        assert_eq!(search(&["FROM", "robot@ci.example.com"]), "2\n");
        assert_eq!(search(&["ALL"]), "1\n2\n3\n4\n");
        assert_eq!(search(&["OR", "SUBJECT", "lunch", "BODY", "Überweisung"]), "3\n4\n");
        assert_eq!(search(&["NOT", "SUBJECT", "lunch", "SMALLER", "600"]), "1\n4\n");
        assert_eq!(search(&["TEXT", "tests passed", "SINCE", "1-Jan-2000"]), "2\n");
        // Read-only commands left the messages unread.
        assert_eq!(search(&["SEEN"]), "");
    }
}

fn imap_changes(servers: &Servers) {
    for (i, tls) in ["none", "starttls", "implicit"].into_iter().enumerate() {
        let o = servers.options("imap", "carol", tls);
        let flags_of = |uid: &str| -> String {
            let fetched = text(ok(IMAP_CLIENT, &o, &["fetch", "INBOX", "1:*"]));
            let row = fetched.lines().find(|l| l.split('\t').next() == Some(uid)).unwrap_or_default().to_string();
            let mut flags: Vec<&str> =
                row.split('\t').nth(1).unwrap_or("").split(' ').filter(|f| !f.is_empty() && *f != "\\Recent").collect();
            // In the server's order; compared as sets.
            flags.sort_unstable();
            flags.join(" ")
        };
        ok(IMAP_CLIENT, &o, &["store", "INBOX", "1", "FLAGS"]);
        assert_eq!(flags_of("1"), "", "{tls}: FLAGS () clears them");
        ok(IMAP_CLIENT, &o, &["store", "INBOX", "1", "+FLAGS", "\\Seen", "\\Flagged", "$Work"]);
        assert_eq!(flags_of("1"), "$Work \\Flagged \\Seen", "{tls}");
        ok(IMAP_CLIENT, &o, &["store", "INBOX", "1", "-FLAGS", "\\Flagged", "$Work"]);
        assert_eq!(flags_of("1"), "\\Seen", "{tls}");
        ok(IMAP_CLIENT, &o, &["store", "INBOX", "1", "FLAGS", "\\Answered"]);
        assert_eq!(flags_of("1"), "\\Answered", "{tls}");

        // Append: the new UID is printed (UIDPLUS), the bytes are stored.
        let file = servers.dir.join(format!("append-{i}.eml"));
        let message = format!("Subject: appended over {tls}\r\nFrom: t@example.org\r\n\r\nline one\r\n.line two\r\n");
        std::fs::write(&file, &message).unwrap();
        let uid = text(ok(IMAP_CLIENT, &o, &["append", "INBOX", &file.display().to_string()]));
        let uid = uid.trim().to_string();
        assert_eq!(uid, (5 + i).to_string(), "{tls}");
        assert_eq!(ok(IMAP_CLIENT, &o, &["part", "INBOX", &uid, ""]), message.as_bytes());

        // Move to Trash, then it is there and not here.
        ok(IMAP_CLIENT, &o, &["move", "INBOX", &uid, "Trash"]);
        assert_eq!(text(ok(IMAP_CLIENT, &o, &["search", "INBOX", "UID", &uid])), "");
        let in_trash = text(ok(IMAP_CLIENT, &o, &["search", "Trash", "SUBJECT", &format!("appended over {tls}")]));
        assert_eq!(in_trash.lines().count(), 1, "{tls}");

        // Expunge: \Deleted messages go, and their number is printed.
        ok(IMAP_CLIENT, &o, &["store", "Trash", in_trash.trim(), "+FLAGS", "\\Deleted"]);
        assert_eq!(text(ok(IMAP_CLIENT, &o, &["expunge", "Trash"])), "1\n", "{tls}");
        assert_eq!(text(ok(IMAP_CLIENT, &o, &["expunge", "Trash"])), "0\n");
    }
}

fn imap_idle_sees_another_connection(servers: &Servers) {
    for tls in ["none", "starttls", "implicit"] {
        idle_round(servers, tls);
    }
}

/// One idler (over `tls`) and one plain connection that changes the
/// mailbox: a flag on message 1, an append, an expunge of message 2.
fn idle_round(servers: &Servers, tls: &str) {
    use std::io::BufRead;
    let other = servers.options("imap", "erin", "none");
    let all = text(ok(IMAP_CLIENT, &other, &["search", "INBOX", "ALL"]));
    let (count, first) = (all.lines().count(), all.lines().next().unwrap().to_string());
    // Message 1 starts without flags, so that setting \Seen is a change.
    ok(IMAP_CLIENT, &other, &["store", "INBOX", &first, "FLAGS"]);
    let o = servers.options("imap", "erin", tls);
    let mut idler = Command::new(IMAP_CLIENT)
        .args(&o)
        .args(["idle", "INBOX", "60"])
        .env("TEST_PASSWORD", "secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    let stdout = idler.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut got = Vec::new();
    let mut expect = |wanted: &dyn Fn(&str) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match seen.recv_timeout(left) {
                Ok(line) => {
                    got.push(line.clone());
                    if wanted(&line) {
                        return;
                    }
                }
                Err(_) => panic!("the idler did not report the change; it printed {got:?}"),
            }
        }
    };
    // Give the idler time to select and start IDLE.
    std::thread::sleep(Duration::from_millis(1500));
    ok(IMAP_CLIENT, &other, &["store", "INBOX", &first, "FLAGS", "\\Seen"]);
    expect(&|l| l.starts_with("FETCH 1 ") && l.contains("\\Seen"));
    let file = servers.dir.join("idle-append.eml");
    std::fs::write(&file, "Subject: while idling\r\n\r\nhello\r\n").unwrap();
    ok(IMAP_CLIENT, &other, &["append", "INBOX", &file.display().to_string()]);
    let exists = format!("EXISTS {}", count + 1);
    expect(&|l| l == exists);
    let second = text(ok(IMAP_CLIENT, &other, &["search", "INBOX", "ALL"])).lines().nth(1).unwrap().to_string();
    ok(IMAP_CLIENT, &other, &["store", "INBOX", &second, "+FLAGS", "\\Deleted"]);
    assert_eq!(text(ok(IMAP_CLIENT, &other, &["expunge", "INBOX"])), "1\n");
    expect(&|l| l == "EXPUNGE 2");
    // SIGINT ends the IDLE cleanly (DONE, LOGOUT, exit status 0).
    let started = std::time::Instant::now();
    let status = Command::new("kill").args(["-INT", &idler.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = idler.wait_with_output().unwrap();
    assert!(output.status.success(), "{tls}: {:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    assert!(started.elapsed() < Duration::from_secs(5), "stopped at once, not after 60 s");
    reader.join().unwrap();
}

fn maildir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let entry = entry.unwrap();
            out.push((entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap()));
        }
    }
    out.sort();
    out
}

fn imap_sync_twice(servers: &Servers, messages: &[Vec<u8>]) {
    // One TLS mode per run: the state carries over whatever the transport.
    let o = servers.options("imap", "dave", "none");
    let dir = servers.dir.join("dave-copy");
    let d = dir.display().to_string();
    assert_eq!(text(ok(IMAP_CLIENT, &o, &["sync", "INBOX", &d])), "new 4, changed 0, removed 0\n");
    let files = maildir_files(&dir);
    assert_eq!(files.len(), 4);
    for (file, message) in files.iter().zip(messages) {
        assert_eq!(&file.1, message, "{}", file.0);
    }
    let o = servers.options("imap", "dave", "starttls");
    assert_eq!(text(ok(IMAP_CLIENT, &o, &["sync", "INBOX", &d])), "new 0, changed 0, removed 0\n");

    // Changes on the server: a delivered message, a flag change, an
    // expunge.
    let delivered = b"Subject: delivered later\r\nFrom: x@example.org\r\n\r\nnew\r\n";
    servers.deliver("dave", delivered);
    ok(IMAP_CLIENT, &o, &["store", "INBOX", "1", "+FLAGS", "\\Seen", "\\Flagged"]);
    ok(IMAP_CLIENT, &o, &["store", "INBOX", "3", "+FLAGS", "\\Deleted"]);
    ok(IMAP_CLIENT, &o, &["expunge", "INBOX"]);
    let o = servers.options("imap", "dave", "implicit");
    assert_eq!(text(ok(IMAP_CLIENT, &o, &["sync", "INBOX", &d])), "new 1, changed 1, removed 1\n");

    // The Maildir matches the server: same messages, same flags.
    let files = maildir_files(&dir);
    let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names[0].ends_with("-1.imap:2,FS"), "{names:?}");
    assert!(names.iter().all(|n| !n.contains("-3.imap")), "{names:?}");
    for (name, data) in &files {
        let uid = name.split('-').nth(1).unwrap().split('.').next().unwrap();
        assert_eq!(data, &ok(IMAP_CLIENT, &o, &["part", "INBOX", uid, ""]), "{name}");
    }
    assert_eq!(files[3].1, delivered);
    assert_eq!(text(ok(IMAP_CLIENT, &o, &["sync", "INBOX", &d])), "new 0, changed 0, removed 0\n");
    // Both servers offer QRESYNC: the later runs took their changes from the
    // SELECT (VANISHED (EARLIER) and FETCH FLAGS), not from listing.
    ok(IMAP_CLIENT, &o, &["store", "INBOX", "2", "+FLAGS", "\\Answered"]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let report = runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", servers.imap)).await.unwrap();
        let mut imap = mail_codec::ImapClient::new(tcp, Default::default()).await.unwrap();
        imap.login("dave", "secret").await.unwrap();
        let mut report = mail_examples::imap_tool::SyncReport::default();
        mail_examples::imap_tool::sync(&mut imap, "INBOX", &dir, &mut report).await.unwrap();
        imap.logout().await.unwrap();
        report
    });
    assert_eq!((report.new, report.changed, report.removed, report.quick_resync), (0, 1, 0, true));
}

fn imap_compress(servers: &Servers, messages: &[Vec<u8>]) {
    use imap_wire::client::ClientConfig;
    use imap_wire::{CommandBody, Data, Mailbox, MessageAttribute};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", servers.imap)).await.unwrap();
        let mut imap = mail_codec::ImapClient::new(tcp, ClientConfig::default()).await.unwrap();
        imap.login("alice", "secret").await.unwrap();
        imap.compress().await.unwrap();
        imap.execute(CommandBody::Examine { mailbox: Mailbox::inbox(), parameters: vec![] }).await.unwrap();
        let fetch = imap_wire::Command::parse(b"X FETCH 1:* (BODY.PEEK[])\r\n").unwrap().body;
        let outcome = imap.execute(fetch).await.unwrap();
        let bodies: Vec<Vec<u8>> = outcome
            .data
            .iter()
            .filter_map(|d| match d {
                Data::Fetch { attributes, .. } => attributes.iter().find_map(|a| match a {
                    MessageAttribute::BodySection { data, .. } => data.as_ref().map(|s| s.to_vec()),
                    _ => None,
                }),
                _ => None,
            })
            .collect();
        assert_eq!(bodies, messages, "through COMPRESS=DEFLATE");
        imap.logout().await.unwrap();
    });
}

fn pop3_in_every_tls_mode(servers: &Servers, messages: &[Vec<u8>]) {
    for tls in ["none", "starttls", "implicit"] {
        let o = servers.options("pop3", "bob", tls);
        let list = text(ok(POP3_CLIENT, &o, &["list"]));
        let rows: Vec<Vec<&str>> = list.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), 4, "{tls}: {list}");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row[0], (i + 1).to_string());
            assert_eq!(row[1], messages[i].len().to_string(), "{tls}: size of {}", i + 1);
            if !servers.is_ours() {
                assert_eq!(row[2].len(), 16, "Dovecot's UIDL format here");
            }
        }
        for (i, message) in messages.iter().enumerate() {
            assert_eq!(&ok(POP3_CLIENT, &o, &["retr", &(i + 1).to_string()]), message, "{tls}: RETR {}", i + 1);
        }
    }
    let o = servers.options("pop3", "bob", "starttls");
    let dir = servers.dir.join("bob-download");
    let d = dir.display().to_string();
    assert_eq!(text(ok(POP3_CLIENT, &o, &["download", &d, "--keep"])), "downloaded 4, skipped 0, deleted 0\n");
    assert_eq!(text(ok(POP3_CLIENT, &o, &["download", &d, "--keep"])), "downloaded 0, skipped 4, deleted 0\n");
    let files: Vec<Vec<u8>> = maildir_files(&dir).into_iter().map(|f| f.1).collect();
    assert_eq!(files, messages);
    assert_eq!(text(ok(POP3_CLIENT, &o, &["download", &d])), "downloaded 0, skipped 4, deleted 4\n");
    assert_eq!(text(ok(POP3_CLIENT, &o, &["list"])), "");
    assert_eq!(maildir_files(&dir).len(), 4, "what was downloaded stays");
}

fn usage_and_failure_exit_codes(servers: &Servers) {
    let o = servers.options("imap", "alice", "none");
    let out = run(IMAP_CLIENT, &o, &["nosuchcommand"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(IMAP_CLIENT, &o, &["part", "INBOX", "x", "1"]);
    assert_eq!(out.status.code(), Some(2), "a bad UID is a usage error");
    let out = run(IMAP_CLIENT, &o, &["fetch", "NoSuchBox", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("imap-client: EXAMINE refused: NO") && stderr.lines().count() == 1, "{stderr}");
    let mut wrong = o.clone();
    let at = wrong.iter().position(|a| a == "--password-env").unwrap();
    wrong.splice(at..at + 2, ["--password".to_string(), "wrong".to_string()]);
    let out = run(IMAP_CLIENT, &wrong, &["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("LOGIN refused"));
    // Implicit TLS without the test CA: the self-signed certificate fails.
    let mut unverified = servers.options("imap", "alice", "implicit");
    unverified.truncate(unverified.len() - 2);
    let out = run(IMAP_CLIENT, &unverified, &["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("certificate"));
    let out = run(POP3_CLIENT, &servers.options("pop3", "bob", "none"), &["retr", "99"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("pop3-client: RETR refused: -ERR"));
    for program in [IMAP_CLIENT, POP3_CLIENT] {
        let out = Command::new(program).arg("--help").output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("--password-env"));
    }
}
