//! mail-codec's typed client operations against this layer's IMAP engine
//! over the in-memory store: the task a new user writes first, in few
//! lines, and every operation's answer checked against the store.

use std::sync::Arc;
use std::time::Duration;

use mail_codec::imap_wire::client::ClientConfig;
use mail_codec::imap_wire::{FetchAttribute, Flag, Section, StatusAttribute, StatusValue, StoreAction};
use mail_codec::{Error, FetchPart, ImapClient, Items, Query};
use mail_serve::imap::{ImapConfig, ImapService, Security};
use mail_serve::memory::MemoryStore;

fn service() -> Arc<ImapService<MemoryStore>> {
    let store = MemoryStore::new();
    store.add_user("alice", "pw");
    store.deliver("alice", b"Subject: first\r\nFrom: bob@example.org\r\n\r\nOne.\r\n").unwrap();
    store.deliver("alice", b"Subject: second\r\n\r\nTwo.\r\n").unwrap();
    Arc::new(ImapService::new(store, ImapConfig::default()))
}

async fn connect(service: &Arc<ImapService<MemoryStore>>) -> Result<ImapClient, Error> {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    tokio::spawn(service.serve(theirs, Security::Plain));
    ImapClient::new(ours, ClientConfig::default()).await
}

/// Log in, list the mailboxes, select INBOX, fetch UID, flags and subject
/// of every message, IDLE for five seconds, log out: the body of this
/// function is the user's code (19 lines, after one to connect).
async fn the_task(mut imap: ImapClient) -> Result<(Vec<String>, Vec<String>), Error> {
    imap.login("alice", "pw").await?;
    let mailboxes: Vec<String> = imap.list("", "*").await?.into_iter().map(|entry| entry.name).collect();
    let inbox = imap.select("INBOX").await?;
    assert_eq!(inbox.exists, 2);
    let mut lines = Vec::new();
    let mut messages = imap.fetch(.., Items::new().uid().flags().envelope()).await?;
    while let Some(message) = messages.next().await? {
        let flags: Vec<String> = message.flags().iter().map(|flag| flag.to_string()).collect();
        let (uid, subject) = (message.uid().map_or(0, |uid| uid.get()), message.subject().unwrap_or_default());
        lines.push(format!("{uid} [{}] {subject}", flags.join(" ")));
    }
    let (mut idle, until) = (imap.idle().await?, tokio::time::Instant::now() + Duration::from_secs(5));
    while let Ok(update) = tokio::time::timeout_at(until, idle.next_update()).await {
        let Some(update) = update? else { break };
        lines.push(format!("update: {update:?}"));
    }
    idle.done().await?;
    imap.logout().await?;
    Ok((mailboxes, lines))
}

#[tokio::test(start_paused = true)]
async fn the_first_task_in_a_few_typed_lines() {
    let service = service();
    let imap = connect(&service).await.unwrap();
    let started = tokio::time::Instant::now();
    let (mailboxes, lines) = the_task(imap).await.unwrap();
    assert_eq!(mailboxes, ["INBOX"]);
    assert_eq!(lines, ["1 [\\Recent] first", "2 [\\Recent] second"]);
    assert_eq!(started.elapsed().as_secs(), 5, "IDLE lasted five seconds");
}

