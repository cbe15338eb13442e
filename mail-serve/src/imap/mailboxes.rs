//! Commands on mailboxes and messages as a whole: SELECT/EXAMINE, CREATE,
//! DELETE, RENAME, (UN)SUBSCRIBE, LIST/LSUB, STATUS, APPEND, COPY/MOVE,
//! EXPUNGE and CLOSE.

use std::collections::{BTreeSet, HashMap, HashSet};

use imap_wire::{
    Code, Data, DateTime, Flag, FlagPerm, IString, ListItem, ListReturnOption, ListSelectOption,
    Mailbox as WireMailbox, MailboxAttribute, SelectParameter, SequenceSet, StatusAttribute, StatusItem, StatusKind,
    Tag,
};
use mail_codec::ImapServer;

use super::session::{PendingAppend, Session};
use super::util::{bad, compact, done, mailbox_flags, no, no_code, nz, store_flags, unix_time, Outcome, Refusal};
use super::view::Selected;
use crate::pattern::Pattern;
use crate::store::{Account, FlagOp, Flags, Keyword, Mailbox, MailboxName, SpecialUse, Store, StoreError, SystemFlags};

fn special_use_attribute(use_: SpecialUse) -> MailboxAttribute {
    match use_ {
        SpecialUse::All => MailboxAttribute::All,
        SpecialUse::Archive => MailboxAttribute::Archive,
        SpecialUse::Drafts => MailboxAttribute::Drafts,
        SpecialUse::Flagged => MailboxAttribute::Flagged,
        SpecialUse::Junk => MailboxAttribute::Junk,
        SpecialUse::Sent => MailboxAttribute::Sent,
        SpecialUse::Trash => MailboxAttribute::Trash,
    }
}

fn try_create(e: StoreError) -> Refusal {
    match e {
        StoreError::NoSuchMailbox => no_code(Code::TryCreate, "Mailbox doesn't exist"),
        other => Refusal::from(other),
    }
}

