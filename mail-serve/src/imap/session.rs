//! One IMAP session: the loop that takes the machine's events, the
//! dispatch of commands, login, and the answer of each command with the
//! selected mailbox's updates before it.

use std::sync::Arc;

use imap_wire::server::ServerEvent;
use imap_wire::{
    Code, Command, CommandBody, Data, IString, Mailbox as WireMailbox, SearchReturnOption, StatusKind, Tag,
};
use mail_codec::ImapServer;
use tokio::sync::watch;

use super::util::{bad, done, no, no_code, Outcome, Refusal};
use super::view::{Modes, Selected};
use super::ImapService;
use crate::policy::{parse_plain, Deadlines, PlainError};
use crate::store::{Account, AuthError, Credentials, Mailbox, MailboxName, Store, Upload};

pub(crate) type MailboxOf<S> = <<S as Store>::Account as Account>::Mailbox;
type UploadOf<S> = <MailboxOf<S> as Mailbox>::Upload;

/// An APPEND's message on its way to the store, in pieces: binary parts
/// become base64 as they pass ([`crate::mime::BinaryConverter`]).
pub(crate) struct PendingAppend<S: Store> {
    pub upload: UploadOf<S>,
    pub validity: u32,
    /// Bytes received.
    pub size: u64,
    pub converter: crate::mime::BinaryConverter,
}

impl<S: Store> PendingAppend<S> {
    /// The next bytes of the message.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), crate::store::StoreError> {
        self.size += data.len() as u64;
        let out = self.converter.feed(data);
        if out.is_empty() {
            return Ok(());
        }
        self.upload.write(&out).await
    }

    /// Stores the message; its UID.
    pub async fn commit(mut self) -> Result<u32, crate::store::StoreError> {
        let rest = self.converter.finish();
        if !rest.is_empty() {
            self.upload.write(&rest).await?;
        }
        self.upload.commit().await
    }
}

pub(crate) struct Session<S: Store> {
    pub service: Arc<ImapService<S>>,
    pub account: Option<S::Account>,
    pub user: Arc<str>,
    /// Boxed, as the upload below: an idle session without them stays
    /// small (memory per connection).
    pub selected: Option<Box<Selected<MailboxOf<S>>>>,
    pub upload: Option<Box<super::append::Appending<S>>>,
    /// Commands answered BAD in a row.
    pub bad_answers: u32,
    /// Logins refused on this connection (not forgiven by other commands;
    /// back to zero at login).
    pub auth_failures: u32,
    pub idling: Option<Tag>,
    /// CONDSTORE and QRESYNC state (RFC 7162).
    pub modes: Modes,
    /// What NOTIFY SET asked for (RFC 5465); boxed, as `selected`.
    pub notifications: Option<Box<super::notify::NotifyState<MailboxOf<S>>>>,
}

enum Wake {
    Event(Box<Result<Option<ServerEvent>, mail_codec::Error>>),
    Changed,
    Shutdown,
    TimedOut,
    /// Nothing to say during IDLE for a while.
    Keepalive,
    /// A mailbox NOTIFY watches changed.
    Watched,
}

