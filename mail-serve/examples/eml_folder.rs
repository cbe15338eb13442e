//! A store of one's own in a page: serves the `.eml` files of a directory
//! as one user's INBOX over IMAP and POP3, flags kept in memory. Everything
//! else (FETCH, SEARCH, IDLE, the update rules, limits) is the layer's.
//!
//! ```text
//! cargo run -p mail-serve --example eml_folder -- DIR [IMAP_PORT] [POP3_PORT]
//! curl -u me:me 'imap://127.0.0.1:1143/INBOX;UID=1'
//! ```

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use mail_serve::imap::{ImapConfig, ImapService, Security};
use mail_serve::pop3::{Pop3Config, Pop3Service};
use mail_serve::store::*;

/// The messages and their flags; the store, the account and the mailbox
/// are this one value.
#[derive(Clone)]
struct EmlFolder {
    messages: Arc<Vec<Bytes>>,
    flags: Arc<Mutex<Vec<Flags>>>,
    notifier: Notifier,
}

struct Eml(Bytes);

impl Content for Eml {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    async fn read(&mut self, offset: u64, max: usize) -> Result<Bytes, StoreError> {
        let start = (offset as usize).min(self.0.len());
        Ok(self.0.slice(start..(start + max).min(self.0.len())))
    }
}

/// Appends are refused, so no upload is ever made.
struct NoUpload;

impl Upload for NoUpload {
    async fn write(&mut self, _: &[u8]) -> Result<(), StoreError> {
        Err(StoreError::Unsupported)
    }
    async fn commit(self) -> Result<u32, StoreError> {
        Err(StoreError::Unsupported)
    }
}

impl EmlFolder {
    /// Message `i` has UID `i + 1`; modseq 1 (nothing changes but flags).
    fn meta(&self, uid: u32) -> Option<MessageMeta> {
        let data = self.messages.get(uid.checked_sub(1)? as usize)?;
        let flags = self.flags.lock().unwrap()[uid as usize - 1].clone();
        Some(MessageMeta { uid, flags, size: crlf_size(data), internal_date: 0, modseq: 1, save_date: None })
    }
}

impl Store for EmlFolder {
    type Account = EmlFolder;
    fn features(&self) -> Features {
        Features::default()
    }
    async fn login(&self, c: &Credentials) -> Result<EmlFolder, AuthError> {
        if c.user == "me" && c.password == "me" {
            Ok(self.clone())
        } else {
            Err(AuthError::Failed)
        }
    }
}

impl Account for EmlFolder {
    type Mailbox = EmlFolder;
    fn user(&self) -> &str {
        "me"
    }
    async fn list(&self) -> Result<Vec<MailboxInfo>, StoreError> {
        Ok(vec![MailboxInfo { name: MailboxName::inbox('/'), special_use: None }])
    }
    async fn create(&self, _: &MailboxName, _: Option<SpecialUse>) -> Result<(), StoreError> {
        Err(StoreError::NotAllowed("This store has one mailbox."))
    }
    async fn delete(&self, _: &MailboxName) -> Result<(), StoreError> {
        Err(StoreError::NotAllowed("This store has one mailbox."))
    }
    async fn rename(&self, _: &MailboxName, _: &MailboxName) -> Result<(), StoreError> {
        Err(StoreError::NotAllowed("This store has one mailbox."))
    }
    async fn subscriptions(&self) -> Result<Vec<MailboxName>, StoreError> {
        Ok(vec![MailboxName::inbox('/')])
    }
    async fn set_subscribed(&self, _: &MailboxName, _: bool) -> Result<(), StoreError> {
        Ok(())
    }
    async fn open(&self, name: &MailboxName) -> Result<EmlFolder, StoreError> {
        if name.is_inbox() {
            Ok(self.clone())
        } else {
            Err(StoreError::NoSuchMailbox)
        }
    }
}

