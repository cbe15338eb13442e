//! NOTIFY (RFC 5465): STATUS responses for the mailboxes a client watches
//! besides the selected one, as their messages arrive, leave or change,
//! without the client asking.
//!
//! The events served are the message events (MessageNew, MessageExpunge,
//! FlagChange); the others are refused with `NO [BADEVENT]`, which lists
//! these three as RFC 5465 3.1 asks. The selected mailbox keeps reporting
//! as IMAP does without NOTIFY (EXISTS, EXPUNGE, FETCH at the points RFC
//! 3501 allows): a client that leaves SELECTED out still gets those,
//! which are what keep its view of the mailbox right.

use std::collections::BTreeSet;

use imap_wire::{Code, Data, Notify, NotifyEvent, NotifyFilter, StatusAttribute, StatusItem};
use mail_codec::ImapServer;

use super::session::Session;
use super::util::{done, no_code, Outcome, Refusal};
use crate::store::{Account, Mailbox, MailboxName, Store, Subscription};

/// A mailbox a session watches.
pub(crate) struct Watched<M> {
    name: MailboxName,
    mailbox: M,
    pub subscription: Subscription,
    /// What the client was told last: MESSAGES, UIDNEXT, UIDVALIDITY,
    /// HIGHESTMODSEQ.
    told: (u32, u32, u32, u64),
    /// FlagChange asked for: HIGHESTMODSEQ is told, and its changes.
    flags: bool,
}

/// What NOTIFY SET asked for.
pub(crate) struct NotifyState<M> {
    pub watched: Vec<Watched<M>>,
    /// When the watched mailboxes of a polled store were last read.
    polled: tokio::time::Instant,
}

/// The events this server tells of.
fn supported() -> Vec<NotifyEvent> {
    vec![NotifyEvent::MessageNew(Vec::new()), NotifyEvent::MessageExpunge, NotifyEvent::FlagChange]
}