impl<S: Store> Session<S> {
    pub(crate) async fn select(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        wire_name: &WireMailbox,
        read_only: bool,
        parameters: &[SelectParameter],
    ) -> Outcome {
        let mut qresync = None;
        for parameter in parameters {
            match parameter {
                SelectParameter::CondStore => {}
                SelectParameter::QResync(q) => qresync = Some(q),
                SelectParameter::Other(_) => return Err(bad("Unknown SELECT parameter")),
            }
        }
        if self.selected.take().is_some() && (self.modes.qresync || self.modes.imap4rev2) {
            // RFC 7162 3.2.11, RFC 9051 7.1: what follows is about the new
            // mailbox.
            imap.machine_mut().respond_status(tag, StatusKind::Ok, Some(Code::Closed), "Previous mailbox closed.")?;
        }
        let name = self.name_of(wire_name)?;
        let mailbox = self.account()?.open(&name).await.map_err(Refusal::from)?;
        // The modseq first: a change after it is reported again, never
        // missed.
        let status = mailbox.status().await.map_err(Refusal::from)?;
        let recent_from = if read_only {
            status.uid_next.saturating_sub(status.recent)
        } else {
            mailbox.claim_recent().await.map_err(Refusal::from)?
        };
        let messages = mailbox.messages().await.map_err(Refusal::from)?;
        let keywords: BTreeSet<Keyword> = messages.iter().flat_map(|m| m.flags.keywords().iter().cloned()).collect();
        let uids: Vec<u32> = messages.iter().map(|m| m.uid).collect();
        let recent: HashSet<u32> = uids.iter().copied().filter(|&u| u >= recent_from).collect();
        let unseen = messages.iter().position(|m| !m.flags.has(SystemFlags::SEEN));
        let flags = mailbox_flags(&keywords);
        let permanent: Vec<FlagPerm> = if read_only {
            Vec::new()
        } else {
            flags.iter().cloned().map(FlagPerm::Flag).chain([FlagPerm::AnyKeyword]).collect()
        };
        // IMAP4rev2 SELECT tells the mailbox's LIST (RFC 9051 6.3.2).
        let list = if self.modes.imap4rev2 { Some(self.list_item(&name).await?) } else { None };
        let m = imap.machine_mut();
        if let Some(item) = list {
            m.respond(tag, Data::List(item))?;
        }
        m.respond(tag, Data::Flags(flags))?;
        m.respond_status(tag, StatusKind::Ok, Some(Code::PermanentFlags(permanent)), "Flags permitted.")?;
        m.respond(tag, Data::Exists(uids.len() as u32))?;
        if !self.modes.imap4rev2 {
            // RFC 9051 has no RECENT.
            m.respond(tag, Data::Recent(recent.len() as u32))?;
        }
        if let Some(i) = unseen {
            m.respond_status(tag, StatusKind::Ok, Some(Code::Unseen(nz(i as u32 + 1))), "First unseen.")?;
        }
        m.respond_status(tag, StatusKind::Ok, Some(Code::UidValidity(nz(status.uid_validity))), "UIDs valid")?;
        m.respond_status(tag, StatusKind::Ok, Some(Code::UidNext(nz(status.uid_next))), "Predicted next UID")?;
        if self.modes.condstore {
            let code = Code::HighestModSeq(status.highest_modseq);
            m.respond_status(tag, StatusKind::Ok, Some(code), "Highest")?;
        }
        if let Some(q) = qresync.filter(|q| q.uid_validity.get() == status.uid_validity) {
            // RFC 7162 3.2.5.1: what the client missed since its modseq,
            // as VANISHED (EARLIER) and FETCH (UID FLAGS MODSEQ).
            let changes = mailbox.changes(q.modseq).await.map_err(Refusal::from)?;
            let known_max = status.uid_next.saturating_sub(1);
            let known = |uid: u32| q.known_uids.as_ref().map_or(uid <= known_max, |set| set.contains(uid, known_max));
            let vanished = match &changes.expunged {
                Some(list) => {
                    let mut gone: Vec<u32> = list.iter().map(|e| e.uid).filter(|&u| known(u)).collect();
                    gone.sort_unstable();
                    compact(&gone)
                }
                // Forgotten that far back: every known UID that is not here.
                None => absent_uids(q.known_uids.as_ref(), known_max, &uids),
            };
            if let Some(set) = vanished {
                m.respond(tag, Data::Vanished { earlier: true, uids: set })?;
            }
            let modes = self.modes;
            for meta in changes.changed.iter().filter(|meta| known(meta.uid)) {
                let Ok(i) = uids.binary_search(&meta.uid) else { continue };
                let attributes = modes.flag_update(meta, recent.contains(&meta.uid), true);
                m.respond(tag, Data::Fetch { seq: nz(i as u32 + 1), attributes })?;
            }
        }
        let subscription = mailbox.subscribe();
        self.selected = Some(Box::new(Selected {
            mailbox,
            name,
            read_only,
            validity: status.uid_validity,
            uids,
            modseq: status.highest_modseq,
            recent,
            expunged: HashMap::new(),
            keywords,
            own: HashMap::new(),
            subscription,
            contexts: Vec::new(),
            contexts_modseq: 0,
            saved: Vec::new(),
        }));
        let code = if read_only { Code::ReadOnly } else { Code::ReadWrite };
        Ok((Some(code), if read_only { "Examine completed." } else { "Select completed." }.into()))
    }

    /// The LIST response of one mailbox, as LIST would give it.
    async fn list_item(&self, name: &MailboxName) -> Result<ListItem, Refusal> {
        let delimiter_char = self.service.features.delimiter;
        let infos = self.account()?.list().await.map_err(Refusal::from)?;
        let prefix = format!("{}{}", name.as_str(), delimiter_char);
        let children = infos.iter().any(|i| i.name.as_str().starts_with(&prefix));
        let mut attributes =
            vec![if children { MailboxAttribute::HasChildren } else { MailboxAttribute::HasNoChildren }];
        if let Some(use_) = infos.iter().find(|i| i.name == *name).and_then(|i| i.special_use) {
            attributes.push(special_use_attribute(use_));
        }
        let delimiter = imap_wire::Delimiter::new(delimiter_char).ok();
        Ok(ListItem { attributes, delimiter, mailbox: self.modes.wire(name), extended: Vec::new() })
    }