/// Runs a session until LOGOUT, the client leaving, or shutdown (then the
/// client gets `* BYE`).
///
/// A plain function returning the future, not an `async fn`: the
/// connection is captured once and used in place (an `async fn` would keep
/// its parameters twice in the future, a kilobyte per idle connection).
pub(crate) fn run<S: Store>(
    service: Arc<ImapService<S>>,
    imap: ImapServer,
    shutdown: watch::Receiver<bool>,
    deadlines: Deadlines,
) -> impl std::future::Future<Output = ()> + Send {
    let mut imap = imap;
    let mut shutdown = shutdown;
    let mut deadlines = deadlines;
    async move {
        let poll = service.features.poll_interval;
        // One timer for the session, reset before each wait: boxed, so the
        // idle future does not carry it.
        let mut timer = Box::pin(tokio::time::sleep_until(deadlines.next(false)));
        let mut session = Session {
            service,
            account: None,
            user: Arc::from(""),
            selected: None,
            upload: None,
            bad_answers: 0,
            auth_failures: 0,
            idling: None,
            modes: Modes::default(),
            notifications: None,
        };
        loop {
            if *shutdown.borrow() {
                return goodbye(&mut imap, "Server shutting down.").await;
            }
            let authenticated = session.account.is_some();
            let idling = session.idling.is_some() && session.selected.is_some();
            let wake = {
                // Only an idling session waits for changes; the wait is boxed
                // so that other sessions do not carry its timer.
                let keepalive = session.service.config.idle_keepalive;
                let mut changes: Option<std::pin::Pin<Box<dyn std::future::Future<Output = Wake> + Send + '_>>> =
                    match (&mut session.selected, idling) {
                        (Some(selected), true) => Some(Box::pin(async move {
                            let changed = async {
                                match poll {
                                    Some(every) => {
                                        let _ = tokio::time::timeout(every, selected.subscription.changed()).await;
                                    }
                                    None => selected.subscription.changed().await,
                                }
                            };
                            let quiet = async {
                                match keepalive {
                                    Some(every) => tokio::time::sleep(every).await,
                                    None => std::future::pending().await,
                                }
                            };
                            tokio::select! {
                                () = changed => Wake::Changed,
                                () = quiet => Wake::Keepalive,
                            }
                        })),
                        _ => None,
                    };
                // NOTIFY's mailboxes are told of whenever they change
                // (boxed: only a session using NOTIFY carries this).
                let watched: Option<std::pin::Pin<Box<dyn std::future::Future<Output = Wake> + Send + '_>>> =
                    session.notifications.as_mut().filter(|n| !n.watched.is_empty()).map(|state| {
                        let waits: Vec<_> =
                            super::notify::subscriptions(state).map(|s| Box::pin(s.changed())).collect();
                        let any = any_of(waits);
                        Box::pin(async move {
                            match poll {
                                Some(every) => {
                                    let _ = tokio::time::timeout(every, any).await;
                                }
                                None => any.await,
                            }
                            Wake::Watched
                        })
                            as std::pin::Pin<Box<dyn std::future::Future<Output = Wake> + Send + '_>>
                    });
                // One place for both waits keeps the idle future small.
                changes = match (changes, watched) {
                    (Some(mut a), Some(mut b)) => Some(Box::pin(async move {
                        tokio::select! {
                            wake = &mut a => wake,
                            wake = &mut b => wake,
                        }
                    })),
                    (a, b) => a.or(b),
                };
                timer.as_mut().reset(deadlines.next(authenticated));
                tokio::select! {
                    event = imap.next_event() => Wake::Event(Box::new(event)),
                    wake = async { changes.as_mut().expect("checked").await }, if changes.is_some() => wake,
                    _ = shutdown.changed() => Wake::Shutdown,
                    () = &mut timer => Wake::TimedOut,
                }
            };
            // The work of a command is boxed: an idle session's future stays
            // small (memory per connection), whatever the largest command's.
            let result = match wake {
                Wake::Shutdown => continue,
                Wake::TimedOut if authenticated => return goodbye(&mut imap, "Autologout; idle for too long.").await,
                Wake::TimedOut => return goodbye(&mut imap, "Login timeout: log in sooner.").await,
                Wake::Changed => Box::pin(session.sync(&mut imap, true)).await,
                Wake::Watched => Box::pin(session.notify_changes(&mut imap, true)).await,
                // Keeps NAT mappings alive and finds peers that are gone
                // (the write fails); the client's silence still counts.
                Wake::Keepalive => imap.machine_mut().notice("Still here").map_err(mail_codec::Error::from),
                Wake::Event(event) => match *event {
                    Ok(Some(event)) => {
                        deadlines.input();
                        let result = Box::pin(session.event(&mut imap, event)).await;
                        if !authenticated && session.account.is_some() {
                            // Logged in: writes may now wait as long as
                            // silence may last.
                            imap.set_write_timeout(Some(session.service.config.idle_timeout));
                        } else if authenticated && session.account.is_none() {
                            // UNAUTHENTICATE: logging in again has the
                            // login timeout, from now.
                            deadlines.restart_login();
                            imap.set_write_timeout(Some(session.service.config.login_timeout));
                        }
                        result
                    }
                    Ok(None) | Err(_) => return,
                },
            };
            let flushed = match result {
                Ok(()) => imap.flush().await,
                Err(e) => Err(e),
            };
            if flushed.is_err() {
                // The connection is broken or the client stopped reading:
                // nothing more can be said.
                return;
            }
        }
    }
}

/// Says BYE and closes; a client that takes nothing is given up on after
/// the write timeout.
async fn goodbye(imap: &mut ImapServer, text: &str) {
    let _ = imap.machine_mut().bye(text);
    let _ = imap.shutdown().await;
}

