//! The example servers' operating settings, over TCP: connection limits in
//! all and per address (with the places given back), the login timeout
//! and autologout from the command line, the plaintext-login policy with
//! a certificate, the failed-login delay, the users file's checks, and
//! accepting on after the server ran out of file descriptors. Also the
//! load test: 2,000 idle connections that never log in, a client served
//! meanwhile, and the memory given back after the login timeout (twice,
//! the second flood costing no more than the first).
//!
//! Before these settings the example servers had none of this: the
//! connections stayed forever, and logins were answered at once.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::free_port;

const IMAP: &str = env!("CARGO_BIN_EXE_imap-server");
const POP3: &str = env!("CARGO_BIN_EXE_pop3-server");

struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

fn mail_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("operations-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("root/alice/new")).unwrap();
    for sub in ["cur", "tmp"] {
        std::fs::create_dir_all(dir.join("root/alice").join(sub)).unwrap();
    }
    std::fs::write(dir.join("root/alice/new/1700000000.M1P1.ops"), b"Subject: hi\r\n\r\nhello\r\n").unwrap();
    std::fs::write(dir.join("users"), "alice:secret\n").unwrap();
    dir
}

impl Server {
    /// `program` with `args`, started through `sh` so that `fd_limit`
    /// (the soft limit of open files) can be set for it alone.
    fn start(program: &str, name: &str, args: &[&str], fd_limit: Option<u32>) -> Server {
        let dir = mail_dir(name);
        let port = free_port();
        let mut command = match fd_limit {
            Some(n) if std::env::var_os("OPS_ENV").is_some() => {
                let mut sh = Command::new("env");
                sh.args(std::env::var("OPS_ENV").unwrap().split(' '));
                sh.args(["sh", "-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), program]);
                sh
            }
            Some(n) => {
                let mut sh = Command::new("sh");
                sh.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), program]);
                sh
            }
            None => Command::new(program),
        };
        let child = command
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--users")
            .arg(dir.join("users"))
            .arg("--mail-root")
            .arg(dir.join("root"))
            .args(args)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        common::wait_until_listening(port, program);
        Server { child, port, dir }
    }

    fn connect(&self) -> Conn {
        Conn::new(TcpStream::connect(("127.0.0.1", self.port)).unwrap())
    }

    /// A connection from another loopback address (127.0.0.0/8 is all
    /// local on Linux).
    fn connect_from(&self, source: &str) -> Conn {
        let source: IpAddr = source.parse().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let stream = runtime.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind(SocketAddr::new(source, 0)).unwrap();
            socket.connect(SocketAddr::from(([127, 0, 0, 1], self.port))).await.unwrap().into_std().unwrap()
        });
        stream.set_nonblocking(false).unwrap();
        Conn::new(stream)
    }

    /// CPU time the server used so far (user + system, in clock ticks).
    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }

    /// Resident memory now, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn new(stream: TcpStream) -> Conn {
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Conn { reader: BufReader::new(stream) }
    }

    /// A line, or "" when the server closed the connection.
    fn line(&mut self) -> String {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(_) => line,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => line,
            Err(e) => panic!("reading: {e} (have {line:?})"),
        }
    }

    fn send(&mut self, text: &str) {
        self.reader.get_mut().write_all(text.as_bytes()).unwrap();
    }

    /// Sends a line, reads up to the one starting with `until`.
    fn run(&mut self, command: &str, until: &str) -> String {
        self.send(&format!("{command}\r\n"));
        let mut out = String::new();
        loop {
            let line = self.line();
            out.push_str(&line);
            if line.is_empty() || line.starts_with(until) {
                return out;
            }
        }
    }

    /// Whether the server closed the connection (reads to the end).
    fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest).is_ok()
    }
}

