//! The operating rules of both engines, with tokio's clock paused (a
//! minute passes at once): login timeout, autologout and IDLE, the delay
//! and count of failed logins, the plaintext-login policy, and what a
//! session holds being let go however it ends.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::Instant;

use crate::imap::{ImapConfig, ImapService, Security};
use crate::memory::MemoryStore;
use crate::policy::PlaintextAuth;
use crate::pop3::{Pop3Config, Pop3Service};

const LOCAL: &str = "127.0.0.1";
const REMOTE: &str = "192.0.2.9";

fn store() -> MemoryStore {
    let store = MemoryStore::new();
    store.add_user("alice", "pw");
    store.add_user("bob", "pw2");
    store.deliver("alice", &[b'x'; 300_000]).unwrap();
    store
}

fn imap_service(config: ImapConfig) -> Arc<ImapService<MemoryStore>> {
    Arc::new(ImapService::new(store(), config))
}

fn short_imap() -> ImapConfig {
    ImapConfig {
        login_timeout: Duration::from_secs(3),
        idle_timeout: Duration::from_secs(5),
        auth_failure_delay: Duration::from_secs(2),
        ..ImapConfig::default()
    }
}

fn short_pop3() -> Pop3Config {
    Pop3Config {
        login_timeout: Duration::from_secs(3),
        idle_timeout: Duration::from_secs(5),
        auth_failure_delay: Duration::from_secs(2),
        ..Pop3Config::default()
    }
}

/// A client end of a pipe; reads without a timeout of its own (the
/// paused clock would fire it before the server's).
struct Peer {
    io: DuplexStream,
    buffer: Vec<u8>,
}

impl Peer {
    fn new(io: DuplexStream) -> Peer {
        Peer { io, buffer: Vec::new() }
    }

    /// A line, or "" at the end of the stream.
    async fn line(&mut self) -> String {
        loop {
            if let Some(i) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buffer.drain(..i + 2).collect();
                return String::from_utf8_lossy(&line).into_owned();
            }
            let mut chunk = [0u8; 4096];
            match self.io.read(&mut chunk).await {
                Ok(0) | Err(_) => return String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned(),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
            }
        }
    }

    async fn send(&mut self, text: &str) {
        self.io.write_all(text.as_bytes()).await.unwrap();
    }

    /// Sends `command` and reads up to the line starting with `until`.
    async fn run(&mut self, command: &str, until: &str) -> String {
        self.send(&format!("{command}\r\n")).await;
        let mut out = String::new();
        loop {
            let line = self.line().await;
            out.push_str(&line);
            if line.is_empty() || line.starts_with(until) {
                return out;
            }
        }
    }

    /// Everything until the server closes.
    async fn rest(&mut self) -> String {
        let mut out = String::new();
        loop {
            let line = self.line().await;
            if line.is_empty() {
                return out;
            }
            out.push_str(&line);
        }
    }
}

fn imap_connect(service: &Arc<ImapService<MemoryStore>>, security: Security, peer: &str) -> Peer {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let (service, ip) = (service.clone(), peer.parse::<IpAddr>().unwrap());
    tokio::spawn(async move { service.serve_from(theirs, security, ip).await });
    Peer::new(ours)
}

fn pop3_connect(service: &Arc<Pop3Service<MemoryStore>>, security: Security, peer: &str, buffer: usize) -> Peer {
    let (ours, theirs) = tokio::io::duplex(buffer);
    let (service, ip) = (service.clone(), peer.parse::<IpAddr>().unwrap());
    tokio::spawn(async move { service.serve_from(theirs, security, ip).await });
    Peer::new(ours)
}

fn base64(data: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            let c = if i <= chunk.len() { ABC[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' };
            out.push(c);
        }
    }
    out
}