    pub(crate) async fn create(
        &mut self,
        wire_name: &WireMailbox,
        parameters: &[imap_wire::CreateParameter],
    ) -> Outcome {
        let special = self.special_use_to_create(parameters)?;
        // A trailing delimiter says inferiors will follow; the name is the
        // same.
        let delimiter = self.service.features.delimiter;
        let mut text = self.modes.text(wire_name)?;
        if text.ends_with(delimiter) && text.len() > delimiter.len_utf8() {
            text.pop();
        }
        let name = self.name_from_text(&text)?;
        if name.is_inbox() {
            return Err(StoreError::AlreadyExists.into());
        }
        let account = self.account()?;
        let existing: HashSet<MailboxName> =
            account.list().await.map_err(Refusal::from)?.into_iter().map(|i| i.name).collect();
        if existing.contains(&name) {
            return Err(StoreError::AlreadyExists.into());
        }
        // Superiors are created as needed (RFC 3501 6.3.3).
        for parent in name.ancestors() {
            if !parent.is_inbox() && !existing.contains(&parent) {
                match account.create(&parent, None).await {
                    Ok(()) | Err(StoreError::AlreadyExists) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        account.create(&name, special).await.map_err(|e| match e {
            StoreError::Unsupported => no_code(Code::UseAttr, "The store keeps no special uses"),
            other => Refusal::from(other),
        })?;
        done("Create completed.")
    }

    /// The special use a CREATE asks for (RFC 6154 `USE`): one of those a
    /// mailbox holding its own messages can have; anything else is
    /// refused with USEATTR before anything is created.
    fn special_use_to_create(&self, parameters: &[imap_wire::CreateParameter]) -> Result<Option<SpecialUse>, Refusal> {
        let mut asked = Vec::new();
        for parameter in parameters {
            match parameter {
                imap_wire::CreateParameter::Use(attributes) => asked.extend(attributes),
                imap_wire::CreateParameter::Other(_) => return Err(bad("Unknown CREATE parameter")),
            }
        }
        if asked.is_empty() {
            return Ok(None);
        }
        if !self.service.features.special_use {
            return Err(no_code(Code::UseAttr, "The store keeps no special uses"));
        }
        let [attribute] = asked.as_slice() else {
            return Err(no_code(Code::UseAttr, "One special use per mailbox"));
        };
        match SpecialUse::ALL.into_iter().find(|u| special_use_attribute(*u) == **attribute) {
            // Virtual mailboxes: their messages are other mailboxes'.
            Some(SpecialUse::All | SpecialUse::Flagged) => {
                Err(no_code(Code::UseAttr, "\\All and \\Flagged mailboxes are not offered"))
            }
            Some(special) => Ok(Some(special)),
            None => Err(no_code(Code::UseAttr, "Not a special use")),
        }
    }

    pub(crate) async fn delete(&mut self, wire_name: &WireMailbox) -> Outcome {
        let name = self.name_of(wire_name)?;
        self.account()?.delete(&name).await.map_err(Refusal::from)?;
        done("Delete completed.")
    }

    pub(crate) async fn rename(&mut self, from: &WireMailbox, to: &WireMailbox) -> Outcome {
        let (from, to) = (self.name_of(from)?, self.name_of(to)?);
        if to.is_inbox() {
            return Err(StoreError::AlreadyExists.into());
        }
        self.account()?.rename(&from, &to).await.map_err(Refusal::from)?;
        done("Rename completed.")
    }

    pub(crate) async fn subscribe(&mut self, wire_name: &WireMailbox, on: bool) -> Outcome {
        let name = self.name_of(wire_name)?;
        self.account()?.set_subscribed(&name, on).await.map_err(Refusal::from)?;
        done(if on { "Subscribe completed." } else { "Unsubscribe completed." })
    }

    pub(crate) async fn list(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        reference: &WireMailbox,
        pattern: &IString,
        lsub: bool,
    ) -> Outcome {
        let modes = self.modes;
        let delimiter_char = self.service.features.delimiter;
        let delimiter = imap_wire::Delimiter::new(delimiter_char).ok();
        let respond = |imap: &mut ImapServer, item: ListItem| -> Result<(), Refusal> {
            let data = if lsub { Data::Lsub(item) } else { Data::List(item) };
            imap.machine_mut().respond(tag, data).map_err(Refusal::from)
        };
        if pattern.is_empty() && !lsub {
            // The hierarchy delimiter and root (RFC 3501 6.3.8).
            let item = ListItem {
                attributes: vec![MailboxAttribute::NoSelect],
                delimiter,
                mailbox: WireMailbox::from_wire(Vec::new()),
                extended: Vec::new(),
            };
            respond(imap, item)?;
            return done("List completed.");
        }
        let mut full = reference.as_bytes().to_vec();
        full.extend_from_slice(pattern);
        let matcher = Pattern::new(&full, u8::try_from(delimiter_char).unwrap_or(b'/'));
        let account = self.account()?;
        let infos = account.list().await.map_err(Refusal::from)?;
        let special: HashMap<MailboxName, SpecialUse> =
            infos.iter().filter_map(|i| Some((i.name.clone(), i.special_use?))).collect();
        let existing: BTreeSet<MailboxName> = infos.into_iter().map(|i| i.name).collect();
        let mut listed: Vec<(MailboxName, Vec<MailboxAttribute>)> = Vec::new();
        if lsub {
            let subscriptions: BTreeSet<MailboxName> =
                account.subscriptions().await.map_err(Refusal::from)?.into_iter().collect();
            let mut seen = BTreeSet::new();
            for name in &subscriptions {
                let mut candidates = name.ancestors();
                candidates.push(name.clone());
                for candidate in candidates {
                    if seen.contains(&candidate) || !matcher.matches(modes.wire(&candidate).as_bytes()) {
                        continue;
                    }
                    let noselect = !subscriptions.contains(&candidate);
                    seen.insert(candidate.clone());
                    listed.push((candidate, if noselect { vec![MailboxAttribute::NoSelect] } else { Vec::new() }));
                }
            }
        } else {
            // Every name with its superiors (those that do not exist are
            // \NoSelect), INBOX first.
            let mut all: BTreeSet<MailboxName> = BTreeSet::new();
            for name in &existing {
                all.extend(name.ancestors());
                all.insert(name.clone());
            }
            let names: BTreeSet<&str> = all.iter().map(|n| n.as_str()).collect();
            let has_children = |name: &MailboxName| {
                let prefix = format!("{}{}", name.as_str(), delimiter_char);
                names.range(prefix.as_str()..).next().is_some_and(|n| n.starts_with(&prefix))
            };
            let order = all.iter().filter(|n| n.is_inbox()).chain(all.iter().filter(|n| !n.is_inbox()));
            for name in order {
                if !matcher.matches(modes.wire(name).as_bytes()) {
                    continue;
                }
                let mut attributes = Vec::new();
                if !existing.contains(name) {
                    attributes.push(MailboxAttribute::NoSelect);
                }
                attributes.push(if has_children(name) {
                    MailboxAttribute::HasChildren
                } else {
                    MailboxAttribute::HasNoChildren
                });
                if let Some(use_) = special.get(name) {
                    attributes.push(special_use_attribute(*use_));
                }
                listed.push((name.clone(), attributes));
            }
        }
        for (name, attributes) in listed {
            respond(imap, ListItem { attributes, delimiter, mailbox: modes.wire(&name), extended: Vec::new() })?;
        }
        done(if lsub { "Lsub completed." } else { "List completed." })
    }

    /// LIST with selection options, several patterns or return options
    /// (RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154).
    pub(crate) async fn list_extended(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        selection: &[ListSelectOption],
        reference: &WireMailbox,
        patterns: &[IString],
        return_options: &[ListReturnOption],
    ) -> Outcome {
        let (mut subscribed_only, mut special_only, mut recursive) = (false, false, false);
        for option in selection {
            match option {
                ListSelectOption::Subscribed => subscribed_only = true,
                ListSelectOption::SpecialUse => special_only = true,
                ListSelectOption::RecursiveMatch => recursive = true,
                ListSelectOption::Remote => {}
                ListSelectOption::Other(m) => return Err(bad(format!("Unknown LIST selection option {}", m.name))),
            }
        }
        if recursive && !subscribed_only && !special_only {
            return Err(bad("RECURSIVEMATCH needs another selection option (RFC 5258 3.1)"));
        }
        let (mut want_subscribed, mut want_children, mut want_special, mut status) =
            (subscribed_only, false, true, None);
        for option in return_options {
            match option {
                ListReturnOption::Subscribed => want_subscribed = true,
                ListReturnOption::Children => want_children = true,
                ListReturnOption::SpecialUse => want_special = true,
                ListReturnOption::Status(attributes) => status = Some(attributes.clone()),
                ListReturnOption::Other(m) => return Err(bad(format!("Unknown LIST return option {}", m.name))),
            }
        }
        let modes = self.modes;
        let delimiter_char = self.service.features.delimiter;
        let delimiter = imap_wire::Delimiter::new(delimiter_char).ok();
        let delimiter_byte = u8::try_from(delimiter_char).unwrap_or(b'/');
        // An empty pattern is not special here: it matches nothing.
        let matchers: Vec<Pattern> = patterns
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                let mut full = reference.as_bytes().to_vec();
                full.extend_from_slice(p);
                Pattern::new(&full, delimiter_byte)
            })
            .collect();
        let matches = |name: &MailboxName| {
            let wire_name = modes.wire(name);
            matchers.iter().any(|m| m.matches(wire_name.as_bytes()))
        };
        let account = self.account()?;
        let infos = account.list().await.map_err(Refusal::from)?;
        let special: HashMap<MailboxName, SpecialUse> =
            infos.iter().filter_map(|i| Some((i.name.clone(), i.special_use?))).collect();
        let existing: BTreeSet<MailboxName> = infos.into_iter().map(|i| i.name).collect();
        let subscriptions: BTreeSet<MailboxName> = if want_subscribed {
            account.subscriptions().await.map_err(Refusal::from)?.into_iter().collect()
        } else {
            BTreeSet::new()
        };
        // Every name that exists, is subscribed, or is a superior of one.
        let mut all: BTreeSet<MailboxName> = BTreeSet::new();
        for name in existing.iter().chain(&subscriptions) {
            all.extend(name.ancestors());
            all.insert(name.clone());
        }
        let meets = |name: &MailboxName| {
            (!subscribed_only || subscriptions.contains(name))
                && (!special_only || special.contains_key(name))
                && (subscribed_only || special_only || existing.contains(name) || name.is_inbox())
        };
        let names: BTreeSet<&str> = all.iter().map(|n| n.as_str()).collect();
        let descendants = |name: &MailboxName| {
            let prefix = format!("{}{}", name.as_str(), delimiter_char);
            all.range(name.clone()..)
                .skip_while(|n| !n.as_str().starts_with(&prefix))
                .take_while(|n| n.as_str().starts_with(&prefix))
                .cloned()
                .collect::<Vec<_>>()
        };
        let has_children = |name: &MailboxName| {
            let prefix = format!("{}{}", name.as_str(), delimiter_char);
            names.range(prefix.as_str()..).next().is_some_and(|n| n.starts_with(&prefix))
        };
        let mut criteria = Vec::new();
        if subscribed_only {
            criteria.push(IString::from("SUBSCRIBED"));
        }
        if special_only {
            criteria.push(IString::from("SPECIAL-USE"));
        }
        let order = all.iter().filter(|n| n.is_inbox()).chain(all.iter().filter(|n| !n.is_inbox()));
        let mut listed: Vec<(MailboxName, ListItem)> = Vec::new();
        for name in order {
            if !matches(name) {
                continue;
            }
            let mut extended = Vec::new();
            if !meets(name) {
                // RECURSIVEMATCH: a superior whose matching descendant
                // is not itself listed (RFC 5258 3.5).
                let unlisted_child = recursive && descendants(name).iter().any(|d| meets(d) && !matches(d));
                if !unlisted_child {
                    continue;
                }
                extended.push(imap_wire::ListExtendedItem::ChildInfo(criteria.clone()));
            }
            let mut attributes = Vec::new();
            if !existing.contains(name) && !name.is_inbox() {
                attributes.push(MailboxAttribute::NonExistent);
            }
            if want_subscribed && subscriptions.contains(name) {
                attributes.push(MailboxAttribute::Subscribed);
            }
            if want_children {
                attributes.push(if has_children(name) {
                    MailboxAttribute::HasChildren
                } else {
                    MailboxAttribute::HasNoChildren
                });
            }
            if let (true, Some(use_)) = (want_special, special.get(name)) {
                attributes.push(special_use_attribute(*use_));
            }
            listed.push((name.clone(), ListItem { attributes, delimiter, mailbox: modes.wire(name), extended }));
        }
        for (name, item) in listed {
            imap.machine_mut().respond(tag, Data::List(item))?;
            if let Some(attributes) = &status {
                if existing.contains(&name) || name.is_inbox() {
                    // A mailbox that went away meanwhile has no STATUS.
                    let _ = self.status(imap, tag, &modes.wire(&name), attributes).await;
                }
            }
        }
        done("List completed.")
    }

    pub(crate) async fn status(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        wire_name: &WireMailbox,
        attributes: &[StatusAttribute],
    ) -> Outcome {
        let name = self.name_of(wire_name)?;
        let mailbox = self.account()?.open(&name).await.map_err(Refusal::from)?;
        let status = mailbox.status().await.map_err(Refusal::from)?;
        let mut items = Vec::new();
        for attribute in attributes {
            let value = match attribute {
                StatusAttribute::Messages => u64::from(status.messages),
                StatusAttribute::Recent => u64::from(status.recent),
                StatusAttribute::UidNext => u64::from(status.uid_next),
                StatusAttribute::UidValidity => u64::from(status.uid_validity),
                StatusAttribute::Unseen => u64::from(status.unseen),
                StatusAttribute::Size => status.size,
                StatusAttribute::Deleted => u64::from(status.deleted),
                StatusAttribute::HighestModSeq if self.service.features.persistent_modseq => status.highest_modseq,
                other => return Err(bad(format!("Unknown STATUS item {}", other.name()))),
            };
            items.push(StatusItem::number(attribute.clone(), value));
        }
        imap.machine_mut().respond(tag, Data::Status { mailbox: wire_name.clone(), items })?;
        done("Status completed.")
    }

    /// Checks an APPEND and opens the store's upload.
    pub(crate) async fn begin_append(
        &mut self,
        wire_name: &WireMailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        size: u64,
    ) -> Result<PendingAppend<S>, Refusal> {
        let name = self.name_of(wire_name)?;
        let flags = store_flags(flags)?;
        let mailbox = self.account()?.open(&name).await.map_err(try_create)?;
        // As announced (the stored size is checked again at the end).
        self.check_quota(size).await?;
        let validity = mailbox.status().await.map_err(Refusal::from)?.uid_validity;
        let upload = mailbox.begin_append(flags, date.as_ref().map(unix_time), size).await.map_err(Refusal::from)?;
        let converter = crate::mime::BinaryConverter::new(self.service.config.mime);
        Ok(PendingAppend { upload, validity, size: 0, converter })
    }

    pub(crate) async fn close(&mut self, expunge: bool) -> Outcome {
        let Some(selected) = self.selected.take() else { return Err(bad("No mailbox selected")) };
        if expunge && !selected.read_only {
            selected.mailbox.expunge(None).await.map_err(Refusal::from)?;
        }
        done(if expunge { "Close completed." } else { "Unselect completed." })
    }

    pub(crate) async fn expunge(&mut self, set: Option<&SequenceSet>) -> Outcome {
        let selected = self.selected.as_ref().ok_or_else(|| bad("No mailbox selected"))?;
        if selected.read_only {
            return Err(no("Mailbox is read-only."));
        }
        let uids = match set {
            Some(set) => Some(selected.resolve(set, true)?.into_iter().map(|p| selected.uids[p]).collect::<Vec<_>>()),
            None => None,
        };
        selected.mailbox.expunge(uids.as_deref()).await.map_err(Refusal::from)?;
        done("Expunge completed.")
    }

    pub(crate) async fn copy(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        set: &SequenceSet,
        target: &WireMailbox,
        moving: bool,
    ) -> Outcome {
        let target = self.name_of(target)?;
        let selected = self.selected.as_ref().ok_or_else(|| bad("No mailbox selected"))?;
        if moving && selected.read_only {
            return Err(no("Mailbox is read-only."));
        }
        let positions = selected.resolve(set, uid)?;
        let uids: Vec<u32> =
            positions.iter().map(|&p| selected.uids[p]).filter(|u| !selected.expunged.contains_key(u)).collect();
        let destination = self.account()?.open(&target).await.map_err(try_create)?;
        if uids.is_empty() {
            return done(if moving { "No messages moved." } else { "No messages copied." });
        }
        if !moving {
            let sizes = selected.mailbox.messages_by_uid(&uids).await.map_err(Refusal::from)?;
            self.check_quota(sizes.iter().map(|m| m.size).sum()).await?;
        }
        let selected = self.selected.as_ref().ok_or_else(|| bad("No mailbox selected"))?;
        let (validity, pairs) = if moving && self.service.features.atomic_move {
            selected.mailbox.move_to(&uids, &destination).await.map_err(Refusal::from)?
        } else {
            selected.mailbox.copy_to(&uids, &destination).await.map_err(Refusal::from)?
        };
        let (from, to): (Vec<u32>, Vec<u32>) = pairs.iter().copied().unzip();
        let code = match (compact(&from), compact(&to)) {
            (Some(source), Some(destination)) => {
                Some(Code::CopyUid { uid_validity: nz(validity), source, destination })
            }
            _ => None,
        };
        if !moving {
            return Ok((code, "Copy completed.".into()));
        }
        imap.machine_mut().respond_status(tag, StatusKind::Ok, code, "Moved UIDs.")?;
        if !self.service.features.atomic_move {
            let deleted = Flags::system_only(SystemFlags::DELETED);
            let mut moved = from;
            moved.sort_unstable();
            selected.mailbox.store_flags(&moved, FlagOp::Add, &deleted, None).await.map_err(Refusal::from)?;
            selected.mailbox.expunge(Some(&moved)).await.map_err(Refusal::from)?;
        }
        done("Move completed.")
    }
}

/// The UIDs of `set` (`None`: 1 to `largest`) that are not in `present`
/// (sorted), as a set of ranges: what a client is told vanished when the
/// store no longer remembers when (RFC 7162 3.2.5.1 and 3.2.6). Its size
/// grows with the messages present, not with the UIDs named.
pub(crate) fn absent_uids(set: Option<&SequenceSet>, largest: u32, present: &[u32]) -> Option<SequenceSet> {
    use imap_wire::{SeqNumber, SeqRange};
    let value = |n: &SeqNumber| match n {
        SeqNumber::Value(v) => v.get(),
        SeqNumber::Largest => largest,
    };
    let mut wanted: Vec<(u32, u32)> = match set {
        Some(set) => set
            .ranges()
            .iter()
            .filter_map(|r| match r {
                SeqRange::Single(n) => Some((value(n), value(n))),
                SeqRange::Range(a, b) => Some((value(a).min(value(b)), value(a).max(value(b)))),
                SeqRange::Saved => None,
            })
            .filter(|&(a, _)| a > 0)
            .collect(),
        None if largest > 0 => vec![(1, largest)],
        None => Vec::new(),
    };
    wanted.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (a, b) in wanted {
        match merged.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut out = Vec::new();
    for (a, b) in merged {
        // u64: the range may end at the largest UID.
        let mut next = u64::from(a);
        let start = present.partition_point(|&u| u < a);
        for &u in present[start..].iter().take_while(|&&u| u <= b) {
            if next < u64::from(u) {
                out.push((next as u32, u - 1));
            }
            next = u64::from(u) + 1;
        }
        if next <= u64::from(b) {
            out.push((next as u32, b));
        }
    }
    let ranges: Vec<SeqRange> = out
        .into_iter()
        .map(|(a, b)| {
            if a == b {
                SeqRange::Single(SeqNumber::Value(nz(a)))
            } else {
                SeqRange::Range(SeqNumber::Value(nz(a)), SeqNumber::Value(nz(b)))
            }
        })
        .collect();
    SequenceSet::new(ranges).ok()
}