#[test]
fn connections_over_a_limit_are_refused_at_once_and_places_come_back() {
    for (program, greeting, busy) in [
        (IMAP, "* OK", "* BYE [UNAVAILABLE] Too many connections; try again later.\r\n"),
        (POP3, "+OK", "-ERR [SYS/TEMP] Too many connections; try again later\r\n"),
    ] {
        let limits = ["--max-connections", "5", "--max-connections-per-ip", "3"];
        let server = Server::start(program, "limits", &limits, None);
        // The probe that saw the port open is a connection too, until the
        // server has read its end.
        std::thread::sleep(Duration::from_millis(500));
        let mut first: Vec<Conn> = (0..3).map(|_| server.connect()).collect();
        for c in &mut first {
            assert!(c.line().starts_with(greeting));
        }
        let mut over = server.connect();
        assert_eq!(over.line(), busy, "{program}: a fourth from 127.0.0.1");
        assert!(over.closed());
        let mut other: Vec<Conn> = (0..2).map(|_| server.connect_from("127.0.0.2")).collect();
        for c in &mut other {
            assert!(c.line().starts_with(greeting), "{program}: another address has its own share");
        }
        let mut over = server.connect_from("127.0.0.3");
        assert_eq!(over.line(), busy, "{program}: five in all");
        // A place given back is taken again.
        drop(first.pop());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut again = server.connect();
            let line = again.line();
            if line.starts_with(greeting) {
                break;
            }
            assert!(Instant::now() < deadline, "{program}: the place never came back");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn the_login_and_idle_timeouts_close_silent_connections() {
    let args = ["--login-timeout", "1", "--idle-timeout", "2"];
    let server = Server::start(IMAP, "timeouts", &args, None);
    let started = Instant::now();
    let mut c = server.connect();
    assert!(c.line().starts_with("* OK"));
    assert_eq!(c.line(), "* BYE Login timeout: log in sooner.\r\n");
    assert!(c.closed());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(5), "{waited:?}");
    let mut c = server.connect();
    c.line();
    assert!(c.run("a LOGIN alice secret", "a ").contains("a OK"));
    let silent = Instant::now();
    assert_eq!(c.line(), "* BYE Autologout; idle for too long.\r\n");
    assert!(silent.elapsed() >= Duration::from_millis(1900), "{:?}", silent.elapsed());

    let server = Server::start(POP3, "timeouts", &args, None);
    let mut c = server.connect();
    assert!(c.line().starts_with("+OK"));
    assert_eq!(c.line(), "-ERR login timeout: log in sooner\r\n");
    assert!(c.closed());
}

#[test]
fn failed_logins_are_answered_after_the_delay() {
    let server = Server::start(IMAP, "delay", &["--auth-failure-delay", "700"], None);
    let mut c = server.connect();
    c.line();
    let started = Instant::now();
    assert!(c.run("a LOGIN alice wrong", "a ").starts_with("a NO [AUTHENTICATIONFAILED]"));
    assert!(started.elapsed() >= Duration::from_millis(700), "{:?}", started.elapsed());
    let started = Instant::now();
    assert!(c.run("b LOGIN alice secret", "b ").contains("b OK"));
    assert!(started.elapsed() < Duration::from_millis(700), "a good login is not delayed");

    let server = Server::start(POP3, "delay", &["--auth-failure-delay", "700"], None);
    let mut c = server.connect();
    c.line();
    c.run("USER alice", "");
    let started = Instant::now();
    assert_eq!(c.run("PASS wrong", ""), "-ERR [AUTH] invalid user name or password\r\n");
    assert!(started.elapsed() >= Duration::from_millis(700), "{:?}", started.elapsed());
}

#[test]
fn plaintext_logins_with_a_certificate_follow_the_policy() {
    let dir = mail_dir("certs");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), cert.key_pair.serialize_pem()).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let tls = ["--cert", cert.to_str().unwrap(), "--key", key.to_str().unwrap()];

    // The default with a certificate: loopback, so a local client may.
    let server = Server::start(IMAP, "policy-default", &tls, None);
    let mut c = server.connect();
    let greeting = c.line();
    assert!(greeting.contains("STARTTLS") && !greeting.contains("LOGINDISABLED"), "{greeting}");
    assert!(c.run("a LOGIN alice secret", "a ").contains("a OK"));

    let never = [&tls[..], &["--plaintext-auth", "never"]].concat();
    let server = Server::start(IMAP, "policy-never", &never, None);
    let mut c = server.connect();
    let greeting = c.line();
    assert!(greeting.contains("STARTTLS LOGINDISABLED]") && !greeting.contains("AUTH=PLAIN"), "{greeting}");
    assert!(c.run("a LOGIN alice secret", "a ").starts_with("a NO [PRIVACYREQUIRED]"));
    let server = Server::start(POP3, "policy-never", &never, None);
    let mut c = server.connect();
    c.line();
    let capa = c.run("CAPA", ".");
    assert!(!capa.contains("\r\nUSER\r\n") && !capa.contains("SASL") && capa.contains("STLS"), "{capa}");
    assert!(c.run("USER alice", "").starts_with("-ERR [AUTH]"));

    let out = Command::new(IMAP)
        .args(["--listen", "127.0.0.1:1", "--users", "x", "--mail-root", "y", "--plaintext-auth", "sometimes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected always, loopback or never"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_users_file_refuses_empty_passwords_and_long_names() {
    let dir = mail_dir("users-file");
    for (text, complaint) in [
        ("alice:secret\nbob:\n", ":2: empty password"),
        (&*format!("alice:secret\n{}:pw\n", "a".repeat(65)), ":2: a user name is 1 to 64 letters"),
        ("alice:secret\n..:pw\n", ":2: a user name is"),
    ] {
        std::fs::write(dir.join("users"), text).unwrap();
        let out = Command::new(POP3)
            .args(["--listen", "127.0.0.1:0", "--users"])
            .arg(dir.join("users"))
            .arg("--mail-root")
            .arg(dir.join("root"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(complaint), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn out_of_file_descriptors_the_server_waits_instead_of_spinning() {
    // 64 descriptors: a few for the runtime, the rest for connections.
    let server = Server::start(IMAP, "fds", &[], Some(64));
    let mut held: Vec<TcpStream> = Vec::new();
    for _ in 0..100 {
        held.push(TcpStream::connect(("127.0.0.1", server.port)).unwrap());
    }
    std::thread::sleep(Duration::from_millis(500));
    let before = server.cpu_ticks();
    std::thread::sleep(Duration::from_secs(2));
    let used = server.cpu_ticks() - before;
    // Spinning on accept burns both seconds (200 ticks at 100 Hz).
    assert!(used <= 20, "the server used {used} ticks of CPU in 2 s with no descriptor free");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut c = server.connect();
        if c.line().starts_with("* OK") {
            break;
        }
        assert!(Instant::now() < deadline, "not serving again after the descriptors came back");
    }
}

/// The load test: 2,000 connections that never log in (from 40 loopback
/// addresses, 50 each: the per-address limit), a client that logs in and
/// fetches meanwhile, then the login timeout closing them all.
#[test]
fn two_thousand_idle_connections_do_not_keep_others_out_and_are_let_go() {
    const IDLE: usize = 2000;
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let soft: usize = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(soft >= IDLE + 200, "raise the open-files limit (ulimit -n {}) to run this test", IDLE + 200);
    let args = ["--login-timeout", "4", "--max-connections", "2100"];
    let server = Server::start(IMAP, "flood", &args, Some(IDLE as u32 + 200));
    // The idle baseline: the server after one session.
    let mut c = server.connect();
    c.line();
    c.run("a LOGOUT", "a ");
    std::thread::sleep(Duration::from_millis(300));
    let baseline = server.rss_kib();
    let mut after = Vec::new();
    for round in 0..2 {
        let flood_started = Instant::now();
        let mut idle: Vec<Conn> = Vec::with_capacity(IDLE);
        for i in 0..IDLE {
            let mut conn = server.connect_from(&format!("127.0.1.{}", 1 + i / 50));
            assert!(conn.line().starts_with("* OK"), "connection {i} was not greeted");
            idle.push(conn);
        }
        let flooded = server.rss_kib();
        // A real client, meanwhile.
        let started = Instant::now();
        let mut c = server.connect_from("127.0.2.1");
        assert!(c.line().starts_with("* OK"));
        assert!(c.run("a LOGIN alice secret", "a ").contains("a OK"));
        assert!(c.run("b SELECT INBOX", "b ").contains("b OK"));
        let fetched = c.run("c FETCH 1 (FLAGS BODY.PEEK[])", "c ");
        assert!(fetched.contains("hello") && fetched.contains("c OK"), "{fetched}");
        let served_in = started.elapsed();
        assert!(served_in < Duration::from_secs(1), "the client waited {served_in:?}");
        c.run("d LOGOUT", "d ");
        // After the login timeout every idle connection was told and closed.
        for (i, conn) in idle.iter_mut().enumerate() {
            assert_eq!(conn.line(), "* BYE Login timeout: log in sooner.\r\n", "connection {i}");
            assert!(conn.closed(), "connection {i}");
        }
        let closed_after = flood_started.elapsed();
        drop(idle);
        // The server hands freed memory back every ten seconds.
        let grown = server.rss_kib().saturating_sub(baseline);
        let waiting = Instant::now();
        let mut left = server.rss_kib();
        while left > baseline + grown / 4 && waiting.elapsed() < Duration::from_secs(15) {
            std::thread::sleep(Duration::from_millis(250));
            left = server.rss_kib();
        }
        eprintln!(
            "round {round}: 2,000 idle: RSS {baseline} KiB -> {flooded} KiB -> {left} KiB after the login timeout \
             ({closed_after:?} after the first); a client logged in and fetched in {served_in:?}"
        );
        after.push((flooded, left));
    }
    for (round, (flooded, left)) in after.iter().enumerate() {
        assert!(*flooded > baseline, "the flood should cost memory");
        let grown = flooded - baseline;
        assert!(*left <= baseline + grown / 4, "round {round}: not given back: {baseline} -> {flooded} -> {left} KiB");
    }
    assert!(after[1].0 <= after[0].0 + (after[0].0 - baseline) / 5, "the second flood cost more: {after:?}");
}

#[test]
fn an_upload_cut_short_by_a_timeout_or_a_reset_leaves_no_file() {
    let server = Server::start(IMAP, "uploads", &["--idle-timeout", "1"], None);
    let tmp = server.dir.join("root/alice/tmp");
    let files = || std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    for cut in ["silence", "close"] {
        let mut c = server.connect();
        c.line();
        assert!(c.run("a LOGIN alice secret", "a ").contains("a OK"));
        // A megabyte announced (streamed to a file as it comes), half sent.
        assert!(c.run("b APPEND INBOX {1048576}", "+").starts_with('+'));
        c.send(&"x".repeat(512 * 1024));
        let deadline = Instant::now() + Duration::from_secs(5);
        while files() == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(files(), 1, "{cut}: the upload is being written");
        if cut == "silence" {
            assert_eq!(c.line(), "* BYE Autologout; idle for too long.\r\n");
        } else {
            drop(c);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while files() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(files(), 0, "{cut}: the partial upload was removed");
    }
}