impl<S: Store> Session<S> {
    /// NOTIFY SET or NONE.
    pub(crate) async fn notify(&mut self, imap: &mut ImapServer, tag: &imap_wire::Tag, request: &Notify) -> Outcome {
        let modes = self.modes;
        let Notify::Set { status, groups } = request else {
            self.notifications = None;
            return done("NOTIFY completed.");
        };
        // Refused before anything changes: unsupported events (RFC 5465
        // 3.1), fetch items outside SELECTED, two SELECTED filters.
        let selected_filters = groups
            .iter()
            .filter(|g| matches!(g.filter, NotifyFilter::Selected | NotifyFilter::SelectedDelayed))
            .count();
        if selected_filters > 1 {
            return Err(super::util::bad("Only one of SELECTED and SELECTED-DELAYED (RFC 5465 6.1)"));
        }
        for group in groups {
            for event in &group.events {
                match event {
                    NotifyEvent::MessageNew(items)
                        if !items.is_empty()
                            && !matches!(group.filter, NotifyFilter::Selected | NotifyFilter::SelectedDelayed) =>
                    {
                        return Err(super::util::bad("MessageNew's fetch items are for SELECTED only"));
                    }
                    NotifyEvent::MessageNew(_) | NotifyEvent::MessageExpunge | NotifyEvent::FlagChange => {}
                    _ => return Err(no_code(Code::BadEvent(supported()), "Unsupported NOTIFY event")),
                }
            }
        }
        // The mailboxes each filter names now (those that exist), the
        // selected one's message events being SELECTED's.
        let account = self.account()?;
        let existing: BTreeSet<MailboxName> =
            account.list().await.map_err(Refusal::from)?.into_iter().map(|i| i.name).collect();
        let mut wanted: Vec<(MailboxName, bool)> = Vec::new();
        let delimiter = self.service.features.delimiter;
        for group in groups {
            if group.events.is_empty() {
                continue;
            }
            let flags = group.events.contains(&NotifyEvent::FlagChange);
            let names: Vec<MailboxName> = match &group.filter {
                NotifyFilter::Selected | NotifyFilter::SelectedDelayed => continue,
                NotifyFilter::Inboxes => existing.iter().filter(|n| n.is_inbox()).cloned().collect(),
                NotifyFilter::Personal => existing.iter().cloned().collect(),
                NotifyFilter::Subscribed => {
                    let subscribed = account.subscriptions().await.map_err(Refusal::from)?;
                    subscribed.into_iter().filter(|n| existing.contains(n)).collect()
                }
                NotifyFilter::Mailboxes(list) | NotifyFilter::Subtree(list) => {
                    let subtree = matches!(group.filter, NotifyFilter::Subtree(_));
                    let mut names = Vec::new();
                    for wire in list {
                        let Ok(name) = self.name_of(wire) else { continue };
                        let prefix = format!("{}{delimiter}", name.as_str());
                        names.extend(
                            existing
                                .iter()
                                .filter(|n| **n == name || (subtree && n.as_str().starts_with(&prefix)))
                                .cloned(),
                        );
                    }
                    names
                }
            };
            for name in names {
                match wanted.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, f)) => *f |= flags,
                    None => wanted.push((name, flags)),
                }
            }
        }
        let limit = self.service.config.max_notify_mailboxes;
        if wanted.len() > limit {
            let text = format!("NOTIFY watches at most {limit} mailboxes besides the selected one");
            return Err(no_code(Code::NotificationOverflow, text));
        }
        let condstore = self.service.features.persistent_modseq;
        let mut watched = Vec::with_capacity(wanted.len());
        for (name, flags) in wanted {
            let Ok(mailbox) = account.open(&name).await else { continue };
            let subscription = mailbox.subscribe();
            let s = mailbox.status().await.map_err(Refusal::from)?;
            let told = (s.messages, s.uid_next, s.uid_validity, s.highest_modseq);
            watched.push(Watched { name, mailbox, subscription, told, flags: flags && condstore });
        }
        // A successful NOTIFY SET is a NOOP too (RFC 5465 3.1).
        self.sync(imap, true).await.map_err(|e| super::util::no(e.to_string()))?;
        if *status {
            let selected = self.selected.as_ref().map(|s| s.name.clone());
            for w in watched.iter().filter(|w| Some(&w.name) != selected.as_ref()) {
                imap.machine_mut().respond(tag, status_data(w, modes))?;
            }
        }
        self.notifications = Some(Box::new(NotifyState { watched, polled: tokio::time::Instant::now() }));
        done("NOTIFY completed.")
    }

    /// Tells the STATUS of every watched mailbox (not the selected one)
    /// that changed since the client was told. `woken`: the wait for
    /// changes saw one (and took it as seen): every mailbox is read.
    pub(crate) async fn notify_changes(&mut self, imap: &mut ImapServer, woken: bool) -> Result<(), mail_codec::Error> {
        let modes = self.modes;
        let selected = self.selected.as_ref().map(|s| s.name.clone());
        let Some(state) = self.notifications.as_mut() else { return Ok(()) };
        // A store other programs change is read again once per poll
        // interval, not at every command.
        let polling = match self.service.features.poll_interval {
            Some(every) if state.polled.elapsed() >= every => {
                state.polled = tokio::time::Instant::now();
                true
            }
            _ => false,
        };
        for w in &mut state.watched {
            if !w.subscription.take_change() && !polling && !woken {
                continue;
            }
            if Some(&w.name) == selected.as_ref() {
                continue;
            }
            let Ok(s) = w.mailbox.status().await else { continue };
            let now = (s.messages, s.uid_next, s.uid_validity, if w.flags { s.highest_modseq } else { w.told.3 });
            if now != w.told {
                w.told = now;
                imap.machine_mut().update(status_data(w, modes))?;
            }
        }
        Ok(())
    }
}

/// `* STATUS name (MESSAGES n UIDNEXT n UIDVALIDITY n [HIGHESTMODSEQ n])`:
/// what MessageNew and MessageExpunge need, and FlagChange's modseq
/// (RFC 5465 3.1).
fn status_data<M>(w: &Watched<M>, modes: super::view::Modes) -> Data {
    let (messages, uid_next, validity, modseq) = w.told;
    let mut items = vec![
        StatusItem::number(StatusAttribute::Messages, u64::from(messages)),
        StatusItem::number(StatusAttribute::UidNext, u64::from(uid_next)),
        StatusItem::number(StatusAttribute::UidValidity, u64::from(validity)),
    ];
    if w.flags {
        items.push(StatusItem::number(StatusAttribute::HighestModSeq, modseq));
    }
    Data::Status { mailbox: modes.wire(&w.name), items }
}

/// The watched mailboxes' wake-ups, for a session waiting for input.
pub(crate) fn subscriptions<M>(state: &mut NotifyState<M>) -> impl Iterator<Item = &mut Subscription> {
    state.watched.iter_mut().map(|w| &mut w.subscription)
}