#[tokio::test]
async fn every_mailbox_operation_answers_typed() {
    let service = service();
    let mut imap = connect(&service).await.unwrap();
    imap.login("alice", "pw").await.unwrap();
    imap.create("Work/Projets été").await.unwrap();
    imap.subscribe("Work/Projets été").await.unwrap();
    let names: Vec<String> = imap.list("", "*").await.unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["INBOX", "Work", "Work/Projets été"], "non-ASCII names round-trip (modified UTF-7)");
    let subscribed: Vec<_> = imap.lsub("", "*").await.unwrap().into_iter().filter(|e| e.selectable()).collect();
    assert_eq!(subscribed.len(), 1);
    assert_eq!((subscribed[0].name.as_str(), subscribed[0].delimiter), ("Work/Projets été", Some('/')));
    imap.rename("Work/Projets été", "Archive").await.unwrap();
    let status = imap.status("INBOX", &[StatusAttribute::Messages, StatusAttribute::UidNext]).await.unwrap();
    let values: Vec<StatusValue> = status.into_iter().map(|item| item.value).collect();
    assert_eq!(values, [StatusValue::Number(2), StatusValue::Number(3)]);
    let examined = imap.examine("Archive").await.unwrap();
    assert!(examined.read_only && examined.exists == 0);
    let none = imap.fetch(.., Items::new().flags()).await.unwrap().collect().await.unwrap();
    assert!(none.is_empty(), "nothing to fetch, nothing asked");
    imap.delete("Work").await.unwrap();
    assert!(matches!(imap.delete("Nowhere").await, Err(Error::ImapRefused { .. })), "a NO is an error value");
    imap.select("INBOX").await.unwrap();
    let whole = Section::default();
    let peek = FetchAttribute::BodySection { peek: true, section: whole.clone(), partial: None };
    let got = imap.uid_fetch(2, [peek, FetchAttribute::Rfc822Size, FetchAttribute::BodyStructure]).await.unwrap();
    let got = got.collect().await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].uid().map(|u| u.get()), Some(2), "UID FETCH brings the UID");
    assert_eq!(got[0].section(&whole), Some(&b"Subject: second\r\n\r\nTwo.\r\n"[..]));
    assert_eq!(got[0].size(), Some(25));
    assert!(got[0].body_structure().is_some());
    assert!(matches!(imap.fetch(0, [FetchAttribute::Flags]).await, Err(Error::InvalidArgument(_))));
    let numbers: &[u32] = &[1, 2];
    assert_eq!(imap.fetch(numbers, Items::new().uid()).await.unwrap().collect().await.unwrap().len(), 2);
    imap.noop().await.unwrap();
    let namespaces = imap.namespace().await.unwrap();
    assert_eq!(namespaces[0].delimiter.map(|d| d.as_char()), Some('/'));
    let id = imap.id(&[("name", "client_operations")]).await.unwrap();
    assert_eq!(id, [("name".to_string(), Some("mail-serve".to_string()))]);
    let enabled = imap.enable(&["CONDSTORE", "XUNKNOWN"]).await.unwrap();
    assert_eq!(enabled.iter().map(|a| a.as_str()).collect::<Vec<_>>(), ["CONDSTORE"], "only what it offers");
    imap.logout().await.unwrap();
}

#[tokio::test]
async fn search_store_copy_expunge_and_append() {
    let service = service();
    let mut imap = connect(&service).await.unwrap();
    imap.login("alice", "pw").await.unwrap();
    imap.select("INBOX").await.unwrap();
    // Non-ASCII: CHARSET UTF-8 goes with it.
    let uid = imap
        .append("INBOX", b"Subject: caf\xc3\xa9\nFrom: eve@example.org\n\nbare newlines\n", &[Flag::Seen], true)
        .await
        .unwrap();
    assert_eq!(uid.map(|u| u.get()), Some(3), "APPENDUID");
    imap.noop().await.unwrap();
    let found = imap.search(Query::new().subject("café")).await.unwrap();
    assert_eq!(found.iter().map(|n| n.get()).collect::<Vec<_>>(), [3]);
    let got = imap.fetch(3, Items::new().whole_message()).await.unwrap().collect().await.unwrap();
    assert_eq!(
        got[0].body().unwrap(),
        "Subject: café\r\nFrom: eve@example.org\r\n\r\nbare newlines\r\n".as_bytes(),
        "sent with CRLF"
    );
    let unseen = imap.uid_search(Query::new().unseen()).await.unwrap();
    assert_eq!(unseen.iter().map(|n| n.get()).collect::<Vec<_>>(), [1, 2]);
    let stored = imap.store(1, StoreAction::Add, &[Flag::Flagged, Flag::parse_name("$Work").unwrap()]).await.unwrap();
    let flags: Vec<String> = stored[0].flags().iter().map(|f| f.to_string()).collect();
    assert!(flags.contains(&"\\Flagged".to_string()) && flags.contains(&"$Work".to_string()), "{flags:?}");
    imap.create("Kept").await.unwrap();
    imap.copy(1..=2, "Kept").await.unwrap();
    imap.uid_move(3, "Kept").await.unwrap();
    assert_eq!(imap.status("Kept", &[StatusAttribute::Messages]).await.unwrap()[0].value, StatusValue::Number(3));
    imap.store(.., StoreAction::Add, &[Flag::Deleted]).await.unwrap();
    let expunged = imap.expunge().await.unwrap();
    assert_eq!(expunged.len(), 2);
    assert!(
        imap.fetch(.., Items::new().uid()).await.unwrap().collect().await.unwrap().is_empty(),
        "an emptied mailbox is fetched without asking"
    );
}

