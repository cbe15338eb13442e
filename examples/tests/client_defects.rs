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
