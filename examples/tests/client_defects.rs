//! The command-line clients' defects found against Cyrus, Courier and GNU
//! mailutils, shown against our servers through a proxy that records what
//! the client sends and can hide capabilities (to play a server without
//! MOVE and UIDPLUS, say). Each failed before the clients were rebuilt on
//! mail-codec's typed operations.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use common::free_port;

const IMAP_CLIENT: &str = env!("CARGO_BIN_EXE_imap-client");
const POP3_CLIENT: &str = env!("CARGO_BIN_EXE_pop3-client");
const IMAP_SERVER: &str = env!("CARGO_BIN_EXE_imap-server");
const POP3_SERVER: &str = env!("CARGO_BIN_EXE_pop3-server");

struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    fn start(program: &str, name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("client-defects-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let home = dir.join("root/alice");
        for folder in ["", ".Trash", ".Archive"] {
            for sub in ["new", "cur", "tmp"] {
                std::fs::create_dir_all(home.join(folder).join(sub)).unwrap();
            }
        }
        for (i, subject) in ["Gr\u{fc}\u{df}e", "second", "third"].iter().enumerate() {
            let message = format!("Subject: {subject}\r\nFrom: a@example.org\r\n\r\nbody {i}\r\n");
            std::fs::write(home.join(format!("new/170000000{i}.M{i}P1.seed")), message).unwrap();
        }
        std::fs::write(dir.join("users"), "alice:secret\n").unwrap();
        let port = free_port();
        let child = Command::new(program)
            .args(["--listen", &format!("127.0.0.1:{port}"), "--auth-failure-delay", "0"])
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
}

impl Server {
    /// Kills the server (SIGKILL: nothing is flushed or saved on the way
    /// out) and starts it again on the same port and mail root.
    fn restart(&mut self, program: &str) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Command::new(program)
            .args(["--listen", &format!("127.0.0.1:{}", self.port), "--auth-failure-delay", "0"])
            .arg("--users")
            .arg(self.dir.join("users"))
            .arg("--mail-root")
            .arg(self.dir.join("root"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        common::wait_until_listening(self.port, program);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A proxy in front of `upstream`: records what clients send, removes
/// `hidden` from every CAPABILITY the server sends.
struct Proxy {
    port: u16,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    fn new(upstream: u16, hidden: &'static [&'static str]) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = sent.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                let (mut from_client, mut to_server) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut buffer = [0u8; 8192];
                    loop {
                        match from_client.read(&mut buffer) {
                            Ok(0) | Err(_) => {
                                let _ = to_server.shutdown(std::net::Shutdown::Write);
                                return;
                            }
                            Ok(n) => {
                                log.lock().unwrap().extend_from_slice(&buffer[..n]);
                                if to_server.write_all(&buffer[..n]).is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
                let mut to_client = client;
                std::thread::spawn(move || {
                    let mut from_server = BufReader::new(server);
                    let mut line = Vec::new();
                    loop {
                        line.clear();
                        match from_server.read_until(b'\n', &mut line) {
                            Ok(0) | Err(_) => {
                                let _ = to_client.shutdown(std::net::Shutdown::Write);
                                return;
                            }
                            Ok(_) => {}
                        }
                        if line.windows(10).any(|w| w == b"CAPABILITY") {
                            let mut text = String::from_utf8_lossy(&line).into_owned();
                            for name in hidden {
                                text = text.replace(&format!(" {name}"), "");
                            }
                            line = text.into_bytes();
                        }
                        if to_client.write_all(&line).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Proxy { port, sent }
    }

    /// What clients sent so far, as text.
    fn sent(&self) -> String {
        String::from_utf8_lossy(&self.sent.lock().unwrap()).into_owned()
    }
}

fn client(program: &str, port: u16, args: &[&str]) -> Output {
    Command::new(program)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--tls", "none", "--user", "alice"])
        .args(["--password-env", "TEST_PASSWORD"])
        .args(args)
        .env("TEST_PASSWORD", "secret")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn move_without_move_or_uidplus_expunges_nothing_else() {
    let server = Server::start(IMAP_SERVER, "move");
    // Another client marked UID 2 \Deleted and left it for later.
    stdout(&client(IMAP_CLIENT, server.port, &["store", "INBOX", "2", "+FLAGS", "\\Deleted"]));
    let proxy = Proxy::new(server.port, &["MOVE", "UIDPLUS"]);
    let out = client(IMAP_CLIENT, proxy.port, &["move", "INBOX", "1", "Archive"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("neither MOVE nor UIDPLUS") && stderr.lines().count() == 1, "{stderr}");
    assert!(!proxy.sent().contains("EXPUNGE"), "{}", proxy.sent());
    let left = stdout(&client(IMAP_CLIENT, server.port, &["fetch", "INBOX", "1:*"]));
    assert_eq!(left.lines().count(), 3, "nothing was expunged: {left}");
    // With UIDPLUS (no MOVE): that message alone goes.
    let proxy = Proxy::new(server.port, &["MOVE"]);
    stdout(&client(IMAP_CLIENT, proxy.port, &["move", "INBOX", "1", "Archive"]));
    assert!(proxy.sent().contains("UID EXPUNGE 1\r\n"), "{}", proxy.sent());
    let left = stdout(&client(IMAP_CLIENT, server.port, &["fetch", "INBOX", "1:*"]));
    assert!(left.starts_with("2\t") && left.lines().count() == 2, "UID 2 stays, \\Deleted: {left}");
}

#[test]
fn fetch_of_an_empty_mailbox_lists_nothing_and_succeeds() {
    let server = Server::start(IMAP_SERVER, "empty");
    let out = client(IMAP_CLIENT, server.port, &["fetch", "Trash", "1:*"]);
    assert_eq!(stdout(&out), "");
}

#[test]
fn non_ascii_searches_name_their_charset_and_appends_send_crlf() {
    let server = Server::start(IMAP_SERVER, "charset");
    let proxy = Proxy::new(server.port, &[]);
    let found = stdout(&client(IMAP_CLIENT, proxy.port, &["search", "INBOX", "SUBJECT", "Gr\u{fc}\u{df}e"]));
    assert_eq!(found, "1\n");
    assert!(proxy.sent().contains("UID SEARCH CHARSET UTF-8 SUBJECT"), "{}", proxy.sent());
    let file = server.dir.join("lf.eml");
    std::fs::write(&file, "Subject: lf only\nFrom: a@example.org\n\nline\n").unwrap();
    stdout(&client(IMAP_CLIENT, proxy.port, &["append", "INBOX", file.to_str().unwrap()]));
    let sent = proxy.sent();
    assert!(sent.contains("Subject: lf only\r\nFrom: a@example.org\r\n\r\nline\r\n"), "{sent}");
}

#[test]
fn pop3_enters_utf8_and_both_clients_say_goodbye_after_an_error() {
    let pop3 = Server::start(POP3_SERVER, "utf8");
    let proxy = Proxy::new(pop3.port, &[]);
    stdout(&client(POP3_CLIENT, proxy.port, &["list"]));
    assert!(proxy.sent().starts_with("CAPA\r\nUTF8\r\nUSER alice\r\n"), "{}", proxy.sent());
    let out = client(POP3_CLIENT, proxy.port, &["retr", "99"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(proxy.sent().ends_with("RETR 99\r\nRSET\r\nQUIT\r\n"), "{}", proxy.sent());

    let imap = Server::start(IMAP_SERVER, "goodbye");
    let proxy = Proxy::new(imap.port, &[]);
    let out = client(IMAP_CLIENT, proxy.port, &["part", "INBOX", "99", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(proxy.sent().trim_end().ends_with("LOGOUT"), "{}", proxy.sent());
}

#[test]
fn help_shows_flags_as_they_are_typed() {
    let out = Command::new(IMAP_CLIENT).args(["store", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("\\Seen \\Flagged $Work") && !help.contains("\\\\Seen"), "{help}");
}

#[test]
fn argument_errors_name_the_argument_before_connecting() {
    // Nothing listens on this port: a usage error must not get that far.
    let port = free_port();
    for (args, says) in [
        (&["fetch", "INBOX", "abc"][..], "invalid message set \"abc\""),
        (&["store", "INBOX", "1", "+FLAGS", "bad(flag"][..], "invalid flag \"bad(flag\""),
        (&["store", "INBOX", "1", "ADD", "\\Seen"][..], "invalid action \"ADD\""),
        (&["search", "INBOX", "SINCE", "yesterday"][..], "invalid search keys \"SINCE yesterday\": expected date"),
        (&["part", "INBOX", "1", "1.x"][..], "invalid section \"1.x\""),
    ] {
        let out = client(IMAP_CLIENT, port, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says) && stderr.lines().count() == 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("UID ") && !stderr.contains("PEEK"), "no wire command: {stderr}");
    }
}

/// The Maildir file names under `dir/cur`, sorted.
fn cur_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("cur"))
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn sync_keeps_keywords_and_shows_progress_only_on_a_terminal() {
    let server = Server::start(IMAP_SERVER, "keywords");
    stdout(&client(IMAP_CLIENT, server.port, &["store", "INBOX", "1", "+FLAGS", "$Work", "\\Flagged"]));
    stdout(&client(IMAP_CLIENT, server.port, &["store", "INBOX", "3", "+FLAGS", "Later"]));
    let dir = server.dir.join("copy/alice");
    let out = client(IMAP_CLIENT, server.port, &["sync", "INBOX", dir.to_str().unwrap()]);
    assert_eq!(stdout(&out), "new 3, changed 0, removed 0\n");
    assert!(
        out.stderr.is_empty(),
        "no progress when stderr is no terminal: {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = cur_names(&dir);
    assert!(names[0].ends_with("-1.imap:2,Fa"), "{names:?}");
    assert!(names[2].ends_with("-3.imap:2,b"), "{names:?}");
    assert_eq!(std::fs::read_to_string(dir.join("imap-keywords")).unwrap(), "0 $Work\n1 Later\n");
    // A keyword added later is a flag change, with the same letters.
    stdout(&client(IMAP_CLIENT, server.port, &["store", "INBOX", "2", "+FLAGS", "Later"]));
    let out = client(IMAP_CLIENT, server.port, &["sync", "INBOX", dir.to_str().unwrap()]);
    assert_eq!(stdout(&out), "new 0, changed 1, removed 0\n");
    assert!(cur_names(&dir)[1].ends_with("-2.imap:2,b"), "{:?}", cur_names(&dir));
    // The copy served by our server has its keywords back.
    let copy = Server::start(IMAP_SERVER, "keywords-copy");
    let _ = std::fs::remove_dir_all(copy.dir.join("root/alice"));
    std::fs::rename(server.dir.join("copy/alice"), copy.dir.join("root/alice")).unwrap();
    let listed = stdout(&client(IMAP_CLIENT, copy.port, &["fetch", "INBOX", "1:*"]));
    let flags: Vec<&str> = listed.lines().map(|l| l.split('\t').nth(1).unwrap()).collect();
    assert!(flags[0].contains("$Work") && flags[0].contains("\\Flagged"), "{listed}");
    assert!(flags[1].contains("Later") && flags[2].contains("Later"), "{listed}");

    // On a terminal (script(1) gives it one), progress goes to stderr.
    if common::have("script") {
        let dir = server.dir.join("copy-on-a-terminal");
        let command = format!(
            "TEST_PASSWORD=secret {IMAP_CLIENT} --host 127.0.0.1 --port {} --tls none --user alice \
             --password-env TEST_PASSWORD sync INBOX {} 2>&1",
            server.port,
            dir.display()
        );
        let out = Command::new("script").args(["-qec", &command, "/dev/null"]).output().unwrap();
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{shown}");
        assert!(shown.contains("INBOX [") && shown.contains("/3"), "a progress bar: {shown:?}");
        assert!(shown.contains("new 3, changed 0, removed 0"), "{shown:?}");
    }
}

#[test]
fn an_interrupted_sync_says_how_far_it_got() {
    let server = Server::start(IMAP_SERVER, "interrupted");
    let new = server.dir.join("root/alice/new");
    for i in 0..1500 {
        std::fs::write(new.join(format!("1700001{i:03}.M{i}P2.many")), format!("Subject: {i}\r\n\r\nbody\r\n"))
            .unwrap();
    }
    let dir = server.dir.join("copy");
    let sync = Command::new(IMAP_CLIENT)
        .args(["--host", "127.0.0.1", "--port", &server.port.to_string(), "--tls", "none", "--user", "alice"])
        .args(["--password-env", "TEST_PASSWORD", "sync", "INBOX", dir.to_str().unwrap()])
        .env("TEST_PASSWORD", "secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while cur_names(&dir).is_empty() && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Command::new("kill").args(["-INT", &sync.id().to_string()]).status().unwrap();
    let out = sync.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let got = cur_names(&dir).len();
    assert!(got < 1503, "interrupted before the end: {got}");
    assert!(stderr.contains(&format!("interrupted after {got} of 1503 downloaded")), "{stderr}");
    assert!(stderr.contains("the next sync resumes"), "{stderr}");
    assert!(std::fs::read_dir(dir.join("tmp")).unwrap().next().is_none(), "nothing half-written left in tmp/");
    // And it does.
    let out = client(IMAP_CLIENT, server.port, &["sync", "INBOX", dir.to_str().unwrap()]);
    assert_eq!(stdout(&out), format!("new {}, changed 0, removed 0\n", 1503 - got));
}

#[test]
fn pop3_download_appends_to_its_state_file() {
    use std::os::unix::fs::MetadataExt;
    let server = Server::start(POP3_SERVER, "state-file");
    let dir = server.dir.join("download");
    let out = client(POP3_CLIENT, server.port, &["download", dir.to_str().unwrap(), "--keep"]);
    assert_eq!(stdout(&out), "downloaded 3, skipped 0, deleted 0\n");
    let state = dir.join(".pop3-uidls");
    let inode = std::fs::metadata(&state).unwrap().ino();
    for i in 0..2 {
        let new = server.dir.join(format!("root/alice/new/180000000{i}.M{i}P3.later"));
        std::fs::write(new, format!("Subject: later {i}\r\n\r\nbody\r\n")).unwrap();
    }
    let out = client(POP3_CLIENT, server.port, &["download", dir.to_str().unwrap(), "--keep"]);
    assert_eq!(stdout(&out), "downloaded 2, skipped 3, deleted 0\n");
    assert_eq!(std::fs::metadata(&state).unwrap().ino(), inode, "appended to, not replaced by a rewritten copy");
    assert_eq!(std::fs::read_to_string(&state).unwrap().lines().count(), 5);
}

/// One `sync` through the library, for its report.
fn sync_report(port: u16, dir: &std::path::Path) -> mail_examples::imap_tool::SyncReport {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let mut imap = mail_codec::ImapClient::new(tcp, Default::default()).await.unwrap();
        imap.login("alice", "secret").await.unwrap();
        let mut report = mail_examples::imap_tool::SyncReport::default();
        mail_examples::imap_tool::sync(&mut imap, "INBOX", dir, &mut report).await.unwrap();
        imap.logout().await.unwrap();
        report
    })
}

#[test]
fn sync_takes_the_qresync_path_across_server_restarts() {
    let mut server = Server::start(IMAP_SERVER, "qresync");
    let proxy = Proxy::new(server.port, &[]);
    let dir = server.dir.join("copy");
    let summary = |r: &mail_examples::imap_tool::SyncReport| (r.new, r.changed, r.removed, r.quick_resync);
    assert_eq!(summary(&sync_report(proxy.port, &dir)), (3, 0, 0, false), "the first run lists the mailbox");
    assert_eq!(summary(&sync_report(proxy.port, &dir)), (0, 0, 0, true));

    // Changes through IMAP, then the server is killed (SIGKILL).
    stdout(&client(IMAP_CLIENT, server.port, &["store", "INBOX", "1", "+FLAGS", "\\Seen"]));
    stdout(&client(IMAP_CLIENT, server.port, &["store", "INBOX", "2", "+FLAGS", "\\Deleted"]));
    stdout(&client(IMAP_CLIENT, server.port, &["expunge", "INBOX"]));
    let _ = server.child.kill();
    let _ = server.child.wait();
    // While it is down, another program flags message 3 and delivers one.
    let inbox = server.dir.join("root/alice");
    let third = std::fs::read_dir(inbox.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(".M2P1.seed"))
        .unwrap();
    std::fs::rename(&third, format!("{}F", third.display())).unwrap();
    std::fs::write(inbox.join("new/1700000009.M9P9.later"), "Subject: later\r\n\r\nlater\r\n").unwrap();
    server.restart(IMAP_SERVER);

    let report = sync_report(proxy.port, &dir);
    assert_eq!(summary(&report), (1, 2, 1, true), "{report:?}");
    let names = cur_names(&dir);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[0].ends_with("-1.imap:2,S"), "{names:?}");
    assert!(names[1].ends_with("-3.imap:2,F"), "{names:?}");
    assert!(names[2].ends_with("-4.imap:2,"), "{names:?}");
    assert_eq!(summary(&sync_report(proxy.port, &dir)), (0, 0, 0, true));
    // Only the first run listed the mailbox; the others asked for changes.
    let sent = proxy.sent();
    assert_eq!(sent.matches("(QRESYNC (").count(), 3, "{sent}");
    let later = &sent[sent.find("(QRESYNC (").unwrap()..];
    assert!(!later.contains("UID SEARCH ALL") && !later.contains("UID FETCH 1:*"), "{sent}");
}