impl Mailbox for EmlFolder {
    type Upload = NoUpload;
    type Content = Eml;
    async fn status(&self) -> Result<MailboxStatus, StoreError> {
        let metas = self.messages().await?;
        let unseen = metas.iter().filter(|m| !m.flags.has(SystemFlags::SEEN)).count() as u32;
        let size = metas.iter().map(|m| m.size).sum();
        let n = metas.len() as u32;
        Ok(MailboxStatus {
            uid_validity: 1,
            uid_next: n + 1,
            messages: n,
            unseen,
            size,
            highest_modseq: 1,
            ..Default::default()
        })
    }
    async fn messages(&self) -> Result<Vec<MessageMeta>, StoreError> {
        Ok((1..=self.messages.len() as u32).filter_map(|uid| self.meta(uid)).collect())
    }
    async fn messages_by_uid(&self, uids: &[u32]) -> Result<Vec<MessageMeta>, StoreError> {
        Ok(uids.iter().filter_map(|&uid| self.meta(uid)).collect())
    }
    async fn changes(&self, _since: u64) -> Result<Changes, StoreError> {
        // Flag changes are told by the session that made them; other
        // sessions see them at their next FETCH.
        Ok(Changes { modseq: 1, changed: Vec::new(), expunged: Some(Vec::new()) })
    }
    fn subscribe(&self) -> Subscription {
        self.notifier.subscribe()
    }
    async fn open(&self, uid: u32) -> Result<Eml, StoreError> {
        let data = self.messages.get(uid.wrapping_sub(1) as usize).ok_or(StoreError::NoSuchMessage)?;
        Ok(Eml(data.clone()))
    }
    async fn begin_append(&self, _: Flags, _: Option<i64>, _: u64) -> Result<NoUpload, StoreError> {
        Err(StoreError::NotAllowed("This store is read-only."))
    }
    async fn store_flags(
        &self,
        uids: &[u32],
        op: FlagOp,
        flags: &Flags,
        _: Option<u64>,
    ) -> Result<(Vec<MessageMeta>, Vec<u32>), StoreError> {
        for &uid in uids {
            if let Some(f) = self.flags.lock().unwrap().get_mut(uid.wrapping_sub(1) as usize) {
                *f = f.apply(op, flags);
            }
        }
        Ok((self.messages_by_uid(uids).await?, Vec::new()))
    }
    async fn expunge(&self, _: Option<&[u32]>) -> Result<Vec<u32>, StoreError> {
        Err(StoreError::NotAllowed("This store is read-only."))
    }
    async fn copy_to(&self, _: &[u32], _: &EmlFolder) -> Result<(u32, Vec<(u32, u32)>), StoreError> {
        Err(StoreError::NotAllowed("This store is read-only."))
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| ".".into());
    let imap_port = args.next().unwrap_or_else(|| "1143".into());
    let pop3_port = args.next().unwrap_or_else(|| "1110".into());
    let mut paths: Vec<_> = std::fs::read_dir(&dir)?.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    paths.sort();
    let messages: Vec<Bytes> =
        paths.iter().map(std::fs::read).collect::<Result<Vec<_>, _>>()?.into_iter().map(Bytes::from).collect();
    let flags = Arc::new(Mutex::new(vec![Flags::default(); messages.len()]));
    let store = EmlFolder { messages: Arc::new(messages), flags, notifier: Notifier::default() };
    let imap = Arc::new(ImapService::new(store.clone(), ImapConfig::default()));
    let pop3 = Arc::new(Pop3Service::new(store, Pop3Config::default()));
    let imap_listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{imap_port}")).await?;
    let pop3_listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{pop3_port}")).await?;
    eprintln!(
        "{} messages from {dir}: IMAP on port {imap_port}, POP3 on {pop3_port}, user me, password me",
        paths.len()
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = pop3_listener.accept().await {
            let pop3 = pop3.clone();
            tokio::spawn(async move { pop3.serve(stream, Security::Plain).await });
        }
    });
    loop {
        let (stream, _) = imap_listener.accept().await?;
        let imap = imap.clone();
        tokio::spawn(async move { imap.serve(stream, Security::Plain).await });
    }
}
