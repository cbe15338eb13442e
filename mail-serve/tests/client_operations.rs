//! mail-codec's typed client operations against this layer's IMAP engine
//! over the in-memory store: the task a new user writes first, in few
//! lines, and every operation's answer checked against the store.

use std::sync::Arc;
use std::time::Duration;

use mail_codec::imap_wire::client::ClientConfig;
use mail_codec::imap_wire::{FetchAttribute, Section, StatusAttribute, StatusValue};
use mail_codec::{Error, ImapClient};
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
/// function is the user's code (17 lines, after one to connect).
async fn the_task(mut imap: ImapClient) -> Result<(Vec<String>, Vec<String>), Error> {
    imap.login("alice", "pw").await?;
    let mailboxes: Vec<String> = imap.list("", "*").await?.into_iter().map(|entry| entry.name).collect();
    let inbox = imap.select("INBOX").await?;
    assert_eq!(inbox.exists, 2);
    let mut lines = Vec::new();
    for message in imap.fetch(.., [FetchAttribute::Uid, FetchAttribute::Flags, FetchAttribute::Envelope]).await? {
        let flags: Vec<String> = message.flags().iter().map(|flag| flag.to_string()).collect();
        let (uid, subject) = (message.uid().map_or(0, |uid| uid.get()), message.subject().unwrap_or_default());
        lines.push(format!("{uid} [{}] {subject}", flags.join(" ")));
    }
    let mut idle = imap.idle().await?;
    while let Ok(update) = tokio::time::timeout(Duration::from_secs(5), idle.next_update()).await {
        lines.push(format!("update: {:?}", update?));
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
    assert!(imap.fetch(.., [FetchAttribute::Flags]).await.unwrap().is_empty(), "nothing to fetch, nothing asked");
    imap.delete("Work").await.unwrap();
    assert!(matches!(imap.delete("Nowhere").await, Err(Error::ImapRefused { .. })), "a NO is an error value");
    imap.select("INBOX").await.unwrap();
    let whole = Section::default();
    let peek = FetchAttribute::BodySection { peek: true, section: whole.clone(), partial: None };
    let got = imap.uid_fetch(2, [peek, FetchAttribute::Rfc822Size, FetchAttribute::BodyStructure]).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].uid().map(|u| u.get()), Some(2), "UID FETCH brings the UID");
    assert_eq!(got[0].section(&whole), Some(&b"Subject: second\r\n\r\nTwo.\r\n"[..]));
    assert_eq!(got[0].size(), Some(25));
    assert!(got[0].body_structure().is_some());
    assert!(matches!(imap.fetch(0, [FetchAttribute::Flags]).await, Err(Error::InvalidArgument(_))));
    let numbers: &[u32] = &[1, 2];
    assert_eq!(imap.fetch(numbers, [FetchAttribute::Uid]).await.unwrap().len(), 2);
    imap.noop().await.unwrap();
    imap.logout().await.unwrap();
}