/// A proxy that hides capabilities from the client (the server still has
/// them): what a server without MOVE and UIDPLUS looks like.
fn hiding(service: &Arc<ImapService<MemoryStore>>, hidden: &'static [&'static str]) -> tokio::io::DuplexStream {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let (client, proxy_client) = tokio::io::duplex(1 << 16);
    let (proxy_server, server) = tokio::io::duplex(1 << 16);
    tokio::spawn(service.serve(server, Security::Plain));
    let (from_client, mut to_server) = tokio::io::split(proxy_client);
    let (from_server, mut to_client) = tokio::io::split(proxy_server);
    tokio::spawn(async move {
        let mut from_client = from_client;
        let _ = tokio::io::copy(&mut from_client, &mut to_client).await;
    });
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(from_server);
        let mut line = Vec::new();
        while lines.read_until(b'\n', &mut line).await.unwrap_or(0) > 0 {
            if line.windows(10).any(|w| w == b"CAPABILITY") {
                let mut text = String::from_utf8_lossy(&line).into_owned();
                for name in hidden {
                    text = text.replace(&format!(" {name}"), "");
                }
                line = text.into_bytes();
            }
            if to_server.write_all(&line).await.is_err() {
                return;
            }
            line.clear();
        }
    });
    client
}

#[tokio::test]
async fn move_never_expunges_what_it_was_not_asked_to_move() {
    for (hidden, moves) in [(&["MOVE", "UIDPLUS"][..], false), (&["MOVE"][..], true)] {
        let service = service();
        // Another client marked message 2 \Deleted and has not expunged.
        let mut other = connect(&service).await.unwrap();
        other.login("alice", "pw").await.unwrap();
        other.select("INBOX").await.unwrap();
        other.store(2, StoreAction::Add, &[Flag::Deleted]).await.unwrap();
        let hidden: &'static [&'static str] = hidden;
        let mut imap = ImapClient::new(hiding(&service, hidden), ClientConfig::default()).await.unwrap();
        imap.login("alice", "pw").await.unwrap();
        assert!(!imap.has_capability("MOVE").await.unwrap());
        imap.create("Elsewhere").await.unwrap();
        imap.select("INBOX").await.unwrap();
        let moved = imap.uid_move(1, "Elsewhere").await;
        let left: Vec<u32> = imap
            .uid_fetch(.., [FetchAttribute::Uid])
            .await
            .unwrap()
            .collect()
            .await
            .unwrap()
            .iter()
            .filter_map(|m| m.uid())
            .map(|u| u.get())
            .collect();
        if moves {
            moved.unwrap();
            assert_eq!(left, [2], "{hidden:?}: UID 1 moved with UID EXPUNGE; UID 2 stays");
        } else {
            assert!(matches!(moved, Err(Error::Unsupported(_))), "{hidden:?}: {moved:?}");
            assert_eq!(left, [1, 2], "{hidden:?}: nothing sent, nothing expunged");
        }
    }
}

