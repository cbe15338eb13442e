//! `pop3-server` against real clients: our `pop3-client`, Python's poplib
//! (`scripts/poplib-check.py`) and curl (`pop3://`, `pop3s://`), over
//! plain, STLS and implicit TLS; the maildrop lock; DELE only at QUIT;
//! SIGTERM shuts down cleanly.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{crlf, free_port, have, root};

/// The seeded messages as they are on disk (LF line ends).
fn seeded() -> Vec<Vec<u8>> {
    common::seeded_files().into_iter().map(|p| std::fs::read(p).unwrap()).collect()
}

const SERVER: &str = env!("CARGO_BIN_EXE_pop3-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_pop3-client");

struct Server {
    child: Child,
    dir: PathBuf,
    plain: u16,
    tls: u16,
}

impl Server {
    fn start(name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("pop3-server-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let maildir = dir.join("root/alice");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        std::fs::create_dir_all(dir.join("expected")).unwrap();
        for (i, message) in seeded().iter().enumerate() {
            // Stored with LF line ends, as Maildirs usually are.
            std::fs::write(maildir.join(format!("new/100{i}.M{i}P1.test")), message).unwrap();
            std::fs::write(dir.join(format!("expected/{i}.eml")), message).unwrap();
        }
        std::fs::write(dir.join("users"), "alice:secret\nbob:hunter2\n").unwrap();
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
        common::wait_until_listening(plain, "pop3-server");
        Server { child, dir, plain, tls }
    }

    fn client(&self, tls: &str, args: &[&str]) -> std::process::Output {
        let port = if tls == "implicit" { self.tls } else { self.plain };
        Command::new(CLIENT)
            .args(["--host", "localhost", "--port", &port.to_string(), "--tls", tls, "--user", "alice"])
            .args(["--password", "secret", "--ca"])
            .arg(self.dir.join("cert.pem"))
            .args(args)
            .output()
            .unwrap()
    }

    fn stop(mut self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let started = Instant::now();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "clean shutdown: {status}");
        assert!(started.elapsed() < Duration::from_secs(8));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn our_client_in_every_tls_mode_and_the_dele_rules() {
    let server = Server::start("ours");
    let messages = seeded();
    for tls in ["none", "starttls", "implicit"] {
        let out = server.client(tls, &["list"]);
        assert!(out.status.success(), "{tls}: {}", String::from_utf8_lossy(&out.stderr));
        let list = String::from_utf8(out.stdout).unwrap();
        let rows: Vec<Vec<&str>> = list.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), 4);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row[1], crlf(&messages[i]).len().to_string(), "{tls}: the size as sent");
            assert_eq!(row[2], format!("100{i}.M{i}P1.test"), "UIDLs from the Maildir names");
        }
        for (i, message) in messages.iter().enumerate() {
            let out = server.client(tls, &["retr", &(i + 1).to_string()]);
            assert_eq!(out.stdout, crlf(message), "{tls}: RETR {}", i + 1);
        }
    }
    // download --keep, then without: deleted only once on disk, at QUIT.
    let dl = server.dir.join("download");
    let d = dl.display().to_string();
    let out = server.client("starttls", &["download", &d, "--keep"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "downloaded 4, skipped 0, deleted 0\n");
    let out = server.client("implicit", &["download", &d]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "downloaded 0, skipped 4, deleted 4\n");
    let out = server.client("none", &["list"]);
    assert_eq!(out.stdout, b"", "the maildrop is empty");
    server.stop();
}

/// Raw POP3 over a socket, for the rules no client exposes.
fn talk(stream: &mut std::net::TcpStream, line: &str) -> String {
    use std::io::{BufRead, Write};
    stream.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut reply = String::new();
    reader.read_line(&mut reply).unwrap();
    reply
}