impl<S: Store> Session<S> {
    /// A SEARCH or SORT with `RETURN (SAVE)` answered NO leaves `$` empty
    /// (RFC 9051 6.4.4.1); one answered BAD was not run and leaves it.
    fn saving_failed(&mut self, save: bool, outcome: Outcome) -> Outcome {
        if let (true, Err(refusal), Some(selected)) = (save, &outcome, self.selected.as_mut()) {
            if refusal.kind == StatusKind::No {
                selected.saved.clear();
            }
        }
        outcome
    }

    pub(crate) fn account(&self) -> Result<&S::Account, Refusal> {
        self.account.as_ref().ok_or_else(|| bad("Not logged in"))
    }

    /// A wire name as the store's name.
    pub(crate) fn name_of(&self, mailbox: &WireMailbox) -> Result<MailboxName, Refusal> {
        self.name_from_text(&self.modes.text(mailbox)?)
    }

    /// A name as text (already decoded from the wire) as the store's name.
    pub(crate) fn name_from_text(&self, text: &str) -> Result<MailboxName, Refusal> {
        MailboxName::new(text, self.service.features.delimiter)
            .map_err(|e| no_code(Code::Cannot, format!("Invalid mailbox name: {e}")))
    }

    async fn event(&mut self, imap: &mut ImapServer, event: ServerEvent) -> Result<(), mail_codec::Error> {
        match event {
            ServerEvent::Command(command) => self.command(imap, command).await,
            ServerEvent::SaslResponse { tag, data } => {
                let outcome = self.plain(&data).await;
                self.finish(imap, &tag, outcome)
            }
            ServerEvent::AppendStart { command, size } => {
                self.append_start(&command, size).await;
                Ok(())
            }
            ServerEvent::AppendData { tag, data } => {
                self.append_data(&tag, &data).await;
                Ok(())
            }
            ServerEvent::AppendNext { tag, message, size } => {
                self.append_next(&tag, &message, size).await;
                Ok(())
            }
            ServerEvent::AppendEnd { tag } => {
                let outcome = self.append_end(&tag).await;
                self.answer(imap, &tag, outcome).await
            }
            ServerEvent::AppendAborted { tag, .. } => {
                // The machine answered.
                self.append_aborted(&tag).await;
                Ok(())
            }
            ServerEvent::IdleDone { tag } => {
                self.idling = None;
                self.sync(imap, true).await?;
                Ok(imap.machine_mut().complete(&tag, StatusKind::Ok, None, "Idle completed.")?)
            }
            _ => Ok(()),
        }
    }

    /// Brings the client's view of the selected mailbox up to date.
    pub(crate) async fn sync(&mut self, imap: &mut ImapServer, expunge_ok: bool) -> Result<(), mail_codec::Error> {
        if self.notifications.is_some() {
            self.notify_changes(imap, false).await?;
        }
        let modes = self.modes;
        let Some(selected) = &mut self.selected else { return Ok(()) };
        let before = (expunge_ok && !selected.contexts.is_empty()).then(|| selected.uids.clone());
        match selected.sync(expunge_ok, modes).await {
            Ok(updates) => {
                if let Some(before) = before {
                    // RFC 5267 4.3.4: REMOVEFROM of expunged results comes
                    // before the EXPUNGE, while their numbers hold.
                    let gone: Vec<u32> =
                        before.iter().copied().filter(|u| selected.uids.binary_search(u).is_err()).collect();
                    let old_seq = |u: u32| before.binary_search(&u).ok().map(|i| i as u32 + 1);
                    for context in &mut selected.contexts {
                        let removed: Vec<u32> = gone.iter().copied().filter(|u| context.matched.remove(u)).collect();
                        if let Some(data) = context.report(&removed, false, old_seq) {
                            imap.machine_mut().update(data)?;
                        }
                    }
                }
                for data in updates {
                    imap.machine_mut().update(data)?;
                }
            }
            Err(_) => {
                // The store failed: the view stays as it is; the next
                // command tries again.
            }
        }
        self.update_contexts(imap).await
    }

