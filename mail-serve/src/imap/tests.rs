//! The engine against the in-memory store, over in-process pipes.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::{ImapConfig, ImapService, Security};
use crate::memory::MemoryStore;

pub(crate) struct Client {
    io: DuplexStream,
    buffer: Vec<u8>,
    next: u32,
}

impl Client {
    pub async fn connect(service: &Arc<ImapService<MemoryStore>>) -> Client {
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let service = service.clone();
        tokio::spawn(async move { service.serve(theirs, Security::Plain).await });
        let mut client = Client { io: ours, buffer: Vec::new(), next: 1 };
        let greeting = client.read_line().await;
        assert!(greeting.starts_with("* OK"), "{greeting}");
        client
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 8192];
        match tokio::time::timeout(std::time::Duration::from_secs(10), self.io.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => false,
            Ok(Ok(n)) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                true
            }
            Err(_) => panic!("no answer within 10 s; have {:?}", String::from_utf8_lossy(&self.buffer)),
        }
    }

    pub async fn read_line(&mut self) -> String {
        loop {
            if let Some(i) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buffer.drain(..i + 2).collect();
                return String::from_utf8_lossy(&line).into_owned();
            }
            if !self.fill().await {
                return String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned();
            }
        }
    }

    pub async fn send(&mut self, raw: &str) {
        self.io.write_all(raw.as_bytes()).await.unwrap();
    }

    /// Sends a command; returns everything up to and with its tagged
    /// answer (literals included).
    pub async fn run(&mut self, command: &str) -> String {
        let tag = format!("T{}", self.next);
        self.next += 1;
        self.send(&format!("{tag} {command}\r\n")).await;
        self.until(&tag).await
    }

    /// Reads up to the answer tagged `tag`.
    pub async fn until(&mut self, tag: &str) -> String {
        let mut out = String::new();
        loop {
            let line = self.read_line().await;
            if line.is_empty() {
                panic!("connection closed; have {out}");
            }
            out.push_str(&line);
            if line.starts_with(&format!("{tag} ")) {
                return out;
            }
        }
    }
}

pub(crate) fn service_with(store: MemoryStore) -> Arc<ImapService<MemoryStore>> {
    Arc::new(ImapService::new(store, ImapConfig::default()))
}

pub(crate) fn store_with(messages: &[&[u8]]) -> MemoryStore {
    let store = MemoryStore::new();
    store.add_user("alice", "pw");
    for m in messages {
        store.deliver("alice", m).unwrap();
    }
    store
}

const MIXED: &[u8] = b"From: Bob <bob@example.org>\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--x\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--x--\r\n";

#[tokio::test]
async fn login_select_fetch() {
    let service = service_with(store_with(&[b"Subject: one\r\n\r\nbody one\r\n", MIXED]));
    let mut c = Client::connect(&service).await;
    assert!(c.run("LOGIN alice wrong").await.contains("NO [AUTHENTICATIONFAILED]"));
    assert!(c.run("LOGIN alice pw").await.contains("OK [CAPABILITY"));
    let select = c.run("SELECT INBOX").await;
    assert!(select.contains("* 2 EXISTS") && select.contains("* 2 RECENT"), "{select}");
    assert!(select.contains("[UIDVALIDITY ") && select.contains("[UIDNEXT 3]") && select.contains("OK [READ-WRITE]"));
    let fetch = c.run("FETCH 1:2 (UID RFC822.SIZE FLAGS)").await;
    assert!(fetch.contains("* 1 FETCH (UID 1 RFC822.SIZE 26 FLAGS (\\Recent))"), "{fetch}");
    let body = c
        .run("FETCH 2 (BODY.PEEK[1] BODY.PEEK[2] BINARY.PEEK[2] BINARY.SIZE[2] BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        .await;
    assert!(
        body.contains("BODY[1] {10}\r\nfirst part BODY[2] {8}\r\nAAECAw== BINARY[2] ~{4}\r\n\0\x01\x02\x03"),
        "{body:?}"
    );
    assert!(body.contains("BINARY.SIZE[2] 4"), "{body:?}");
    assert!(body.contains("BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: parts\r\n\r\n"), "{body:?}");
    let partial = c.run("FETCH 1 (BODY[]<9.3>)").await;
    assert!(partial.contains("BODY[]<9> {3}\r\none FLAGS (\\Seen \\Recent))"), "{partial:?}");
    let bs = c.run("FETCH 2 BODYSTRUCTURE").await;
    assert!(bs.contains("(\"TEXT\" \"plain\" NIL NIL NIL \"7bit\" 10 0 NIL NIL NIL NIL)"), "{bs}");
    let env = c.run("FETCH 2 ENVELOPE").await;
    assert!(env.contains("\"parts\" ((\"Bob\" NIL \"bob\" \"example.org\"))"), "{env}");
    assert!(c.run("LOGOUT").await.contains("OK"));
}