/// STARTTLS without certificates: the "TLS layer" passes bytes through,
/// which is all the policy needs to see (the codec's TLS is tested there).
fn fake_tls() -> Security {
    Security::StartTlsWith(mail_codec::tls_upgrade(|plain: mail_codec::BoxedStream| async move {
        Ok::<_, mail_codec::Error>(plain)
    }))
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_does_not_log_in_is_closed_at_the_login_timeout() {
    let service = imap_service(short_imap());
    let started = Instant::now();
    let mut c = imap_connect(&service, Security::Plain, LOCAL);
    assert!(c.line().await.starts_with("* OK"));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(c.run("a CAPABILITY", "a ").await.contains("a OK"), "commands do not extend it");
    let rest = c.rest().await;
    assert_eq!(rest, "* BYE Login timeout: log in sooner.\r\n");
    assert_eq!(started.elapsed().as_secs(), 3);

    let pop3 = Arc::new(Pop3Service::new(store(), short_pop3()));
    let started = Instant::now();
    let mut p = pop3_connect(&pop3, Security::Plain, LOCAL, 1 << 16);
    assert!(p.line().await.starts_with("+OK"));
    assert_eq!(p.rest().await, "-ERR login timeout: log in sooner\r\n");
    assert_eq!(started.elapsed().as_secs(), 3);
}

#[tokio::test(start_paused = true)]
async fn unauthenticate_gives_up_the_login_and_the_login_timeout_starts_again() {
    let service = imap_service(short_imap());
    let mut c = imap_connect(&service, Security::Plain, LOCAL);
    assert!(c.line().await.starts_with("* OK"));
    assert!(c.run("a LOGIN alice pw", "a ").await.contains("UNAUTHENTICATE"), "offered");
    assert!(c.run("b SELECT INBOX", "b ").await.contains("* 1 EXISTS"));
    tokio::time::sleep(Duration::from_secs(4)).await;
    let started = Instant::now();
    assert!(c.run("c UNAUTHENTICATE", "c ").await.contains("c OK"));
    let fetch = c.run("d FETCH 1 FLAGS", "d ").await;
    assert!(fetch.contains("d NO"), "nothing selected, not logged in: {fetch}");
    assert!(c.run("e SELECT INBOX", "e ").await.contains("e NO"));
    assert!(c.run("f LOGIN bob pw2", "f ").await.contains("f OK"));
    assert!(c.run("g SELECT INBOX", "g ").await.contains("* 0 EXISTS"), "bob's INBOX now");
    assert!(c.run("h UNAUTHENTICATE", "h ").await.contains("h OK"));
    // Logged in for 4 s before, yet the login timeout counts from here.
    assert_eq!(c.rest().await, "* BYE Login timeout: log in sooner.\r\n");
    assert_eq!(started.elapsed().as_secs(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_logged_in_connection_silent_too_long_is_logged_out_and_idle_is_rearmed() {
    let service = imap_service(short_imap());
    let mut c = imap_connect(&service, Security::Plain, LOCAL);
    c.line().await;
    assert!(c.run("a LOGIN alice pw", "a ").await.contains("a OK"));
    assert!(c.run("b SELECT INBOX", "b ").await.contains("b OK"));
    // IDLE, re-issued every 4 s (under the 5 s timeout), for 20 s.
    let started = Instant::now();
    assert_eq!(c.run("c IDLE", "+").await, "+ idling\r\n");
    for i in 0..5 {
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(c.run("DONE", "c").await.contains("OK"), "round {i}");
        assert_eq!(c.run("c IDLE", "+").await, "+ idling\r\n");
    }
    assert!(started.elapsed() >= Duration::from_secs(20));
    // Then silence: autologout 5 s after the last IDLE.
    let silent = Instant::now();
    let rest = c.rest().await;
    assert_eq!(rest, "* BYE Autologout; idle for too long.\r\n");
    assert_eq!(silent.elapsed().as_secs(), 5);

    let pop3 = Arc::new(Pop3Service::new(store(), short_pop3()));
    let mut p = pop3_connect(&pop3, Security::Plain, LOCAL, 1 << 16);
    p.line().await;
    p.run("USER alice", "").await;
    assert!(p.run("PASS pw", "").await.starts_with("+OK"));
    assert!(p.run("DELE 1", "").await.starts_with("+OK"));
    let silent = Instant::now();
    assert_eq!(p.rest().await, "-ERR disconnected for inactivity, nothing deleted\r\n");
    assert_eq!(silent.elapsed().as_secs(), 5);
    // The maildrop lock was let go, and the DELE not applied.
    let mut again = pop3_connect(&pop3, Security::Plain, LOCAL, 1 << 16);
    again.line().await;
    again.run("USER alice", "").await;
    assert_eq!(again.run("PASS pw", "").await, "+OK maildrop has 1 messages\r\n");
}

#[tokio::test(start_paused = true)]
async fn a_failed_login_is_answered_late_without_holding_up_others_and_counts() {
    let service = imap_service(ImapConfig { login_timeout: Duration::from_secs(120), ..short_imap() });
    let mut a = imap_connect(&service, Security::Plain, LOCAL);
    let mut b = imap_connect(&service, Security::Plain, LOCAL);
    a.line().await;
    b.line().await;
    let started = Instant::now();
    a.send("a1 LOGIN alice wrong\r\n").await;
    // Meanwhile another session logs in at once.
    assert!(b.run("b1 LOGIN alice pw", "b1 ").await.contains("b1 OK"));
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(a.line().await.starts_with("a1 NO [AUTHENTICATIONFAILED]"));
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    // Failures are not forgiven by commands in between: the twentieth
    // ends the session.
    for i in 2..20 {
        assert!(a.run("x NOOP", "x ").await.contains("x OK"));
        assert!(a.run(&format!("a{i} LOGIN alice wrong"), "a").await.contains("NO"), "{i}");
    }
    let last = a.run("a20 LOGIN alice wrong", "a20").await;
    assert!(last.starts_with("a20 NO"), "{last}");
    assert_eq!(a.rest().await, "* BYE Too many invalid IMAP commands.\r\n");
    // POP3 the same.
    let config = Pop3Config { max_bad_commands: 3, login_timeout: Duration::from_secs(120), ..short_pop3() };
    let pop3 = Arc::new(Pop3Service::new(store(), config));
    let mut p = pop3_connect(&pop3, Security::Plain, LOCAL, 1 << 16);
    p.line().await;
    let started = Instant::now();
    for _ in 0..3 {
        p.run("USER alice", "").await;
        assert_eq!(p.run("PASS wrong", "").await, "-ERR [AUTH] invalid user name or password\r\n");
    }
    assert_eq!(started.elapsed(), Duration::from_secs(6));
    assert_eq!(p.rest().await, "-ERR too many invalid commands\r\n");
}

#[tokio::test(start_paused = true)]
async fn plaintext_logins_follow_the_policy() {
    // Default with TLS on offer: loopback only.
    let service = imap_service(short_imap());
    let mut remote = imap_connect(&service, fake_tls(), REMOTE);
    let greeting = remote.line().await;
    assert!(greeting.contains("STARTTLS LOGINDISABLED]") && !greeting.contains("AUTH="), "{greeting}");
    let caps = remote.run("a CAPABILITY", "a ").await;
    assert!(caps.contains(" LOGINDISABLED\r\n") && !caps.contains("AUTH=PLAIN"), "{caps}");
    let refused = remote.run("b LOGIN alice pw", "b ").await;
    assert!(refused.starts_with("b NO [PRIVACYREQUIRED]"), "{refused}");
    let refused = remote.run("c AUTHENTICATE PLAIN AGFsaWNlAHB3", "c ").await;
    assert!(refused.starts_with("c NO [PRIVACYREQUIRED]"), "{refused}");
    assert!(remote.run("d STARTTLS", "d ").await.starts_with("d OK"));
    let caps = remote.run("e CAPABILITY", "e ").await;
    assert!(caps.contains("AUTH=PLAIN") && !caps.contains("LOGINDISABLED"), "{caps}");
    assert!(remote.run("f LOGIN alice pw", "f ").await.contains("f OK"), "after TLS");

    let mut local = imap_connect(&service, fake_tls(), LOCAL);
    assert!(!local.line().await.contains("LOGINDISABLED"));
    assert!(local.run("a LOGIN alice pw", "a ").await.contains("a OK"));
    // Without TLS on offer, logging in in the clear is the only way.
    let mut plain = imap_connect(&service, Security::Plain, REMOTE);
    assert!(!plain.line().await.contains("LOGINDISABLED"));
    assert!(plain.run("a LOGIN alice pw", "a ").await.contains("a OK"));
    // Never: not even from the loopback address.
    let never = imap_service(ImapConfig { plaintext_auth: Some(PlaintextAuth::Never), ..short_imap() });
    let mut local = imap_connect(&never, fake_tls(), LOCAL);
    assert!(local.line().await.contains("LOGINDISABLED"));
    assert!(local.run("a LOGIN alice pw", "a ").await.starts_with("a NO [PRIVACYREQUIRED]"));
    // Always: from anywhere.
    let always = imap_service(ImapConfig { plaintext_auth: Some(PlaintextAuth::Always), ..short_imap() });
    let mut remote = imap_connect(&always, fake_tls(), REMOTE);
    assert!(!remote.line().await.contains("LOGINDISABLED"));
    assert!(remote.run("a LOGIN alice pw", "a ").await.contains("a OK"));

    // POP3: neither USER nor SASL PLAIN before STLS.
    let pop3 = Arc::new(Pop3Service::new(store(), short_pop3()));
    let mut p = pop3_connect(&pop3, fake_tls(), REMOTE, 1 << 16);
    p.line().await;
    let capa = p.run("CAPA", ".").await;
    assert!(!capa.lines().any(|l| l == "USER") && !capa.contains("SASL") && capa.contains("STLS\r\n"), "{capa}");
    assert!(p.run("USER alice", "").await.starts_with("-ERR [AUTH] Plaintext authentication is refused"));
    assert!(p.run("AUTH PLAIN AGFsaWNlAHB3", "").await.starts_with("-ERR [AUTH] Plaintext"));
    assert!(p.run("STLS", "").await.starts_with("+OK"));
    p.run("USER alice", "").await;
    assert!(p.run("PASS pw", "").await.starts_with("+OK maildrop"), "after STLS");
}

#[tokio::test(start_paused = true)]
async fn plain_with_another_authorization_identity_is_refused() {
    let service = imap_service(short_imap());
    let mut c = imap_connect(&service, Security::Plain, LOCAL);
    c.line().await;
    // bob (password pw2) asking to act as alice.
    let asked = c.run(&format!("a AUTHENTICATE PLAIN {}", base64(b"alice\0bob\0pw2")), "a ").await;
    assert!(asked.starts_with("a NO [AUTHORIZATIONFAILED]"), "{asked}");
    let own = c.run(&format!("b AUTHENTICATE PLAIN {}", base64(b"bob\0bob\0pw2")), "b ").await;
    assert!(own.contains("b OK"), "{own}");
    assert!(c.run("c SELECT INBOX", "c ").await.contains("* 0 EXISTS"), "bob's INBOX, not alice's");

    let pop3 = Arc::new(Pop3Service::new(store(), short_pop3()));
    let mut p = pop3_connect(&pop3, Security::Plain, LOCAL, 1 << 16);
    p.line().await;
    let asked = p.run(&format!("AUTH PLAIN {}", base64(b"alice\0bob\0pw2")), "").await;
    assert_eq!(asked, "-ERR [AUTH] not authorized to act as that user\r\n");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stops_reading_is_let_go_with_what_it_held() {
    // POP3 RETR of a 300 KB message into a 4 KB pipe nobody reads: the
    // write gives up after the idle timeout and the maildrop is free.
    let pop3 = Arc::new(Pop3Service::new(store(), short_pop3()));
    let mut p = pop3_connect(&pop3, Security::Plain, LOCAL, 4096);
    p.line().await;
    p.run("USER alice", "").await;
    assert!(p.run("PASS pw", "").await.starts_with("+OK"));
    p.send("RETR 1\r\n").await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let mut other = pop3_connect(&pop3, Security::Plain, LOCAL, 1 << 16);
    other.line().await;
    other.run("USER alice", "").await;
    assert_eq!(other.run("PASS pw", "").await, "+OK maildrop has 1 messages\r\n");
    drop(p);

    // IMAP: a FETCH nobody reads, in IDLE's place; the session ends, and
    // its notification subscription with it.
    let service = imap_service(short_imap());
    let (ours, theirs) = tokio::io::duplex(4096);
    let served = tokio::spawn({
        let service = service.clone();
        async move { service.serve_from(theirs, Security::Plain, LOCAL.parse().unwrap()).await }
    });
    let mut c = Peer::new(ours);
    c.line().await;
    assert!(c.run("a LOGIN alice pw", "a ").await.contains("a OK"));
    assert!(c.run("b SELECT INBOX", "b ").await.contains("b OK"));
    c.send("c FETCH 1 BODY[]\r\n").await;
    tokio::time::timeout(Duration::from_secs(6), served).await.expect("the session ended").unwrap();
}

#[tokio::test(start_paused = true)]
async fn idle_says_it_is_still_there_and_the_silence_still_counts() {
    let config = ImapConfig { idle_keepalive: Some(Duration::from_secs(2)), ..short_imap() };
    let service = imap_service(config);
    let mut c = imap_connect(&service, Security::Plain, LOCAL);
    c.line().await;
    assert!(c.run("a LOGIN alice pw", "a ").await.contains("a OK"));
    assert!(c.run("b SELECT INBOX", "b ").await.contains("b OK"));
    let started = Instant::now();
    assert_eq!(c.run("c IDLE", "+").await, "+ idling\r\n");
    assert_eq!(c.line().await, "* OK Still here\r\n");
    assert_eq!(started.elapsed().as_secs(), 2);
    assert_eq!(c.line().await, "* OK Still here\r\n");
    assert_eq!(started.elapsed().as_secs(), 4);
    // The notices are the server's: the autologout comes 5 s after IDLE.
    assert_eq!(c.rest().await, "* BYE Autologout; idle for too long.\r\n");
    assert_eq!(started.elapsed().as_secs(), 5);
}