    /// Completes a command, counting BAD answers in a row.
    fn finish(&mut self, imap: &mut ImapServer, tag: &Tag, outcome: Outcome) -> Result<(), mail_codec::Error> {
        let (kind, code, text) = match outcome {
            Ok((code, text)) => (StatusKind::Ok, code, text),
            Err(r) => (r.kind, r.code, r.text),
        };
        imap.machine_mut().complete(tag, kind, code, &text)?;
        if kind == StatusKind::Bad {
            self.bad_answers += 1;
        } else {
            self.bad_answers = 0;
        }
        if self.bad_answers + self.auth_failures >= self.service.config.max_bad_commands {
            imap.machine_mut().bye("Too many invalid IMAP commands.")?;
        }
        Ok(())
    }

    /// Answers a command: the selected mailbox's updates where the command
    /// allows them, then the tagged answer.
    pub(crate) async fn answer(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        outcome: Outcome,
    ) -> Result<(), mail_codec::Error> {
        let expunge_ok = imap
            .machine()
            .pending_commands()
            .find(|c| &c.tag == tag)
            .map(|c| {
                !matches!(
                    c.body,
                    CommandBody::Fetch { uid: false, .. }
                        | CommandBody::Store { uid: false, .. }
                        | CommandBody::Search { uid: false, .. }
                        | CommandBody::Sort { uid: false, .. }
                        | CommandBody::Thread { uid: false, .. }
                )
            })
            .unwrap_or(true);
        self.sync(imap, expunge_ok).await?;
        self.finish(imap, tag, outcome)
    }

    async fn login(&mut self, credentials: Credentials) -> Outcome {
        match self.service.store.login(&credentials).await {
            Ok(account) => {
                self.user = Arc::from(account.user());
                self.account = Some(account);
                // Guessing is over; what follows is counted afresh.
                self.auth_failures = 0;
                Ok((Some(Code::Capability(self.service.capabilities())), "Logged in".into()))
            }
            Err(e) => {
                if e != AuthError::Unavailable {
                    self.refused_login().await;
                }
                Err(Refusal::from(e))
            }
        }
    }

    /// A refused login: answered late, and counted.
    async fn refused_login(&mut self) {
        self.auth_failures += 1;
        tokio::time::sleep(self.service.config.auth_failure_delay).await;
    }

    /// SASL PLAIN (RFC 4616): `authzid NUL authcid NUL password`.
    async fn plain(&mut self, data: &[u8]) -> Outcome {
        match parse_plain(data) {
            Ok(credentials) => self.login(credentials).await,
            Err(PlainError::Malformed) => {
                self.refused_login().await;
                Err(no("Invalid PLAIN response"))
            }
            Err(PlainError::Authorization) => {
                self.refused_login().await;
                Err(no_code(Code::AuthorizationFailed, "Not authorized to act as that user"))
            }
        }
    }

    /// ENABLE (RFC 5161): IMAP4rev2 (RFC 9051 appendix A), and CONDSTORE
    /// and QRESYNC (RFC 7162) when offered.
    async fn enable(&mut self, imap: &mut ImapServer, tag: &Tag, names: &[imap_wire::Atom]) -> Outcome {
        let mut enabled = Vec::new();
        if let Some(name) = names.iter().find(|n| n.eq_ignore_case("IMAP4rev2")) {
            if !self.modes.imap4rev2 {
                self.modes.imap4rev2 = true;
                enabled.push(name.clone());
            }
        }
        if self.service.features.persistent_modseq {
            for name in names {
                let qresync = name.eq_ignore_case("QRESYNC");
                if (qresync || name.eq_ignore_case("CONDSTORE")) && !enabled.contains(name) {
                    enabled.push(name.clone());
                    self.modes.qresync |= qresync;
                    self.enable_condstore(imap, tag).await?;
                }
            }
        }
        imap.machine_mut().respond(tag, Data::Enabled(enabled))?;
        done("Enabled.")
    }

    /// A CONDSTORE enabling command (RFC 7162 3.1): from now on flag
    /// updates carry MODSEQ; the selected mailbox's HIGHESTMODSEQ is told
    /// the first time.
    pub(crate) async fn enable_condstore(&mut self, imap: &mut ImapServer, tag: &Tag) -> Result<(), Refusal> {
        if self.modes.condstore || !self.service.features.persistent_modseq {
            return Ok(());
        }
        self.modes.condstore = true;
        if let Some(selected) = &self.selected {
            let highest = selected.mailbox.status().await.map_err(Refusal::from)?.highest_modseq;
            let code = Code::HighestModSeq(highest);
            imap.machine_mut().respond_status(tag, StatusKind::Ok, Some(code), "Highest")?;
        }
        Ok(())
    }