#[test]
fn dele_takes_effect_only_at_quit_and_the_maildrop_is_locked() {
    use std::io::BufRead;
    let server = Server::start("dele");
    let connect = || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", server.plain)).unwrap();
        let mut greeting = String::new();
        std::io::BufReader::new(s.try_clone().unwrap()).read_line(&mut greeting).unwrap();
        assert!(greeting.starts_with("+OK"));
        assert!(talk(&mut s, "USER alice").starts_with("+OK"));
        s
    };
    let mut first = connect();
    assert!(talk(&mut first, "PASS secret").starts_with("+OK"));
    let mut second = connect();
    assert_eq!(talk(&mut second, "PASS secret"), "-ERR [IN-USE] the maildrop is in use by another session\r\n");
    assert!(talk(&mut second, "USER alice").starts_with("+OK"));
    assert!(talk(&mut second, "PASS wrong").starts_with("-ERR [AUTH]"));
    drop(second);
    assert!(talk(&mut first, "DELE 1").starts_with("+OK"));
    assert!(talk(&mut first, "DELE 1").starts_with("-ERR"), "deleted already");
    assert!(talk(&mut first, "STAT").starts_with("+OK 3 "));
    // The connection drops: nothing is deleted, and the lock is released.
    drop(first);
    std::thread::sleep(Duration::from_millis(200));
    let mut third = connect();
    assert!(talk(&mut third, "PASS secret").starts_with("+OK maildrop has 4 messages"));
    assert!(talk(&mut third, "DELE 2").starts_with("+OK"));
    assert!(talk(&mut third, "QUIT").starts_with("+OK"));
    let mut fourth = connect();
    assert!(talk(&mut fourth, "PASS secret").starts_with("+OK maildrop has 3 messages"));
    assert!(talk(&mut fourth, "UIDL 2").starts_with("+OK 2 1002.M2P1.test"), "numbers move, UIDLs stay");
    assert!(talk(&mut fourth, "QUIT").starts_with("+OK"));
    server.stop();
}

#[test]
fn python_poplib_plain_stls_and_pop3_ssl() {
    if !have("python3") {
        return;
    }
    let server = Server::start("poplib");
    let out = Command::new("python3")
        .arg(root().join("scripts/poplib-check.py"))
        .args(["localhost", &server.plain.to_string(), &server.tls.to_string()])
        .arg(server.dir.join("cert.pem"))
        .args(["alice", "secret"])
        .arg(server.dir.join("expected"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    server.stop();
}

#[test]
fn curl_pop3_and_pop3s() {
    if !have("curl") {
        return;
    }
    let server = Server::start("curl");
    let messages = seeded();
    let curl = |url: String, tls: bool| {
        let mut command = Command::new("curl");
        command.args(["-s", "-S", "--user", "alice:secret", &url]);
        if tls {
            command.arg("--cacert").arg(server.dir.join("cert.pem"));
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{url}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let list = curl(format!("pop3://127.0.0.1:{}/", server.plain), false);
    let expected: String =
        messages.iter().enumerate().map(|(i, m)| format!("{} {}\r\n", i + 1, crlf(m).len())).collect();
    assert_eq!(String::from_utf8_lossy(&list), expected);
    for (i, message) in messages.iter().enumerate() {
        let got = curl(format!("pop3s://localhost:{}/{}", server.tls, i + 1), true);
        assert_eq!(got, crlf(message), "pop3s RETR {}", i + 1);
        // STLS on the plain port (--ssl-reqd makes curl insist on it).
        let mut command = Command::new("curl");
        command.args(["-s", "-S", "--ssl-reqd", "--user", "alice:secret"]);
        command.arg(format!("pop3://localhost:{}/{}", server.plain, i + 1));
        command.arg("--cacert").arg(server.dir.join("cert.pem"));
        let out = command.output().unwrap();
        assert_eq!(out.stdout, crlf(message), "STLS RETR {}: {}", i + 1, String::from_utf8_lossy(&out.stderr));
    }
    server.stop();
}