#[tokio::test]
async fn pop3_operations() {
    use mail_codec::pop3_wire::client::ClientConfig as Pop3Config;
    use mail_codec::pop3_wire::MessageNumber;
    use mail_serve::pop3::Pop3Service;
    let store = MemoryStore::new();
    store.add_user("alice", "pw");
    store.deliver("alice", "Subject: caf\u{e9}\r\n\r\nline 1\r\nline 2\r\n.hidden dot\r\n".as_bytes()).unwrap();
    store.deliver("alice", b"Subject: two\r\n\r\nTwo.\r\n").unwrap();
    let service = Arc::new(Pop3Service::new(store, Default::default()));
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    tokio::spawn(service.serve(theirs, Security::Plain));
    let mut pop = mail_codec::Pop3Client::new(ours, Pop3Config::default()).await.unwrap();
    assert!(pop.utf8().await.unwrap(), "UTF8 offered and entered");
    pop.login("alice", "pw").await.unwrap();
    let sizes: Vec<u64> = pop.list().await.unwrap().iter().map(|l| l.octets).collect();
    assert_eq!(sizes, [47, 22]);
    let ids = pop.uidl().await.unwrap();
    assert_eq!(ids.len(), 2);
    let first = MessageNumber::try_from(1).unwrap();
    let mut top = Vec::new();
    pop.top_to(first, 1, &mut top).await.unwrap();
    assert_eq!(top, "Subject: caf\u{e9}\r\n\r\nline 1\r\n".as_bytes());
    let mut whole = Vec::new();
    assert_eq!(pop.retr_to(first, &mut whole).await.unwrap(), 47);
    assert!(whole.ends_with(b"\r\n.hidden dot\r\n"), "unstuffed");
    pop.dele(first).await.unwrap();
    pop.quit().await.unwrap();
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    tokio::spawn(service.serve(theirs, Security::Plain));
    let mut pop = mail_codec::Pop3Client::new(ours, Pop3Config::default()).await.unwrap();
    pop.login("alice", "pw").await.unwrap();
    assert_eq!(pop.list().await.unwrap().len(), 1, "DELE took effect at QUIT");
}