    async fn command(&mut self, imap: &mut ImapServer, command: Command) -> Result<(), mail_codec::Error> {
        let tag = command.tag.clone();
        if self.service.features.persistent_modseq && enables_condstore(&command.body) {
            if matches!(command.body, CommandBody::Select { .. } | CommandBody::Examine { .. }) {
                // The new mailbox's HIGHESTMODSEQ comes with the SELECT.
                self.modes.condstore = true;
            } else if let Err(refusal) = self.enable_condstore(imap, &tag).await {
                return self.answer(imap, &tag, Err(refusal)).await;
            }
        }
        let outcome = match command.body {
            CommandBody::Login { username, password } => {
                let text = |s: &IString| String::from_utf8(s.to_vec()).map_err(|_| no("Invalid user name or password"));
                match (text(&username), text(&password)) {
                    (Ok(user), Ok(password)) => self.login(Credentials { user, password, authorize_as: None }).await,
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            CommandBody::Authenticate { mechanism, initial_response } => {
                if !mechanism.eq_ignore_case("PLAIN") {
                    Err(no("Unsupported authentication mechanism"))
                } else if let Some(ir) = initial_response {
                    self.plain(&ir).await
                } else {
                    imap.machine_mut().sasl_challenge(&tag, b"")?;
                    return Ok(());
                }
            }
            CommandBody::StartTls => done("Begin TLS negotiation now."),
            CommandBody::Compress { algorithm } => {
                if algorithm.eq_ignore_case("DEFLATE") {
                    done("Begin compression.")
                } else {
                    Err(no("Unknown compression algorithm"))
                }
            }
            CommandBody::Noop => done("NOOP completed."),
            CommandBody::Check => done("Check completed."),
            CommandBody::Idle => {
                self.idling = Some(tag.clone());
                self.sync(imap, true).await?;
                return Ok(());
            }
            CommandBody::Enable(names) => self.enable(imap, &tag, &names).await,
            CommandBody::Namespace => {
                let personal = imap_wire::NamespaceDescription {
                    prefix: IString::from(""),
                    delimiter: imap_wire::Delimiter::new(self.service.features.delimiter).ok(),
                    extensions: Vec::new(),
                };
                let data = Data::Namespace { personal: Some(vec![personal]), other_users: None, shared: None };
                imap.machine_mut().respond(&tag, data)?;
                done("Namespace completed.")
            }
            CommandBody::Id(_) => {
                let fields = self
                    .service
                    .config
                    .id
                    .iter()
                    .map(|(k, v)| (IString::from(k.as_bytes().to_vec()), Some(IString::from(v.as_bytes().to_vec()))))
                    .collect();
                imap.machine_mut().respond(&tag, Data::Id(Some(fields)))?;
                done("ID completed.")
            }
            CommandBody::Select { mailbox, parameters } => self.select(imap, &tag, &mailbox, false, &parameters).await,
            CommandBody::Examine { mailbox, parameters } => self.select(imap, &tag, &mailbox, true, &parameters).await,
            CommandBody::Create { mailbox, parameters } => self.create(&mailbox, &parameters).await,
            CommandBody::Delete(mailbox) => self.delete(&mailbox).await,
            CommandBody::Rename { from, to } => self.rename(&from, &to).await,
            CommandBody::Subscribe(mailbox) => self.subscribe(&mailbox, true).await,
            CommandBody::Unsubscribe(mailbox) => self.subscribe(&mailbox, false).await,
            CommandBody::List { selection, reference, patterns, return_options } => match &patterns[..] {
                [pattern] if selection.is_empty() && return_options.is_empty() => {
                    self.list(imap, &tag, &reference, pattern, false).await
                }
                _ => self.list_extended(imap, &tag, &selection, &reference, &patterns, &return_options).await,
            },
            CommandBody::Lsub { reference, pattern } => self.list(imap, &tag, &reference, &pattern, true).await,
            CommandBody::Status { mailbox, attributes } => self.status(imap, &tag, &mailbox, &attributes).await,
            CommandBody::Append { mailbox, messages } => self.append_all(&mailbox, &messages).await,
            CommandBody::GetQuotaRoot(mailbox) => self.get_quota_root(imap, &tag, &mailbox).await,
            CommandBody::GetQuota(root) => self.get_quota(imap, &tag, &root).await,
            CommandBody::SetQuota { .. } => self.set_quota(),
            CommandBody::Unauthenticate => {
                // RFC 8437: the mailbox and the login are given up; the
                // connection is as new (TLS and compression stay).
                self.selected = None;
                self.upload = None;
                self.idling = None;
                self.notifications = None;
                self.account = None;
                self.user = Arc::from("");
                done("Unauthenticated.")
            }
            CommandBody::Close => self.close(true).await,
            CommandBody::Unselect => self.close(false).await,
            CommandBody::Expunge => self.expunge(None).await,
            CommandBody::UidExpunge(set) => self.expunge(Some(&set)).await,
            CommandBody::Search { uid, return_options, charset, criteria } => {
                let save = return_options.as_ref().is_some_and(|o| o.contains(&SearchReturnOption::Save));
                let outcome = self.search(imap, &tag, uid, return_options, charset, &criteria).await;
                self.saving_failed(save, outcome)
            }
            CommandBody::Sort { uid, return_options, criteria, charset, search } => {
                let save = return_options.as_ref().is_some_and(|o| o.contains(&SearchReturnOption::Save));
                let outcome = self.sort(imap, &tag, uid, return_options, &criteria, &charset, &search).await;
                self.saving_failed(save, outcome)
            }
            CommandBody::Thread { uid, algorithm, charset, search } => {
                self.thread(imap, &tag, uid, &algorithm, &charset, &search).await
            }
            CommandBody::Notify(request) => self.notify(imap, &tag, &request).await,
            CommandBody::CancelUpdate(tags) => {
                // RFC 5267 4.3.5; a context that already ended (the
                // mailbox was closed) needs no cancelling.
                if let Some(selected) = self.selected.as_mut() {
                    selected.contexts.retain(|c| !tags.contains(&c.tag));
                }
                done("No further updates.")
            }
            CommandBody::Fetch { uid, sequence_set, items, modifiers } => {
                self.fetch(imap, &tag, uid, &sequence_set, &items, &modifiers).await
            }
            CommandBody::Store { uid, sequence_set, modifiers, action, silent, flags } => {
                self.store(imap, &tag, uid, &sequence_set, action, silent, &flags, &modifiers).await
            }
            CommandBody::Copy { uid, sequence_set, mailbox } => {
                self.copy(imap, &tag, uid, &sequence_set, &mailbox, false).await
            }
            CommandBody::Move { uid, sequence_set, mailbox } => {
                self.copy(imap, &tag, uid, &sequence_set, &mailbox, true).await
            }
            _ => Err(bad("Unknown command")),
        };
        self.answer(imap, &tag, outcome).await
    }
}

/// Whether a command enables CONDSTORE (RFC 7162 3.1): FETCH of MODSEQ or
/// with CHANGEDSINCE, STORE with UNCHANGEDSINCE, SEARCH or SORT with a
/// MODSEQ key, SELECT/EXAMINE (CONDSTORE) or (QRESYNC), STATUS of
/// HIGHESTMODSEQ. (ENABLE is handled by itself.)
fn enables_condstore(body: &CommandBody) -> bool {
    use imap_wire::{FetchAttribute, FetchModifier, SelectParameter, StatusAttribute, StoreModifier};
    let search_has_modseq = super::search::has_modseq_key;
    match body {
        CommandBody::Select { parameters, .. } | CommandBody::Examine { parameters, .. } => {
            parameters.iter().any(|p| matches!(p, SelectParameter::CondStore | SelectParameter::QResync(_)))
        }
        CommandBody::Fetch { items, modifiers, .. } => {
            items.expand().contains(&FetchAttribute::ModSeq)
                || modifiers.iter().any(|m| matches!(m, FetchModifier::ChangedSince(_)))
        }
        CommandBody::Store { modifiers, .. } => modifiers.iter().any(|m| matches!(m, StoreModifier::UnchangedSince(_))),
        CommandBody::Search { criteria, .. } => search_has_modseq(criteria),
        CommandBody::Sort { search, .. } => search_has_modseq(search),
        CommandBody::Status { attributes, .. } => attributes.contains(&StatusAttribute::HighestModSeq),
        _ => false,
    }
}

/// Completes when any of these completes.
async fn any_of<F: std::future::Future<Output = ()> + Unpin>(mut waits: Vec<F>) {
    std::future::poll_fn(|cx| {
        for wait in &mut waits {
            if std::pin::Pin::new(&mut *wait).poll(cx).is_ready() {
                return std::task::Poll::Ready(());
            }
        }
        std::task::Poll::Pending
    })
    .await
}
