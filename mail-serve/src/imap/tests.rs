//! The engine against the in-memory store, over in-process pipes.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::{ImapConfig, ImapService, Security};
use crate::memory::MemoryStore;

pub(crate) struct Client {
    pub io: DuplexStream,
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

    /// Sends a command with this tag; returns up to its tagged answer.
    pub async fn run_tagged(&mut self, tag: &str, command: &str) -> String {
        self.send(&format!("{tag} {command}\r\n")).await;
        self.until(tag).await
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
    Arc::new(ImapService::new(store, ImapConfig { offer_binary: true, ..ImapConfig::default() }))
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

async fn logged_in(service: &Arc<ImapService<MemoryStore>>, select: &str) -> Client {
    let mut c = Client::connect(service).await;
    assert!(c.run("LOGIN alice pw").await.contains("OK"));
    if !select.is_empty() {
        assert!(c.run(&format!("SELECT {select}")).await.contains("OK [READ-WRITE]"));
    }
    c
}

#[tokio::test]
async fn expunges_wait_for_a_command_that_allows_them() {
    let service = service_with(store_with(&[b"a\r\n", b"b\r\n", b"c\r\n"]));
    let mut a = logged_in(&service, "INBOX").await;
    let mut b = logged_in(&service, "INBOX").await;
    assert!(b.run("STORE 2 +FLAGS (\\Deleted)").await.contains("* 2 FETCH (FLAGS (\\Deleted))"));
    let expunged = b.run("EXPUNGE").await;
    assert!(expunged.starts_with("* 2 EXPUNGE\r\n"), "{expunged}");
    // A learns of the flag change and the expunge, but may not be told of
    // the expunge during FETCH, STORE or SEARCH.
    let fetch = a.run("FETCH 1:3 (FLAGS)").await;
    assert!(!fetch.contains("* 2 EXPUNGE"), "{fetch}");
    assert!(fetch.contains("NO [EXPUNGEISSUED]"), "{fetch}");
    let store = a.run("STORE 2 +FLAGS (\\Seen)").await;
    assert!(
        store.contains("* 2 FETCH (FLAGS (\\Deleted \\Seen \\Recent))") && !store.contains("* 2 EXPUNGE"),
        "{store}"
    );
    let search = a.run("SEARCH ALL").await;
    assert!(search.contains("* SEARCH 1 3\r\n") && !search.contains("* 2 EXPUNGE"), "{search}");
    let noop = a.run("NOOP").await;
    assert!(noop.contains("* 2 EXPUNGE\r\n"), "{noop}");
    assert!(a.run("FETCH 2 (UID)").await.contains("* 2 FETCH (UID 3)"));
    // A UID command may be told at once.
    assert!(b.run("STORE 1 +FLAGS (\\Deleted)").await.contains("OK"));
    assert!(b.run("EXPUNGE").await.contains("* 1 EXPUNGE"));
    let uid_fetch = a.run("UID FETCH 1:* (FLAGS)").await;
    assert!(uid_fetch.contains("* 1 EXPUNGE"), "{uid_fetch}");
}

#[tokio::test]
async fn other_sessions_changes_arrive_and_idle_hears_them_at_once() {
    let store = store_with(&[b"a\r\n"]);
    let service = service_with(store);
    let mut a = logged_in(&service, "INBOX").await;
    let mut b = logged_in(&service, "INBOX").await;
    assert!(b.run("STORE 1 +FLAGS.SILENT (\\Flagged $Work)").await.contains("OK"));
    let noop = a.run("NOOP").await;
    assert!(noop.contains("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)"), "{noop}");
    assert!(noop.contains("* 1 FETCH (FLAGS (\\Flagged $Work \\Recent))"), "{noop}");
    assert!(!b.run("NOOP").await.contains("FETCH"), "a session is not told of its own change again");
    a.send("I1 IDLE\r\n").await;
    assert!(a.read_line().await.starts_with("+ "));
    service.store().deliver("alice", b"new\r\n").unwrap();
    assert_eq!(a.read_line().await, "* 2 EXISTS\r\n");
    assert_eq!(a.read_line().await, "* 2 RECENT\r\n", "the first session took the \\Recent messages");
    assert!(b.run("NOOP").await.contains("* 2 EXISTS"));
    assert!(b.run("STORE 2 +FLAGS (\\Deleted)").await.contains("OK"));
    assert!(b.run("EXPUNGE").await.contains("EXPUNGE"));
    let mut seen = String::new();
    while !seen.contains("* 2 EXPUNGE") {
        seen.push_str(&a.read_line().await);
    }
    a.send("DONE\r\n").await;
    assert!(a.until("I1").await.contains("I1 OK"));
}

#[tokio::test]
async fn a_refused_store_defines_nothing() {
    let store = MemoryStore::with_max_keywords(3);
    store.add_user("alice", "pw");
    store.deliver("alice", b"a\r\n").unwrap();
    let service = service_with(store);
    let mut c = logged_in(&service, "INBOX").await;
    let refused = c.run("STORE 1 +FLAGS (k1 k2 k3 k4)").await;
    assert!(refused.contains("NO [LIMIT]"), "{refused}");
    assert!(!refused.contains("* FLAGS"), "{refused}");
    assert!(c.run("FETCH 1 FLAGS").await.contains("FLAGS (\\Recent)"));
    assert!(c.run("STORE 1 +FLAGS (k1 k2 k3)").await.contains("OK"));
    let append = c.run("APPEND INBOX (k4) {3+}\r\nx\r\n").await;
    assert!(append.contains("NO [LIMIT]"), "{append}");
}

#[tokio::test]
async fn rename_of_inbox_keeps_keywords() {
    let service = service_with(store_with(&[b"a\r\n", b"b\r\n"]));
    let mut c = logged_in(&service, "INBOX").await;
    assert!(c.run("STORE 2 +FLAGS ($Label1)").await.contains("OK"));
    let rename = c.run("RENAME INBOX INBOX/old").await;
    assert!(rename.contains("* 2 EXPUNGE\r\n* 1 EXPUNGE\r\nT4 OK"), "{rename}");
    assert!(c.run("SELECT INBOX/old").await.contains("* 2 EXISTS"));
    let flags = c.run("FETCH 1:2 FLAGS").await;
    assert!(flags.contains("* 2 FETCH (FLAGS ($Label1 \\Recent))"), "{flags}");
    let list = c.run("LIST \"\" *").await;
    assert!(
        list.contains("(\\HasChildren) \"/\" INBOX") && list.contains("(\\HasNoChildren) \"/\" INBOX/old"),
        "{list}"
    );
}

#[tokio::test]
async fn hostile_patterns_and_mime_are_answered() {
    let mut nested = Vec::new();
    for i in 0..3000 {
        nested.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=b{i:05}\r\n\r\n--b{i:05}\r\n").as_bytes(),
        );
    }
    let mut rfc822 = Vec::new();
    for _ in 0..3000 {
        rfc822.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
    }
    rfc822.extend_from_slice(b"Subject: deep\r\n\r\nx\r\n");
    let service = service_with(store_with(&[&nested, &rfc822]));
    let mut c = logged_in(&service, "INBOX").await;
    let stars = "*".repeat(20_000);
    let list = c.run(&format!("LIST \"\" \"{stars}\"")).await;
    assert!(list.contains("OK List completed"), "{list}");
    let z = format!("{}Z", "*".repeat(300));
    let started = std::time::Instant::now();
    assert!(c.run(&format!("LIST \"\" \"{z}\"")).await.contains("OK"));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let bs = c.run("FETCH 1:2 (BODYSTRUCTURE BODY ENVELOPE)").await;
    assert!(bs.contains("OK Fetch completed"), "{bs}");
    let deep = c.run(&format!("FETCH 2 BODY.PEEK[{}]", vec!["1"; 150].join("."))).await;
    assert!(deep.contains("OK Fetch completed"), "{deep}");
}

#[tokio::test]
async fn size_is_what_body_sends_for_bare_lf_mail() {
    let service = service_with(store_with(&[b"Subject: lf\n\nline one\nline two\n"]));
    let mut c = logged_in(&service, "INBOX").await;
    let fetch = c.run("FETCH 1 (RFC822.SIZE BODY.PEEK[])").await;
    assert!(fetch.contains("RFC822.SIZE 35 BODY[] {35}\r\nSubject: lf\r\n\r\nline one\r\nline two\r\n)"), "{fetch:?}");
    let text = c.run("FETCH 1 (BODY.PEEK[TEXT]<4.8>)").await;
    assert!(text.contains("BODY[TEXT]<4> {8}\r\n one\r\nli)"), "{text:?}");
}

#[tokio::test]
async fn search_keys() {
    let service = service_with(store_with(&[
        b"From: Ann <ann@example.org>\r\nSubject: Lunch\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nSee you at noon\r\n",
        MIXED,
        b"Subject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nna=EFve\r\n",
    ]));
    let mut c = logged_in(&service, "INBOX").await;
    assert!(c.run("SEARCH FROM ann").await.contains("* SEARCH 1\r\n"));
    assert!(c.run("SEARCH BODY NOON").await.contains("* SEARCH 1\r\n"));
    assert!(c.run("SEARCH TEXT lunch").await.contains("* SEARCH 1\r\n"));
    assert!(c.run("SEARCH BODY \"first part\"").await.contains("* SEARCH 2\r\n"));
    assert!(c.run("SEARCH CHARSET UTF-8 BODY {6+}\r\nnaïve").await.contains("* SEARCH 3\r\n"));
    assert!(c.run("SEARCH SUBJECT {5+}\r\ncafé").await.contains("* SEARCH 3\r\n"));
    assert!(c.run("SEARCH SENTBEFORE 1-Jan-2000 NOT BODY zzz").await.contains("* SEARCH 1\r\n"));
    assert!(c.run("SEARCH OR 1 3 LARGER 10").await.contains("* SEARCH 1 3\r\n"));
    assert!(c.run("UID SEARCH RETURN (MIN MAX COUNT) ALL").await.contains("MIN 1 MAX 3 COUNT 3"));
    assert!(c.run("SEARCH CHARSET KOI8-R ALL").await.contains("NO [BADCHARSET"));
}

#[tokio::test]
async fn sort_orders_by_each_key_and_esort_returns_in_that_order() {
    let service = service_with(store_with(&[
        b"From: Zed <zed@example.org>\r\nTo: b@example.org\r\nSubject: Re: banana\r\nDate: Tue, 1 Jan 2030 10:00:00 +0000\r\n\r\nlong body text here\r\n",
        b"From: amy@example.org\r\nTo: Carl <a@example.org>\r\nSubject: apple\r\nDate: Tue, 1 Jan 2030 12:00:00 +0200\r\n\r\nx\r\n",
        b"From: =?utf-8?q?B=C3=A9a?= <bea@example.org>\r\nSubject: [list] Fwd: cherry (fwd)\r\n\r\nmiddle body\r\n",
    ]));
    let mut c = logged_in(&service, "INBOX").await;
    let capability = c.run("CAPABILITY").await;
    assert!(capability.contains(" SORT ") && capability.contains("SORT=DISPLAY") && capability.contains("ESORT"));
    assert!(c.run("SORT (SUBJECT) UTF-8 ALL").await.contains("* SORT 2 1 3\r\n"), "base subjects: apple banana cherry");
    assert!(c.run("SORT (REVERSE SUBJECT) UTF-8 ALL").await.contains("* SORT 3 1 2\r\n"));
    assert!(c.run("SORT (FROM) US-ASCII ALL").await.contains("* SORT 2 3 1\r\n"), "amy bea zed");
    assert!(c.run("SORT (DISPLAYFROM) UTF-8 ALL").await.contains("* SORT 2 3 1\r\n"), "amy@... Béa Zed");
    assert!(c.run("SORT (TO SIZE) UTF-8 ALL").await.contains("* SORT 3 2 1\r\n"), "no To sorts first");
    assert!(c.run("SORT (DISPLAYTO) UTF-8 ALL").await.contains("* SORT 3 1 2\r\n"), "'' b@example.org Carl");
    // 12:00 +0200 is 10:00 UTC: a tie with message 1, kept in mailbox order.
    let date = c.run("SORT (DATE) UTF-8 NOT 3").await;
    assert!(date.contains("* SORT 1 2\r\n"), "{date}");
    assert!(c.run("SORT (REVERSE SIZE) UTF-8 ALL").await.contains("* SORT 1 2 3\r\n"));
    assert!(c.run("SORT (SIZE) UTF-8 ALL").await.contains("* SORT 3 2 1\r\n"));
    assert!(c.run("UID SORT (SUBJECT) UTF-8 2:3").await.contains("* SORT 2 3\r\n"));
    let esort = c.run("SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL").await;
    assert!(esort.contains("* ESEARCH (TAG \"") && esort.contains(") MIN 2 MAX 3 COUNT 3 ALL 2,1,3\r\n"), "{esort}");
    assert!(c.run("SORT (RELEVANCY) UTF-8 ALL").await.contains("BAD"));
    assert!(c.run("SORT (SUBJECT) KOI8-R ALL").await.contains("NO [BADCHARSET"));
    // THREAD=ORDEREDSUBJECT: "Re: banana" alone; no threads by references.
    assert!(capability.contains("THREAD=ORDEREDSUBJECT") && capability.contains("THREAD=REFERENCES"));
    for (tag, message) in [
        ("A1", "Subject: Fwd: apple\r\nDate: Wed, 2 Jan 2030 00:00:00 +0000\r\n\r\nx\r\n"),
        ("A2", "Subject: apple (fwd)\r\nDate: Thu, 3 Jan 2030 00:00:00 +0000\r\n\r\nx\r\n"),
    ] {
        c.send(&format!("{tag} APPEND INBOX {{{}+}}\r\n{message}\r\n", message.len())).await;
        assert!(c.until(tag).await.contains(&format!("{tag} OK")));
    }
    let thread = c.run("THREAD ORDEREDSUBJECT UTF-8 ALL").await;
    // 3 has no Date: its arrival (now) goes first; 1 and 2 tie at 10:00 UTC.
    assert!(thread.contains("* THREAD (3)(1)(2 (4)(5))\r\n"), "{thread}");
    let chain = c.run("UID THREAD ORDEREDSUBJECT UTF-8 NOT 5").await;
    assert!(chain.contains("* THREAD (3)(1)(2 4)\r\n"), "one child: a chain: {chain}");
    // REFERENCES: no Message-IDs here, so the subjects decide: 1 alone,
    // 2 with the forwards under it (replies of a non-reply), 3 alone.
    let references = c.run("THREAD REFERENCES UTF-8 ALL").await;
    assert!(references.contains("* THREAD (3)(1)(2 (4)(5))\r\n"), "{references}");
    // REFS: never by subject, so 2, 4 and 5 are threads of their own;
    // threads by their latest message.
    assert!(capability.contains("THREAD=REFS"));
    let refs = c.run("THREAD REFS UTF-8 ALL").await;
    assert!(refs.contains("* THREAD ("), "{refs}");
    assert_eq!(refs.matches(')').count(), 5, "five threads: {refs}");
    assert!(c.run("THREAD X-UNKNOWN UTF-8 ALL").await.contains(" BAD "));
    // STATUS=SIZE (RFC 8438): the sizes as RFC822.SIZE counts them.
    assert!(capability.contains("STATUS=SIZE"));
    let sizes = c.run("FETCH 1:5 RFC822.SIZE").await;
    let total: u64 =
        sizes.split("RFC822.SIZE ").skip(1).map(|s| s.split(')').next().unwrap().parse::<u64>().unwrap()).sum();
    let status = c.run("STATUS INBOX (MESSAGES SIZE)").await;
    assert!(status.contains(&format!("(MESSAGES 5 SIZE {total})")), "{status} vs {total}");
}

/// An idle session's memory is its future: kept small, whatever the
/// largest command's work (boxed) needs.
#[test]
fn an_idle_session_is_small() {
    let service = service_with(store_with(&[]));
    let (_a, b) = tokio::io::duplex(64);
    let imap = mail_codec::ImapServer::new(b, Default::default());
    let size = service.run_future_size(imap);
    assert!(size <= 2048, "a session's future is {size} bytes");
    let (_c, d) = tokio::io::duplex(64);
    let serve = std::mem::size_of_val(&service.serve(d, Security::Plain));
    assert!(serve <= 2048, "serve's future is {serve} bytes");
}

#[tokio::test]
async fn every_other_command_answers_as_rfc_3501_says() {
    let service = service_with(store_with(&[b"Subject: a\r\n\r\na\r\n", b"Subject: b\r\n\r\nb\r\n"]));
    let mut c = Client::connect(&service).await;
    // AUTHENTICATE PLAIN with an initial response and without.
    assert!(c.run("AUTHENTICATE PLAIN AGFsaWNlAHB3").await.contains("OK [CAPABILITY"));
    let mut d = Client::connect(&service).await;
    d.send("x AUTHENTICATE PLAIN\r\n").await;
    assert!(d.read_line().await.starts_with("+ "));
    d.send("AGFsaWNlAHdyb25n\r\n").await;
    assert!(d.until("x").await.contains("x NO [AUTHENTICATIONFAILED]"));
    let id = c.run("ID NIL").await;
    assert!(id.contains("* ID (\"name\" \"mail-serve\")"), "{id}");
    assert!(c.run("NAMESPACE").await.contains("* NAMESPACE ((\"\" \"/\")) NIL NIL"));
    assert!(c.run("ENABLE CONDSTORE").await.contains("* ENABLED"));
    assert!(c.run("CREATE a/b/c/").await.contains("OK"));
    let list = c.run("LIST \"\" *").await;
    assert!(list.contains("\"/\" a\r\n") && list.contains("\"/\" a/b/c\r\n"), "parents made: {list}");
    assert!(c.run("CREATE a").await.contains("NO [ALREADYEXISTS]"));
    assert!(c.run("SUBSCRIBE a/b/c").await.contains("OK"));
    let lsub = c.run("LSUB \"\" a/%").await;
    assert!(lsub.contains("* LSUB (\\Noselect) \"/\" a/b\r\n"), "{lsub}");
    assert!(c.run("LIST \"\" \"\"").await.contains("* LIST (\\Noselect) \"/\" \"\""));
    let status = c.run("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT SIZE DELETED)").await;
    assert!(status.contains("MESSAGES 2") && status.contains("UIDNEXT 3") && status.contains("UNSEEN 2"), "{status}");
    assert!(c.run("STATUS nowhere (MESSAGES)").await.contains("NO [NONEXISTENT]"));
    assert!(c.run("EXAMINE INBOX").await.contains("OK [READ-ONLY]"));
    assert!(c.run("STORE 1 +FLAGS (\\Seen)").await.contains("NO"), "read-only");
    assert!(c.run("FETCH 1 BODY[]").await.contains("BODY[] {17}"), "no \\Seen set in EXAMINE");
    assert!(c.run("SELECT INBOX").await.contains("* 2 EXISTS"));
    assert!(c.run("FETCH 1 FLAGS").await.contains("FLAGS (\\Recent)"), "EXAMINE left \\Seen alone");
    let copy = c.run("COPY 1:2 a/b/c").await;
    assert!(copy.contains("OK [COPYUID "), "{copy}");
    assert!(c.run("COPY 1 nowhere").await.contains("NO [TRYCREATE]"));
    let moved = c.run("UID MOVE 2 a").await;
    assert!(moved.contains("OK [COPYUID ") && moved.contains("* 2 EXPUNGE"), "{moved}");
    assert!(c.run("STATUS a/b/c (MESSAGES)").await.contains("MESSAGES 2"));
    assert!(c.run("STORE 1 +FLAGS (\\Deleted)").await.contains("OK"));
    assert!(c.run("UNSELECT").await.contains("OK"));
    assert!(c.run("SELECT INBOX").await.contains("* 1 EXISTS"), "UNSELECT expunged nothing");
    assert!(c.run("CLOSE").await.contains("OK"));
    assert!(c.run("STATUS INBOX (MESSAGES)").await.contains("MESSAGES 0"), "CLOSE expunged");
    assert!(c.run("FETCH 1 FLAGS").await.contains("BAD"), "no mailbox selected");
    assert!(c.run("DELETE INBOX").await.contains("NO"));
    assert!(c.run("RENAME a/b z").await.contains("OK"));
    assert!(c.run("LIST \"\" z/*").await.contains("\"/\" z/c"));
    assert!(c.run("UNSUBSCRIBE a/b/c").await.contains("OK"));
    assert!(c.run("DELETE z/c").await.contains("OK"));
    assert!(c.run("CHECK").await.contains("BAD"), "CHECK needs a selected mailbox");
    assert!(c.run("XUNKNOWN").await.contains("BAD"));
    assert!(c.run("LOGOUT").await.contains("* BYE"));
}

#[tokio::test]
async fn twenty_invalid_commands_in_a_row_end_the_session() {
    let service = service_with(store_with(&[]));
    let mut c = Client::connect(&service).await;
    assert!(c.run("LOGIN alice pw").await.contains("OK"));
    for _ in 0..19 {
        assert!(c.run("FETCH 1 FLAGS").await.contains("BAD"));
    }
    c.send("T99 FETCH 1 FLAGS\r\n").await;
    let mut rest = String::new();
    loop {
        let line = c.read_line().await;
        if line.is_empty() {
            break;
        }
        rest.push_str(&line);
    }
    assert!(rest.contains("* BYE"), "{rest}");
}

/// The number after `key` in `text` (e.g. `HIGHESTMODSEQ 7`).
fn number_after(text: &str, key: &str) -> u64 {
    let at = text.find(key).unwrap_or_else(|| panic!("no {key} in {text}")) + key.len();
    text[at..]
        .trim_start_matches([' ', '('])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn condstore_and_qresync_as_rfc_7162_says() {
    let service = service_with(store_with(&[b"Subject: a\r\n\r\na\r\n", b"Subject: b\r\n\r\nb\r\n", b"c\r\n"]));
    let mut c = Client::connect(&service).await;
    assert!(c.run("LOGIN alice pw").await.contains("CONDSTORE QRESYNC"));
    let select = c.run("SELECT INBOX").await;
    assert!(!select.contains("HIGHESTMODSEQ"), "not told before CONDSTORE is enabled: {select}");
    let validity = number_after(&select, "UIDVALIDITY");
    // FETCH MODSEQ enables CONDSTORE: HIGHESTMODSEQ is told once.
    let fetch = c.run("FETCH 1 (MODSEQ)").await;
    assert!(fetch.contains("* OK [HIGHESTMODSEQ "), "{fetch}");
    let start = number_after(&fetch, "HIGHESTMODSEQ");
    assert!(!c.run("FETCH 1 (MODSEQ)").await.contains("HIGHESTMODSEQ"));
    let store = c.run("STORE 1 +FLAGS (\\Seen)").await;
    let m1 = number_after(&store, "MODSEQ");
    assert!(m1 > start && store.contains("* 1 FETCH (FLAGS (\\Seen \\Recent) MODSEQ ("), "{store}");
    // UNCHANGEDSINCE: refused where the message changed since, even
    // .SILENT tells the new modseq.
    let conditional = c.run(&format!("STORE 1:2 (UNCHANGEDSINCE {start}) +FLAGS.SILENT (\\Flagged)")).await;
    assert!(conditional.contains("OK [MODIFIED 1]"), "{conditional}");
    assert!(conditional.contains("* 2 FETCH (MODSEQ ("), "{conditional}");
    assert!(!conditional.contains("* 1 FETCH"), "{conditional}");
    let uid_conditional = c.run("UID STORE 2 (UNCHANGEDSINCE 1) -FLAGS (\\Flagged)").await;
    assert!(uid_conditional.contains("OK [MODIFIED 2]"), "{uid_conditional}");
    let changed = c.run(&format!("UID FETCH 1:* (FLAGS) (CHANGEDSINCE {start})")).await;
    assert!(changed.contains("UID 1 ") && changed.contains("UID 2 ") && !changed.contains("UID 3 "), "{changed}");
    assert!(changed.contains("MODSEQ ("), "CHANGEDSINCE implies MODSEQ: {changed}");
    let search = c.run(&format!("SEARCH MODSEQ {}", start + 1)).await;
    assert!(search.contains("* SEARCH 1 2 (MODSEQ "), "{search}");
    let esearch = c.run(&format!("SEARCH RETURN (MIN) MODSEQ {}", start + 1)).await;
    assert!(esearch.contains(&format!("MIN 1 MODSEQ {m1}")), "MIN's modseq is the first's: {esearch}");
    assert!(c.run("STATUS INBOX (HIGHESTMODSEQ)").await.contains("HIGHESTMODSEQ "));
    // VANISHED needs ENABLE QRESYNC, UID FETCH and CHANGEDSINCE.
    assert!(c.run("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)").await.contains("BAD"));
    let highest = number_after(&c.run("STATUS INBOX (HIGHESTMODSEQ)").await, "HIGHESTMODSEQ");

    // A second client expunges message 2 and flags message 3.
    let mut d = Client::connect(&service).await;
    d.run("LOGIN alice pw").await;
    assert!(d.run("ENABLE QRESYNC").await.contains("* ENABLED QRESYNC"));
    d.run("SELECT INBOX").await;
    d.run("STORE 2 +FLAGS (\\Deleted)").await;
    let expunged = d.run("EXPUNGE").await;
    assert!(expunged.contains("* VANISHED 2\r\n") && !expunged.contains("EXPUNGE\r\n"), "{expunged}");
    d.run("STORE 2 +FLAGS ($Work)").await;
    let noop = c.run("NOOP").await;
    assert!(noop.contains("* 2 EXPUNGE") && noop.contains("* 2 FETCH (FLAGS ($Work \\Recent) MODSEQ ("), "{noop}");

    // A client that was away: one QRESYNC select tells what it missed.
    let mut e = Client::connect(&service).await;
    e.run("LOGIN alice pw").await;
    assert!(e.run(&format!("SELECT INBOX (QRESYNC ({validity} {highest}))")).await.contains("BAD"), "ENABLE first");
    e.run("ENABLE QRESYNC").await;
    let resync = e.run(&format!("SELECT INBOX (QRESYNC ({validity} {highest} 1:3))")).await;
    assert!(resync.contains("* VANISHED (EARLIER) 2\r\n"), "{resync}");
    assert!(resync.contains("* 2 FETCH (FLAGS ($Work) UID 3 MODSEQ ("), "{resync}");
    assert!(!resync.contains("UID 1 "), "unchanged since: {resync}");
    assert!(resync.contains("OK [HIGHESTMODSEQ "), "{resync}");
    let vanished = e.run(&format!("UID FETCH 1:* (FLAGS) (CHANGEDSINCE {highest} VANISHED)")).await;
    assert!(vanished.contains("* VANISHED (EARLIER) 2\r\n") && vanished.contains("UID 3 "), "{vanished}");
    let other = e.run("SELECT other").await;
    assert!(other.contains("NO") || other.contains("OK [CLOSED]"), "{other}");
    // A wrong UIDVALIDITY: a plain select.
    let stale = e.run(&format!("SELECT INBOX (QRESYNC ({} 1))", validity + 1)).await;
    assert!(!stale.contains("VANISHED") && !stale.contains("FETCH"), "{stale}");
}

#[tokio::test]
async fn list_extended_selects_returns_and_recurses_as_rfc_5258_says() {
    let service = service_with(store_with(&[b"Subject: one\r\n\r\nbody\r\n"]));
    let mut c = logged_in(&service, "").await;
    for name in ["a/b", "a/c/d", "e", "f"] {
        assert!(c.run(&format!("CREATE {name}")).await.contains("OK"), "{name}");
    }
    for name in ["a/b", "a/c/d", "e", "gone"] {
        assert!(c.run(&format!("SUBSCRIBE {name}")).await.contains("OK"), "{name}");
    }
    // Several patterns, one answer each; no attributes asked for.
    let several = c.run("LIST \"\" (a/* a/b e)").await;
    let lines: Vec<&str> = several.lines().filter(|l| l.starts_with("* LIST")).collect();
    assert_eq!(lines, ["* LIST () \"/\" a/b", "* LIST () \"/\" a/c", "* LIST () \"/\" a/c/d", "* LIST () \"/\" e"]);
    // SUBSCRIBED: exactly the subscribed names, one that does not exist
    // marked so (and not \NoSelect, which \NonExistent implies).
    let subscribed = c.run("LIST (SUBSCRIBED) \"\" *").await;
    let lines: Vec<&str> = subscribed.lines().filter(|l| l.starts_with("* LIST")).collect();
    assert_eq!(
        lines,
        [
            "* LIST (\\Subscribed) \"/\" a/b",
            "* LIST (\\Subscribed) \"/\" a/c/d",
            "* LIST (\\Subscribed) \"/\" e",
            "* LIST (\\NonExistent \\Subscribed) \"/\" gone"
        ]
    );
    // RECURSIVEMATCH: a superior is listed with CHILDINFO only when a
    // matching descendant is not listed itself.
    let recursive = c.run("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" % RETURN (CHILDREN)").await;
    assert!(recursive.contains("* LIST (\\HasChildren) \"/\" a (\"CHILDINFO\" (\"SUBSCRIBED\"))"), "{recursive}");
    assert!(recursive.contains("* LIST (\\Subscribed \\HasNoChildren) \"/\" e\r\n"), "{recursive}");
    assert!(!recursive.contains(" f\r\n") && !recursive.contains(" INBOX\r\n"), "{recursive}");
    let both = c.run("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (a a/b a/c/d)").await;
    assert!(!both.contains("CHILDINFO"), "{both}");
    let child = c.run("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" a/%").await;
    assert!(child.contains("* LIST () \"/\" a/c (\"CHILDINFO\" (\"SUBSCRIBED\"))"), "{child}");
    // RETURN (SUBSCRIBED CHILDREN STATUS): attributes of every match and a
    // STATUS after each selectable one.
    let status = c.run("LIST \"\" % RETURN (SUBSCRIBED CHILDREN STATUS (MESSAGES UIDNEXT))").await;
    assert!(
        status.contains("* LIST (\\HasNoChildren) \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 1 UIDNEXT 2)\r\n"),
        "{status}"
    );
    assert!(status.contains("* LIST (\\HasChildren) \"/\" a\r\n* STATUS a (MESSAGES 0 UIDNEXT 1)\r\n"), "{status}");
    assert!(status.contains("* LIST (\\Subscribed \\HasNoChildren) \"/\" e\r\n"), "{status}");
    // Refused: unknown options, RECURSIVEMATCH alone (RFC 5258 3.1).
    for bad in [
        "LIST (IMAPTEST) \"\" %",
        "LIST (RECURSIVEMATCH) \"\" %",
        "LIST (RECURSIVEMATCH REMOTE) \"\" %",
        "LIST \"\" % RETURN (IMAPTEST)",
    ] {
        let answer = c.run(bad).await;
        assert!(answer.lines().last().unwrap().contains(" BAD "), "{bad}: {answer}");
        assert!(!answer.contains("* LIST"), "{bad}: {answer}");
    }
    assert!(c.run("CAPABILITY").await.contains(" LIST-EXTENDED LIST-STATUS "));
}

#[tokio::test]
async fn partial_windows_count_from_either_end() {
    let messages: Vec<Vec<u8>> = (1..=5).map(|i| format!("Subject: {i}\r\n\r\nbody\r\n").into_bytes()).collect();
    let refs: Vec<&[u8]> = messages.iter().map(|m| &m[..]).collect();
    let service = service_with(store_with(&refs));
    let mut c = logged_in(&service, "INBOX").await;
    for (ask, answer) in [
        ("1:1", "PARTIAL (1:1 1)"),
        ("4:2", "PARTIAL (2:4 2:4)"),
        ("1:6", "PARTIAL (1:6 1:5)"),
        ("6:9", "PARTIAL (6:9 NIL)"),
        ("-1:-2", "PARTIAL (-1:-2 4:5)"),
        ("-5:-9", "PARTIAL (-5:-9 1)"),
        ("-6:-9", "PARTIAL (-6:-9 NIL)"),
    ] {
        let out = c.run(&format!("SEARCH RETURN (PARTIAL {ask} COUNT) ALL")).await;
        assert!(out.contains(&format!(" {answer} COUNT 5\r\n")), "{ask}: {out}");
    }
    // In the sort's order: the last two of 5 4 3 2 1.
    let sorted = c.run("SORT RETURN (PARTIAL -1:-2) (REVERSE SUBJECT) UTF-8 ALL").await;
    assert!(sorted.contains("PARTIAL (-1:-2 2,1)"), "{sorted}");
    for bad in
        ["SEARCH RETURN (PARTIAL 1) ALL", "SEARCH RETURN (PARTIAL 1:*) ALL", "SEARCH RETURN (ALL PARTIAL 1:2) ALL"]
    {
        assert!(c.run(bad).await.lines().last().unwrap().contains(" BAD "), "{bad}");
    }
}

#[tokio::test]
async fn search_contexts_follow_flags_arrivals_and_expunges() {
    let messages: Vec<Vec<u8>> = (1..=5).map(|i| format!("Subject: s{i}\r\n\r\nbody\r\n").into_bytes()).collect();
    let refs: Vec<&[u8]> = messages.iter().map(|m| &m[..]).collect();
    let service = service_with(store_with(&refs));
    let mut c = logged_in(&service, "INBOX").await;
    let mut other = logged_in(&service, "INBOX").await;
    let first = c.run_tagged("S1", "SEARCH RETURN (UPDATE) SEEN").await;
    assert!(first.contains("* ESEARCH (TAG \"S1\")\r\n"), "{first}");
    let uid_search = c.run_tagged("S2", "UID SEARCH RETURN (UPDATE ALL) OR SEEN 2").await;
    assert!(uid_search.contains("* ESEARCH (TAG \"S2\") UID ALL 2\r\n"), "{uid_search}");
    // Our own STORE.
    let store = c.run("STORE 1,2,4 +FLAGS.SILENT (\\Seen)").await;
    assert!(store.contains("* ESEARCH (TAG \"S1\") ADDTO (0 1:2,4)\r\n"), "{store}");
    assert!(store.contains("* ESEARCH (TAG \"S2\") UID ADDTO (0 1,4)\r\n"), "{store}");
    // Another session's: told at our next command. Message 2 stays in
    // T3 by its sequence number, fixed when the search was made.
    assert!(other.run("STORE 1,2 -FLAGS.SILENT (\\Seen)").await.contains("OK"));
    let noop = c.run("NOOP").await;
    assert!(noop.contains("* ESEARCH (TAG \"S1\") REMOVEFROM (0 1:2)\r\n"), "{noop}");
    assert!(noop.contains("* ESEARCH (TAG \"S2\") UID REMOVEFROM (0 1)\r\n"), "{noop}");
    // An expunge: REMOVEFROM with the numbers before it, then EXPUNGE.
    assert!(c.run("STORE 3:4 +FLAGS.SILENT (\\Deleted)").await.contains("OK"));
    let expunge = c.run("EXPUNGE").await;
    let removed = expunge.find("* ESEARCH (TAG \"S1\") REMOVEFROM (0 4)\r\n").expect(&expunge);
    assert!(removed < expunge.find("* 4 EXPUNGE").expect(&expunge), "{expunge}");
    // Arrivals count after EXISTS tells their number.
    assert!(other.run("APPEND INBOX (\\Seen) {9}\r\nSubject: \r\n").await.contains("OK"));
    let noop = c.run("NOOP").await;
    assert!(noop.contains("* 4 EXISTS\r\n"), "{noop}");
    assert!(noop.contains("* ESEARCH (TAG \"S1\") ADDTO (0 4)\r\n"), "{noop}");
    // Refused: the same tag twice; SORT keeps no context.
    let reuse = c.run_tagged("S1", "SEARCH RETURN (UPDATE) ALL").await;
    assert!(reuse.contains("S1 BAD"), "{reuse}");
    let sort = c.run("SORT RETURN (UPDATE COUNT) (ARRIVAL) UTF-8 ALL").await;
    assert!(sort.contains("COUNT 4\r\n") && sort.contains(" NO [NOUPDATE \"T"), "{sort}");
    // Cancelled: nothing more.
    assert!(c.run("CANCELUPDATE \"S1\" \"S2\"").await.contains("OK"));
    let quiet = c.run("STORE 1 +FLAGS (\\Seen)").await;
    assert!(!quiet.contains("ESEARCH"), "{quiet}");
    // The limit: one context more gets NOUPDATE, with its results.
    for _ in 0..ImapConfig::default().max_search_contexts {
        assert!(!c.run("SEARCH RETURN (UPDATE) ALL").await.contains("NOUPDATE"));
    }
    let over = c.run("SEARCH RETURN (UPDATE COUNT) ALL").await;
    assert!(over.contains("COUNT 4") && over.contains("NO [NOUPDATE"), "{over}");
    // Closing the mailbox ends them all.
    assert!(c.run("UNSELECT").await.contains("OK"));
    assert!(c.run("SELECT INBOX").await.contains("OK"));
    assert!(!c.run("STORE 1 -FLAGS (\\Seen)").await.contains("ESEARCH"));
}

#[tokio::test]
async fn multiappend_stores_all_or_none_whole_or_streamed() {
    for stream_above in [1 << 20, 8] {
        let store = store_with(&[]);
        let config = ImapConfig { stream_appends_above: stream_above, ..ImapConfig::default() };
        let service = Arc::new(ImapService::new(store, config));
        let mut c = logged_in(&service, "").await;
        let two = c.run("APPEND INBOX (\\Seen) {14+}\r\nSubject: one\r\n {14+}\r\nSubject: two\r\n").await;
        assert!(two.contains("OK [APPENDUID ") && two.contains(" 1:2] Append"), "{stream_above}: {two}");
        // The third message is empty: none of the three stays.
        let refused = c.run("APPEND INBOX {16+}\r\nSubject: three\r\n {15+}\r\nSubject: four\r\n {0+}\r\n").await;
        assert!(refused.lines().last().unwrap().contains(" NO "), "{stream_above}: {refused}");
        let status = c.run("STATUS INBOX (MESSAGES UIDNEXT)").await;
        assert!(status.contains("(MESSAGES 2 UIDNEXT 5)"), "{stream_above}: {status}");
        let missing = c.run("APPEND nowhere {5+}\r\nhello {5+}\r\nworld\r\n").await;
        assert!(missing.contains("NO [TRYCREATE]"), "{stream_above}: {missing}");
        assert!(c.run("SELECT INBOX").await.contains("* 2 EXISTS"));
        let subjects = c.run("FETCH 1:* (FLAGS BODY.PEEK[])").await;
        assert!(subjects.contains("* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[] {14}\r\nSubject: one\r\n)"), "{subjects}");
        assert!(subjects.contains("* 2 FETCH (FLAGS (\\Recent) BODY[] {14}\r\nSubject: two\r\n)"), "{subjects}");
        assert!(c.run("CAPABILITY").await.contains(" MULTIAPPEND CATENATE "));
    }
}

#[tokio::test]
async fn catenate_builds_messages_from_text_and_urls() {
    let service = service_with(store_with(&[MIXED]));
    let mut c = logged_in(&service, "INBOX").await;
    let validity = number_after(&c.run("STATUS INBOX (UIDVALIDITY)").await, "UIDVALIDITY ");
    assert!(c.run("CREATE Built").await.contains("OK"));
    let header = "From: Bob <bob@example.org>\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n";
    for (parts, expected) in [
        ("URL \"/INBOX/;uid=1/;section=HEADER\" TEXT {6+}\r\nbody\r\n".to_string(), format!("{header}body\r\n")),
        (
            format!("TEXT {{14+}}\r\nSubject: new\r\n URL \"/INBOX;UIDVALIDITY={validity}/;UID=1/;SECTION=1\""),
            "Subject: new\r\nfirst part".to_string(),
        ),
        (
            "TEXT {3+}\r\nX: URL \"imap://alice@localhost/INBOX/;uid=1/;section=1/;partial=6.4\"".to_string(),
            "X: part".to_string(),
        ),
    ] {
        let answer = c.run(&format!("APPEND Built CATENATE ({parts})")).await;
        assert!(answer.contains("OK [APPENDUID "), "{parts}: {answer}");
        let uid = answer.lines().last().unwrap().split(' ').nth(4).unwrap().trim_end_matches(']').to_string();
        assert!(c.run("SELECT Built").await.contains("OK"));
        let body = c.run(&format!("UID FETCH {uid} BODY.PEEK[]")).await;
        assert!(body.contains(&format!("BODY[] {{{}}}\r\n{expected})", expected.len())), "{parts}: {body}");
    }
    // Refused, with nothing stored: another UIDVALIDITY, a missing
    // message, a search URL; a missing target is TRYCREATE first.
    let before = c.run("STATUS Built (MESSAGES)").await;
    for (url, reason) in [
        ("/INBOX;UIDVALIDITY=999/;UID=1", "UIDVALIDITY"),
        ("/INBOX/;UID=9", "no such message"),
        ("/Nowhere/;UID=1", "no such mailbox"),
        ("/INBOX?ALL", "not a message URL"),
    ] {
        let answer = c.run(&format!("APPEND Built CATENATE (TEXT {{3+}}\r\nX: URL \"{url}\")")).await;
        assert!(answer.contains(&format!("NO [BADURL \"{url}\"]")) && answer.contains(reason), "{url}: {answer}");
    }
    let after = c.run("STATUS Built (MESSAGES)").await;
    assert_eq!(after.lines().next(), before.lines().next(), "{after}");
    let missing = c.run("APPEND Nowhere CATENATE (URL \"/INBOX;UIDVALIDITY=999/;UID=1\")").await;
    assert!(missing.contains("NO [TRYCREATE]"), "{missing}");
    // CATENATE in a MULTIAPPEND, beside a literal.
    let two = c.run("APPEND Built CATENATE (URL \"/INBOX/;UID=1/;SECTION=1\") {4+}\r\nlast\r\n").await;
    assert!(two.contains("OK [APPENDUID"), "{two}");
}

#[tokio::test]
async fn binary_appends_keep_their_bytes_and_body_never_sends_nul() {
    // Delivered with a NUL in a text part: BODY[] sends 0x80 in its place.
    let service = service_with(store_with(&[b"Subject: nul\r\n\r\na\0b\r\n"]));
    let mut c = logged_in(&service, "INBOX").await;
    let body = c.run("FETCH 1 (BODY.PEEK[TEXT] BINARY.PEEK[1])").await;
    // (0x80 alone reads as U+FFFD here.)
    assert!(body.contains("BODY[TEXT] {5}\r\na\u{fffd}b\r\n"), "{body:?}");
    assert!(body.contains("BINARY[1] ~{5}\r\na\0b\r\n"), "{body:?}");
    // APPEND of a binary part, bare CR and LF and NUL in it.
    let content: &[u8] = b"\0-\xe4\n\r\n\n";
    let mut message = b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    message.extend_from_slice(content);
    let mut command = format!("A1 APPEND INBOX ~{{{}+}}\r\n", message.len()).into_bytes();
    command.extend_from_slice(&message);
    command.extend_from_slice(b"\r\n");
    c.io.write_all(&command).await.unwrap();
    assert!(c.until("A1").await.contains("A1 OK [APPENDUID"));
    let fetch = c.run("FETCH 2 (BINARY.SIZE[1] BINARY.PEEK[1] BODY.PEEK[1] BODYSTRUCTURE)").await;
    let mut expected = b"BINARY.SIZE[1] 7 BINARY[1] ~{7}\r\n".to_vec();
    expected.extend_from_slice(content);
    // (The client reads lossily: 0xE4 alone as U+FFFD.)
    assert!(fetch.contains(&*String::from_utf8_lossy(&expected)), "{fetch:?}");
    assert!(fetch.contains("BODY[1] {14}\r\nAC3kCg0KCg==\r\n BODYSTRUCTURE"), "stored as base64: {fetch:?}");
    assert!(fetch.contains("\"base64\" 14 NIL"), "{fetch:?}");
    assert!(c.run("CAPABILITY").await.contains(" BINARY"));
}

#[tokio::test]
async fn notify_tells_the_status_of_watched_mailboxes_as_they_change() {
    let service = service_with(store_with(&[b"Subject: one\r\n\r\nbody\r\n"]));
    let mut c = logged_in(&service, "INBOX").await;
    let mut other = logged_in(&service, "").await;
    assert!(c.run("CREATE Lists/a").await.contains("OK"));
    let validity = number_after(&c.run("STATUS Lists/a (UIDVALIDITY)").await, "UIDVALIDITY ");
    // STATUS now for the watched mailboxes, not the selected one (its
    // events are SELECTED's).
    let set = c.run("NOTIFY SET STATUS (SELECTED (MessageNew MessageExpunge)) (SUBTREE Lists (MessageNew MessageExpunge)) (INBOXES (MessageNew MessageExpunge))").await;
    assert!(set.contains("* STATUS Lists (MESSAGES 0 UIDNEXT 1 UIDVALIDITY "), "{set}");
    assert!(set.contains(&format!("* STATUS Lists/a (MESSAGES 0 UIDNEXT 1 UIDVALIDITY {validity})\r\n")), "{set}");
    assert!(!set.contains("STATUS INBOX"), "{set}");
    // Another session delivers: told without a command being sent.
    assert!(other.run("APPEND Lists/a {8+}\r\nX: y\r\n\r\n").await.contains("OK"));
    let line = c.read_line().await;
    assert_eq!(line, format!("* STATUS Lists/a (MESSAGES 1 UIDNEXT 2 UIDVALIDITY {validity})\r\n"));
    // FlagChange: HIGHESTMODSEQ is told, and changes of it.
    let set = c.run("NOTIFY SET (MAILBOXES Lists/a (MessageNew MessageExpunge FlagChange))").await;
    assert!(!set.contains("* STATUS"), "no STATUS without the indicator: {set}");
    assert!(other.run("SELECT Lists/a").await.contains("OK"));
    assert!(other.run("STORE 1 +FLAGS (\\Flagged)").await.contains("OK"));
    let noop = c.run("NOOP").await;
    assert!(
        noop.contains("* STATUS Lists/a (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ") && noop.contains(" HIGHESTMODSEQ "),
        "{noop}"
    );
    // NONE: nothing more.
    assert!(c.run("NOTIFY NONE").await.contains("OK"));
    assert!(other.run("STORE 1 -FLAGS (\\Flagged)").await.contains("OK"));
    assert!(!c.run("NOOP").await.contains("STATUS"));
    // Refused, changing nothing: events not served, fetch items outside
    // SELECTED, two SELECTED filters.
    let bad_event = c.run("NOTIFY SET (PERSONAL (MailboxName))").await;
    assert!(bad_event.contains("NO [BADEVENT (MessageNew MessageExpunge FlagChange)]"), "{bad_event}");
    let items = c.run("NOTIFY SET (INBOXES (MessageNew (UID) MessageExpunge))").await;
    assert!(items.lines().last().unwrap().contains(" BAD "), "{items}");
    let two =
        c.run("NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (SELECTED-DELAYED (MessageNew MessageExpunge))").await;
    assert!(two.lines().last().unwrap().contains(" BAD "), "{two}");
    assert!(c.run("CAPABILITY").await.contains(" NOTIFY "));
}

#[tokio::test]
async fn notify_refuses_more_mailboxes_than_its_limit() {
    let config = ImapConfig { max_notify_mailboxes: 2, ..ImapConfig::default() };
    let service = Arc::new(ImapService::new(store_with(&[]), config));
    let mut c = logged_in(&service, "").await;
    for name in ["a", "b"] {
        assert!(c.run(&format!("CREATE {name}")).await.contains("OK"));
    }
    let over = c.run("NOTIFY SET STATUS (PERSONAL (MessageNew MessageExpunge))").await;
    assert!(over.contains("NO [NOTIFICATIONOVERFLOW]") && !over.contains("* STATUS"), "{over}");
    let two = c.run("NOTIFY SET STATUS (MAILBOXES (a b nonexistent) (MessageNew MessageExpunge))").await;
    assert_eq!(two.matches("* STATUS").count(), 2, "{two}");
}

#[tokio::test]
async fn create_special_use_as_rfc_6154_says() {
    let service = service_with(store_with(&[]));
    let mut c = logged_in(&service, "").await;
    assert!(c.run("CAPABILITY").await.contains(" SPECIAL-USE CREATE-SPECIAL-USE"));
    assert!(c.run("CREATE Stash (USE (\\Archive))").await.lines().last().unwrap().contains(" OK "));
    let list = c.run("LIST \"\" Stash RETURN (SPECIAL-USE)").await;
    assert!(list.contains("* LIST (\\Archive) \"/\" Stash\r\n"), "{list}");
    assert!(c.run("LIST (SPECIAL-USE) \"\" *").await.contains("\\Archive) \"/\" Stash"));
    // Refused with USEATTR, and nothing created: more than one use, a
    // virtual one, an attribute that is no special use.
    for (name, uses) in [("Two", "\\Sent \\Drafts"), ("Every", "\\All"), ("Starred", "\\Flagged"), ("Odd", "\\Marked")]
    {
        let answer = c.run(&format!("CREATE {name} (USE ({uses}))")).await;
        assert!(answer.lines().last().unwrap().contains(" NO [USEATTR] "), "{uses}: {answer}");
        assert!(!c.run(&format!("LIST \"\" {name}")).await.contains("* LIST"), "{name} was created");
    }
    // An empty USE creates a plain mailbox; an unknown parameter is BAD.
    assert!(c.run("CREATE Plain (USE ())").await.lines().last().unwrap().contains(" OK "));
    assert!(c.run("CREATE Other (X-UNKNOWN 1)").await.lines().last().unwrap().contains(" BAD "));
}

#[tokio::test]
async fn savedate_as_rfc_8514_says() {
    let service = service_with(store_with(&[b"Subject: one\r\n\r\nbody\r\n", b"Subject: two\r\n\r\nbody\r\n"]));
    let mut c = logged_in(&service, "INBOX").await;
    assert!(c.run("CAPABILITY").await.contains(" SAVEDATE"));
    let fetch = c.run("FETCH 1 (SAVEDATE INTERNALDATE)").await;
    let day = fetch
        .split("SAVEDATE \"")
        .nth(1)
        .and_then(|rest| rest.trim_start().split(' ').next())
        .expect("a save date")
        .to_string();
    assert_eq!(day.split('-').count(), 3, "{fetch}");
    for (key, found) in [
        (format!("SAVEDON {day}"), "* SEARCH 1 2"),
        (format!("SAVEDSINCE {day}"), "* SEARCH 1 2"),
        (format!("SAVEDBEFORE {day}"), "* SEARCH"),
        ("SAVEDATESUPPORTED".to_string(), "* SEARCH 1 2"),
        ("NOT SAVEDATESUPPORTED".to_string(), "* SEARCH"),
    ] {
        let answer = c.run(&format!("SEARCH {key}")).await;
        assert_eq!(answer.lines().find(|l| l.starts_with("* SEARCH")), Some(found), "{key}: {answer}");
    }
    // A copy is saved anew in its mailbox.
    assert!(c.run("CREATE Copies").await.contains("OK"));
    assert!(c.run("COPY 1 Copies").await.contains("OK"));
    assert!(c.run("SELECT Copies").await.contains("OK"));
    let copied = c.run("FETCH 1 SAVEDATE").await;
    assert!(copied.contains("SAVEDATE \"") && copied.contains(&format!("{day} ")), "{copied}");
}

#[tokio::test]
async fn quota_as_rfc_9208_says() {
    // Two messages of 1000 bytes under a limit of 2500.
    let message = |n: u8| {
        let mut m = format!("Subject: {n}\r\n\r\n").into_bytes();
        m.resize(1000 - 2, b'x');
        m.extend_from_slice(b"\r\n");
        m
    };
    let (one, two) = (message(1), message(2));
    let store = store_with(&[&one, &two]);
    store.set_storage_limit("alice", Some(2500)).unwrap();
    let service = service_with(store);
    let mut c = logged_in(&service, "INBOX").await;
    assert!(c.run("CAPABILITY").await.contains(" QUOTA QUOTA=RES-STORAGE"));
    let root = c.run("GETQUOTAROOT INBOX").await;
    assert!(root.contains("* QUOTAROOT INBOX \"\"\r\n* QUOTA \"\" (STORAGE 2 2)\r\n"), "{root}");
    assert!(c.run("GETQUOTA \"\"").await.contains("* QUOTA \"\" (STORAGE 2 2)"));
    assert!(c.run("GETQUOTA other").await.lines().last().unwrap().contains(" NO [NONEXISTENT] "));
    assert!(c.run("SETQUOTA \"\" (STORAGE 10)").await.lines().last().unwrap().contains(" NO [NOPERM] "));
    // 500 bytes fit; 501 do not, whole, streamed or by CATENATE, and
    // nothing is stored.
    let fits = "x".repeat(500);
    assert!(c.run(&format!("APPEND INBOX {{500+}}\r\n{fits}")).await.lines().last().unwrap().contains(" OK "));
    let append = c.run("APPEND INBOX {1+}\r\nx").await;
    assert!(append.lines().last().unwrap().contains(" NO [OVERQUOTA] "), "{append}");
    let big = "y".repeat(70_000);
    let streamed = c.run(&format!("APPEND INBOX {{70000+}}\r\n{big}")).await;
    assert!(streamed.lines().last().unwrap().contains(" NO [OVERQUOTA] "), "{streamed}");
    let catenate = c.run("APPEND INBOX CATENATE (URL \"/INBOX/;UID=1\")").await;
    assert!(catenate.lines().last().unwrap().contains(" NO [OVERQUOTA] "), "{catenate}");
    assert!(c.run("STATUS INBOX (MESSAGES SIZE)").await.contains("(MESSAGES 3 SIZE 2500)"));
    // COPY would double them; MOVE takes nothing more.
    assert!(c.run("CREATE Other").await.contains("OK"));
    assert!(c.run("COPY 1 Other").await.lines().last().unwrap().contains(" NO [OVERQUOTA] "));
    assert!(c.run("STATUS Other (MESSAGES)").await.contains("(MESSAGES 0)"));
    assert!(c.run("MOVE 1 Other").await.lines().last().unwrap().contains(" OK "));
    assert!(c.run("STATUS Other (MESSAGES)").await.contains("(MESSAGES 1)"));
    // Expunging makes room again.
    assert!(c.run("STORE 1 +FLAGS (\\Deleted)").await.contains("OK"));
    assert!(c.run("EXPUNGE").await.contains("OK"));
    assert!(c.run("APPEND INBOX {1+}\r\nx").await.lines().last().unwrap().contains(" OK "));
    // Without a limit: no root, nothing refused.
    let service = service_with(store_with(&[&one]));
    let mut c = logged_in(&service, "").await;
    let root = c.run("GETQUOTAROOT INBOX").await;
    assert!(root.starts_with("* QUOTAROOT INBOX\r\n") && !root.contains("* QUOTA "), "{root}");
}

#[tokio::test]
async fn searchres_saves_and_names_results_as_rfc_9051_says() {
    let service = service_with(store_with(&[
        b"Subject: a\r\n\r\nsmall\r\n",
        b"Subject: b\r\n\r\nsmall\r\n",
        b"Subject: c\r\n\r\nsmall\r\n",
        b"Subject: d\r\n\r\nsmall\r\n",
    ]));
    let mut c = logged_in(&service, "INBOX").await;
    assert!(c.run("CAPABILITY").await.contains(" SEARCHRES"));
    // Nothing saved yet: `$` is the empty set.
    let fetch = c.run("FETCH $ FLAGS").await;
    assert!(!fetch.contains("FETCH (") && fetch.lines().last().unwrap().contains(" OK "), "{fetch}");
    // SAVE alone sends no ESEARCH (6.4.4).
    let save = c.run("SEARCH RETURN (SAVE) OR SUBJECT b SUBJECT d").await;
    assert!(!save.contains("ESEARCH") && save.lines().last().unwrap().contains(" OK "), "{save}");
    let fetch = c.run("FETCH $ (UID)").await;
    assert!(fetch.contains("* 2 FETCH (UID 2)\r\n* 4 FETCH (UID 4)\r\n"), "{fetch}");
    // As UIDs too, and inside search keys (example 3).
    assert!(c.run("UID FETCH $ (UID)").await.contains("* 4 FETCH (UID 4)"));
    assert!(c
        .run_tagged("u", "UID SEARCH RETURN (COUNT) UID $ SUBJECT d")
        .await
        .contains("* ESEARCH (TAG \"u\") UID COUNT 1"));
    assert!(c.run("SEARCH OR $ 1").await.contains("* SEARCH 1 2 4\r\n"));
    // SAVE with MIN keeps the minimum only, and answers MIN.
    let min = c.run_tagged("m", "SEARCH RETURN (SAVE MIN) ALL").await;
    assert!(min.contains("* ESEARCH (TAG \"m\") MIN 1\r\n"), "{min}");
    assert!(c.run("SEARCH $").await.contains("* SEARCH 1\r\n"));
    // An expunged message leaves `$`; the others keep their new numbers.
    assert!(c.run("SEARCH RETURN (SAVE COUNT) SUBJECT c SUBJECT c").await.contains("COUNT 1"));
    assert!(c.run("SEARCH RETURN (SAVE ALL) OR SUBJECT a SUBJECT d").await.contains("ALL 1,4"));
    assert!(c.run("STORE 1 +FLAGS.SILENT (\\Deleted)").await.contains("OK"));
    assert!(c.run("EXPUNGE").await.contains("* 1 EXPUNGE"));
    assert!(c.run("FETCH $ (UID)").await.contains("* 3 FETCH (UID 4)"));
    // A SAVE search answered NO empties `$` (example 5); BAD leaves it.
    assert!(c.run("SEARCH RETURN (SAVE) NOSUCHKEY").await.lines().last().unwrap().contains(" BAD "));
    assert!(c.run("SEARCH $").await.contains("* SEARCH 3\r\n"));
    assert!(c.run("SEARCH RETURN (SAVE) CHARSET KOI8-R ALL").await.contains("NO [BADCHARSET"));
    assert!(c.run("SEARCH $").await.contains("* SEARCH\r\n"));
    // SORT saves too; a new SELECT starts with nothing saved.
    assert!(!c.run("SORT RETURN (SAVE) (SUBJECT) UTF-8 ALL").await.contains("ESEARCH"));
    assert!(c.run("SEARCH $").await.contains("* SEARCH 1 2 3\r\n"));
    assert!(c.run("SELECT INBOX").await.contains("OK"));
    assert!(c.run("SEARCH $").await.contains("* SEARCH\r\n"));
}

#[tokio::test]
async fn imap4rev2_is_enabled_and_then_spoken() {
    let service = service_with(store_with(&[b"Subject: a\r\n\r\none\r\n", b"Subject: b\r\n\r\ntwo\r\n"]));
    let mut c = logged_in(&service, "").await;
    assert!(c.run("CAPABILITY").await.contains("* CAPABILITY IMAP4rev1 IMAP4rev2 "));
    // IMAP4rev1 until enabled: modified UTF-7, SEARCH, RECENT.
    assert!(c.run("CREATE Entw&APw-rfe").await.contains("OK"));
    let list = c.run("LIST \"\" Entw*").await;
    assert!(list.contains("* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe\r\n"), "{list}");
    let select = c.run("SELECT INBOX").await;
    assert!(select.contains("* 2 RECENT") && !select.contains("* LIST"), "{select}");
    assert!(c.run("SEARCH ALL").await.contains("* SEARCH 1 2\r\n"));
    assert!(c.run("UNSELECT").await.contains("OK"));
    let enable = c.run("ENABLE IMAP4rev2").await;
    assert!(enable.contains("* ENABLED IMAP4rev2\r\n"), "{enable}");
    assert!(c.run("ENABLE IMAP4rev2").await.contains("* ENABLED\r\n"), "already on: nothing newly enabled");
    // Names in UTF-8 both ways; `&` is a plain character now.
    let list = c.run("LIST \"\" Entw*").await;
    assert!(list.contains("* LIST (\\HasNoChildren) \"/\" {9}\r\nEntwürfe\r\n"), "{list}");
    assert!(c.run("STATUS \"Entwürfe\" (MESSAGES)").await.contains("OK"));
    assert!(c.run("CREATE \"R&D\"").await.contains("OK"));
    assert!(c.run("STATUS \"R&D\" (MESSAGES DELETED)").await.contains("(MESSAGES 0 DELETED 0)"));
    // SELECT: a LIST, no RECENT; SEARCH answers ESEARCH; LSUB is gone.
    let select = c.run("SELECT INBOX").await;
    assert!(select.contains("* LIST (\\HasNoChildren) \"/\" INBOX\r\n") && !select.contains("RECENT"), "{select}");
    assert!(c.run_tagged("s", "SEARCH ALL").await.contains("* ESEARCH (TAG \"s\") ALL 1:2\r\n"));
    assert!(c.run_tagged("u", "UID SEARCH SUBJECT b").await.contains("* ESEARCH (TAG \"u\") UID ALL 2\r\n"));
    let none = c.run_tagged("n", "SEARCH SUBJECT zzz").await;
    assert!(none.starts_with("* ESEARCH (TAG \"n\")\r\n"), "{none}");
    assert!(c.run("LSUB \"\" *").await.lines().last().unwrap().contains(" BAD "));
    assert!(c.run("STORE 1 +FLAGS.SILENT (\\Deleted)").await.contains("OK"));
    assert!(c.run("STATUS INBOX (DELETED)").await.contains("(DELETED 1)"));
    // Another session's changes: FETCH with UID, EXISTS without RECENT.
    let mut other = logged_in(&service, "INBOX").await;
    assert!(other.run("STORE 2 +FLAGS (\\Flagged)").await.contains("OK"));
    assert!(other.run("APPEND INBOX {3+}\r\nnew").await.contains("OK"));
    let noop = c.run("NOOP").await;
    assert!(noop.contains("* 2 FETCH (FLAGS (\\Flagged) UID 2)"), "{noop}");
    assert!(noop.contains("* 3 EXISTS") && !noop.contains("RECENT"), "{noop}");
    // A second SELECT closes the first with [CLOSED].
    let reselect = c.run("EXAMINE \"Entwürfe\"").await;
    assert!(reselect.contains("OK [CLOSED]") && reselect.contains("{9}\r\nEntwürfe\r\n"), "{reselect}");
}

#[tokio::test]
async fn large_sets_and_saved_results_in_search_keys_answer_right() {
    let messages: Vec<Vec<u8>> = (0..400).map(|i| format!("Subject: m{i}\r\n\r\nx\r\n").into_bytes()).collect();
    let refs: Vec<&[u8]> = messages.iter().map(|m| m.as_slice()).collect();
    let service = service_with(store_with(&refs));
    let mut c = logged_in(&service, "INBOX").await;
    // Every other message saved, then `$` two thousand times over.
    let odd: Vec<String> = (1..=400).step_by(2).map(|n| n.to_string()).collect();
    assert!(c.run(&format!("SEARCH RETURN (SAVE) {}", odd.join(","))).await.contains("OK"));
    let keys = vec!["$"; 2000].join(" ");
    let answer = c.run_tagged("d", &format!("SEARCH RETURN (COUNT MIN MAX) {keys} UID $,2")).await;
    assert!(answer.contains("* ESEARCH (TAG \"d\") COUNT 200 MIN 1 MAX 399\r\n"), "{answer}");
    // An updating search fixes `$` and sequence numbers as UIDs once.
    let update = c.run_tagged("u", "SEARCH RETURN (UPDATE) OR $ 400:*").await;
    assert!(update.lines().last().unwrap().contains(" OK "), "{update}");
    assert!(c.run("STORE 2 +FLAGS (\\Seen)").await.contains("OK"));
    assert!(c.run("SEARCH RETURN (SAVE) 2").await.contains("OK"));
    assert!(c.run("STORE 3 +FLAGS (\\Seen)").await.contains("OK"));
    let noop = c.run("NOOP").await;
    assert!(!noop.contains("ADDTO") && !noop.contains("REMOVEFROM"), "the context kept the old `$`: {noop}");
}