#[tokio::test]
async fn large_messages_are_fetched_in_pieces() {
    let store = MemoryStore::new();
    store.add_user("alice", "pw");
    let mut big = b"Subject: big\r\n\r\n".to_vec();
    while big.len() < 3 << 20 {
        big.extend_from_slice(format!("line {} of a large message\r\n", big.len()).as_bytes());
    }
    store.deliver("alice", &big).unwrap();
    store.deliver("alice", b"Subject: small\r\n\r\nSmall.\r\n").unwrap();
    store.deliver("alice", &big).unwrap();
    let service = Arc::new(ImapService::new(store, ImapConfig::default()));
    let mut imap = connect(&service).await.unwrap();
    imap.login("alice", "pw").await.unwrap();
    imap.select("INBOX").await.unwrap();
    // In pieces: the large ones as SectionStart + data, never whole.
    let mut fetch = imap.fetch(.., Items::new().uid().whole_message()).await.unwrap();
    let (mut streamed, mut largest_piece, mut messages) = (Vec::new(), 0, Vec::new());
    while let Some(part) = fetch.next_part().await.unwrap() {
        match part {
            FetchPart::SectionStart { seq, size, .. } => streamed.push((seq.get(), size, Vec::new())),
            FetchPart::SectionData(data) => {
                largest_piece = largest_piece.max(data.len());
                streamed.last_mut().unwrap().2.extend_from_slice(&data);
            }
            FetchPart::Message(message) => {
                messages.push((message.seq().get(), message.uid().unwrap().get(), message.body().map(<[u8]>::len)))
            }
        }
    }
    assert_eq!(streamed.len(), 2);
    for (seq, size, data) in &streamed {
        assert!(*seq == 1 || *seq == 3);
        assert_eq!((*size as usize, data.len()), (big.len(), big.len()));
        assert!(data == &big, "the bytes as stored");
    }
    assert!(largest_piece <= 1 << 20, "pieces as they arrive, not the message: {largest_piece}");
    assert_eq!(messages, [(1, 1, None), (2, 2, Some(26)), (3, 3, None)], "streamed sections are not in the message");
    // Whole: joined again; also as a futures Stream.
    let all = imap.fetch(.., Items::new().whole_message()).await.unwrap().collect().await.unwrap();
    let mut stream = imap.fetch(.., Items::new().uid().size()).await.unwrap().into_stream();
    let mut sizes = Vec::new();
    while let Some(message) =
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(std::pin::Pin::new(&mut stream), cx)).await
    {
        sizes.push(message.unwrap().size().unwrap() as usize);
    }
    drop(stream);
    assert_eq!(sizes, [big.len(), 26, big.len()]);
    assert_eq!(all.iter().map(|m| m.body().unwrap().len()).collect::<Vec<_>>(), [big.len(), 26, big.len()]);
    assert_eq!(all[2].body().unwrap(), &big[..]);
    // A raw FETCH through execute: joined too.
    let body = mail_codec::imap_wire::CommandBody::Fetch {
        uid: false,
        sequence_set: mail_codec::imap_wire::SequenceSet::try_from(3).unwrap(),
        items: mail_codec::imap_wire::FetchItems::Attributes(Items::new().whole_message().into_iter().collect()),
        modifiers: vec![],
    };
    let outcome = imap.execute(body).await.unwrap();
    let Some(mail_codec::imap_wire::Data::Fetch { attributes, .. }) = outcome.data.first() else { panic!() };
    assert!(attributes.iter().any(
        |a| matches!(a, mail_codec::imap_wire::MessageAttribute::BodySection { data: Some(d), .. } if d[..] == big[..])
    ));
    // Dropped after the first piece: the rest is skipped, the connection
    // goes on.
    let mut fetch = imap.fetch(.., Items::new().whole_message()).await.unwrap();
    assert!(matches!(fetch.next_part().await.unwrap(), Some(FetchPart::SectionStart { .. })));
    drop(fetch);
    imap.noop().await.unwrap();
    let found = imap.search(Query::new().subject("small")).await.unwrap();
    assert_eq!(found.iter().map(|n| n.get()).collect::<Vec<_>>(), [2]);
    assert!(imap.take_updates().is_empty(), "nothing of the dropped FETCH left over");
    imap.logout().await.unwrap();
}

/// The typed client with IMAP4rev2 enabled against this engine: the
/// client's machine holds the server to RFC 9051 (no RECENT, UTF-8 names)
/// and every answer comes back typed.
#[tokio::test]
async fn imap4rev2_enabled_end_to_end() {
    let service = service();
    let mut imap = connect(&service).await.unwrap();
    imap.login("alice", "pw").await.unwrap();
    assert_eq!(imap.enable(&["IMAP4rev2"]).await.unwrap(), ["IMAP4rev2"]);
    imap.create("Entwürfe & Pläne").await.unwrap();
    let names: Vec<String> = imap.list("", "*").await.unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["INBOX", "Entwürfe & Pläne"], "UTF-8 names both ways");
    let status = imap.status("Entwürfe & Pläne", &[StatusAttribute::Messages, StatusAttribute::Deleted]).await;
    let values: Vec<StatusValue> = status.unwrap().into_iter().map(|item| item.value).collect();
    assert_eq!(values, [StatusValue::Number(0), StatusValue::Number(0)]);
    let inbox = imap.select("INBOX").await.unwrap();
    assert_eq!(inbox.exists, 2);
    let found = imap.search(Query::new().subject("second")).await.unwrap();
    assert_eq!(found.iter().map(|n| n.get()).collect::<Vec<_>>(), [2], "the ESEARCH answer, typed");
    imap.copy(1..=2, "Entwürfe & Pläne").await.unwrap();
    imap.select("Entwürfe & Pläne").await.unwrap();
    assert_eq!(imap.uid_search(Query::new()).await.unwrap().len(), 2);
    imap.logout().await.unwrap();
}
