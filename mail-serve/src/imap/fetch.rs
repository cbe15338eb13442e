//! FETCH and STORE (RFC 3501 6.4.5, 6.4.6; BINARY, RFC 3516). Each
//! message's response is written as it is produced: attributes from the
//! metadata and the cached MIME structure, sections streamed from the
//! store as literals, a piece at a time with a flush after each, so memory
//! does not grow with message size or with how often a section is named.

use std::num::NonZeroU32;
use std::sync::Arc;

use imap_wire::{
    Code, Data, FetchAttribute, FetchItems, FetchModifier, LiteralAttribute, MessageAttribute, Section, SectionText,
    SequenceSet, StoreAction, StoreModifier, Tag,
};
use mail_codec::ImapServer;

use super::content::{Encoding, Producer, Source, WireReader, CHUNK};
use super::session::Session;
use super::util::{
    bad, compact, done, flag_list, internal_date, mailbox_flags, no, no_code, nz, store_flags, Outcome, Refusal,
};
use crate::mime::{body, SectionBytes, Structure};
use crate::store::{Account, FlagOp, Flags, Mailbox, MessageMeta, Store, StoreError, SystemFlags};

/// Messages whose metadata is asked for at once.
const META_BATCH: usize = 512;

type MailboxOf<S> = <<S as Store>::Account as Account>::Mailbox;

/// A FETCH literal to stream.
struct Literal {
    item: LiteralAttribute,
    source: Source,
    /// (origin, length) of a partial fetch.
    partial: Option<(u32, u32)>,
}

fn needs_structure(a: &FetchAttribute) -> bool {
    match a {
        FetchAttribute::Envelope
        | FetchAttribute::Body
        | FetchAttribute::BodyStructure
        | FetchAttribute::Rfc822Header
        | FetchAttribute::Rfc822Text
        | FetchAttribute::Binary { .. }
        | FetchAttribute::BinarySize { .. } => true,
        FetchAttribute::BodySection { section, .. } => !section.part.is_empty() || section.text.is_some(),
        _ => false,
    }
}

fn sets_seen(a: &FetchAttribute) -> bool {
    matches!(
        a,
        FetchAttribute::BodySection { peek: false, .. }
            | FetchAttribute::Binary { peek: false, .. }
            | FetchAttribute::Rfc822
            | FetchAttribute::Rfc822Text
    )
}

pub(crate) fn section_source(structure: Option<&Structure>, size: u64, section: &Section) -> Source {
    let whole = section.part.is_empty() && section.text.is_none();
    let Some(structure) = structure else {
        return if whole { Source::Range(0..size) } else { Source::Empty };
    };
    match structure.section(section) {
        SectionBytes::Range(r) => Source::Range(r),
        SectionBytes::Fields { header, names, not } => Source::Fields { header, names, not },
        SectionBytes::Empty => Source::Empty,
    }
}

impl<S: Store> Session<S> {
    /// The MIME structure of a message: from the server's cache, or found
    /// by one streaming pass over the message.
    pub(crate) async fn structure(
        &self,
        mailbox: &MailboxOf<S>,
        validity: u32,
        meta: &MessageMeta,
    ) -> Result<Arc<Structure>, StoreError> {
        let name = self.selected.as_ref().map(|s| s.name.as_str().to_string()).unwrap_or_default();
        self.structure_in(mailbox, name, validity, meta).await
    }

    /// [`Self::structure`] of a message of any mailbox, named so.
    pub(crate) async fn structure_in(
        &self,
        mailbox: &MailboxOf<S>,
        name: String,
        validity: u32,
        meta: &MessageMeta,
    ) -> Result<Arc<Structure>, StoreError> {
        let key = (self.user.clone(), name, validity, meta.uid);
        if let Some(s) = self.service.cache.get(&key) {
            return Ok(s);
        }
        let content = mailbox.open(meta.uid).await?;
        let mut reader = WireReader::new(content, meta.size);
        let mut scanner = crate::mime::Scanner::new(self.service.config.mime);
        let mut at = 0;
        loop {
            let piece = reader.read(at).await?;
            if piece.is_empty() {
                break;
            }
            at += piece.len() as u64;
            scanner.feed(&piece);
            // Other sessions run between pieces of a long scan.
            tokio::task::yield_now().await;
        }
        let structure = Arc::new(scanner.finish());
        self.service.cache.insert(key, structure.clone());
        Ok(structure)
    }

    /// Sends FLAGS when these flags hold keywords the client was not told
    /// of, before any response uses them.
    pub(crate) fn announce_keywords<'a>(
        &mut self,
        imap: &mut ImapServer,
        flags: impl Iterator<Item = &'a Flags>,
    ) -> Result<(), Refusal> {
        let Some(selected) = &mut self.selected else { return Ok(()) };
        let mut new = false;
        for f in flags {
            for k in f.keywords() {
                if !selected.keywords.contains(k) {
                    selected.keywords.insert(k.clone());
                    new = true;
                }
            }
        }
        if new {
            imap.machine_mut().update(Data::Flags(mailbox_flags(&selected.keywords)))?;
        }
        Ok(())
    }

    pub(crate) async fn fetch(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        set: &SequenceSet,
        items: &FetchItems,
        modifiers: &[FetchModifier],
    ) -> Outcome {
        let modseqs = self.service.features.persistent_modseq;
        let (mut changed_since, mut vanished) = (None, false);
        for modifier in modifiers {
            match modifier {
                FetchModifier::ChangedSince(n) if modseqs => changed_since = Some(*n),
                FetchModifier::Vanished if modseqs => vanished = true,
                _ => return Err(bad("Unsupported FETCH modifier")),
            }
        }
        if vanished && (!uid || changed_since.is_none()) {
            // RFC 7162 3.2.6.
            return Err(bad("VANISHED needs UID FETCH and CHANGEDSINCE"));
        }
        let selected = self.selected.as_ref().ok_or_else(|| bad("No mailbox selected"))?;
        let positions = selected.resolve(set, uid)?;
        let mut attributes = items.expand();
        if uid && !attributes.contains(&FetchAttribute::Uid) {
            attributes.insert(0, FetchAttribute::Uid);
        }
        if changed_since.is_some() && !attributes.contains(&FetchAttribute::ModSeq) {
            attributes.push(FetchAttribute::ModSeq);
        }
        if let (true, Some(since)) = (vanished, changed_since) {
            // Before any FETCH (RFC 7162 3.2.6): what of the set went since.
            let changes = selected.mailbox.changes(since).await.map_err(Refusal::from)?;
            let largest = selected.uids.last().copied().unwrap_or(0);
            let gone = match changes.expunged {
                Some(list) => {
                    let mut gone: Vec<u32> = list.iter().map(|e| e.uid).filter(|&u| set.contains(u, largest)).collect();
                    gone.sort_unstable();
                    compact(&gone)
                }
                None => super::mailboxes::absent_uids(Some(set), largest, &selected.uids),
            };
            if let Some(uids) = gone {
                imap.machine_mut().respond(tag, Data::Vanished { earlier: true, uids })?;
            }
        }
        for a in &attributes {
            use FetchAttribute as F;
            let supported = matches!(
                a,
                F::Envelope
                    | F::Flags
                    | F::InternalDate
                    | F::Rfc822
                    | F::Rfc822Header
                    | F::Rfc822Size
                    | F::Rfc822Text
                    | F::Body
                    | F::BodyStructure
                    | F::Uid
                    | F::BodySection { .. }
                    | F::Binary { .. }
                    | F::BinarySize { .. }
            ) || (modseqs && *a == F::ModSeq)
                || (self.service.features.save_date && *a == F::SaveDate);
            if !supported {
                return Err(bad(format!("Unknown FETCH item {}", a.name())));
            }
            if let F::Binary { part, .. } | F::BinarySize { part } = a {
                if part.is_empty() && matches!(a, F::BinarySize { .. }) {
                    // BINARY.SIZE[] is the message's size.
                }
            }
        }
        let structure_needed = attributes.iter().any(needs_structure);
        let seen = !selected.read_only && attributes.iter().any(sets_seen);
        let validity = selected.validity;
        let mut missing = false;
        let mut unflushed = 0u64;
        for batch in positions.chunks(META_BATCH) {
            let selected = self.selected.as_ref().ok_or_else(|| bad("No mailbox selected"))?;
            let mut uids: Vec<u32> = batch.iter().map(|&p| selected.uids[p]).collect();
            uids.retain(|u| !selected.expunged.contains_key(u));
            let mut metas = selected.mailbox.messages_by_uid(&uids).await.map_err(Refusal::from)?;
            missing |= metas.len() < batch.len();
            if let Some(since) = changed_since {
                metas.retain(|m| m.modseq > since);
            }
            let mut flags_changed = std::collections::HashSet::new();
            if seen {
                let unseen: Vec<u32> =
                    metas.iter().filter(|m| !m.flags.has(SystemFlags::SEEN)).map(|m| m.uid).collect();
                if !unseen.is_empty() {
                    let seen_flag = Flags::system_only(SystemFlags::SEEN);
                    let (updated, _) = selected
                        .mailbox
                        .store_flags(&unseen, FlagOp::Add, &seen_flag, None)
                        .await
                        .map_err(Refusal::from)?;
                    for m in updated {
                        if let Ok(i) = metas.binary_search_by_key(&m.uid, |x| x.uid) {
                            flags_changed.insert(m.uid);
                            metas[i] = m;
                        }
                    }
                }
            }
            self.announce_keywords(imap, metas.iter().map(|m| &m.flags))?;
            for (n, meta) in metas.into_iter().enumerate() {
                if n % 64 == 63 {
                    // The responses so far go out: memory stays flat for a
                    // FETCH of any number of messages.
                    imap.flush()
                        .await
                        .map_err(|e| Refusal::from(StoreError::Io(std::io::Error::other(e.to_string()))))?;
                }
                let changed = flags_changed.contains(&meta.uid);
                if let Some(selected) = &mut self.selected {
                    if changed {
                        selected.own.insert(meta.uid, meta.modseq);
                    }
                }
                match self
                    .fetch_one(imap, tag, &attributes, &meta, validity, structure_needed, changed, &mut unflushed)
                    .await
                {
                    Ok(()) => {}
                    Err(StoreError::NoSuchMessage) => missing = true,
                    Err(e) => return Err(Refusal::from(e)),
                }
            }
        }
        if missing {
            return Err(no_code(Code::ExpungeIssued, "Some of the requested messages no longer exist."));
        }
        done("Fetch completed.")
    }

    /// One message's FETCH response.
    #[allow(clippy::too_many_arguments)]
    async fn fetch_one(
        &self,
        imap: &mut ImapServer,
        tag: &Tag,
        attributes: &[FetchAttribute],
        meta: &MessageMeta,
        validity: u32,
        structure_needed: bool,
        flags_changed: bool,
        unflushed: &mut u64,
    ) -> Result<(), StoreError> {
        let Some(selected) = &self.selected else { return Ok(()) };
        let seq = match selected.seq_of(meta.uid) {
            Some(s) => nz(s),
            None => return Ok(()),
        };
        let structure =
            if structure_needed { Some(self.structure(&selected.mailbox, validity, meta).await?) } else { None };
        let recent = selected.recent.contains(&meta.uid);
        let mut plain: Vec<MessageAttribute> = Vec::new();
        let mut literals: Vec<(usize, Literal)> = Vec::new();
        for a in attributes {
            let value = match a {
                FetchAttribute::Flags => MessageAttribute::Flags(flag_list(&meta.flags, recent)),
                FetchAttribute::Uid => MessageAttribute::Uid(nz(meta.uid)),
                FetchAttribute::ModSeq => MessageAttribute::ModSeq(meta.modseq),
                FetchAttribute::InternalDate => match internal_date(meta.internal_date) {
                    Some(d) => MessageAttribute::InternalDate(d),
                    None => continue,
                },
                // NIL when the store cannot tell (RFC 8514 3).
                FetchAttribute::SaveDate => MessageAttribute::SaveDate(meta.save_date.and_then(internal_date)),
                FetchAttribute::Rfc822Size => {
                    MessageAttribute::Rfc822Size(u32::try_from(meta.size).unwrap_or(u32::MAX))
                }
                FetchAttribute::Envelope => MessageAttribute::Envelope(Box::new(
                    structure.as_deref().map(body::message_envelope).unwrap_or_default(),
                )),
                FetchAttribute::Body | FetchAttribute::BodyStructure => {
                    let extensible = matches!(a, FetchAttribute::BodyStructure);
                    let Some(s) = structure.as_deref() else { continue };
                    let b = Box::new(body::body_structure(s, extensible));
                    if extensible {
                        MessageAttribute::BodyStructure(b)
                    } else {
                        MessageAttribute::Body(b)
                    }
                }
                FetchAttribute::BinarySize { part } => {
                    let source = binary_source(structure.as_deref(), meta.size, part)
                        .map_err(|_| StoreError::NotAllowed("Unknown Content-Transfer-Encoding"))?;
                    let (size, _) = self.measure(&selected.mailbox, meta, &source).await?;
                    MessageAttribute::BinarySize { part: part.clone(), size: u32::try_from(size).unwrap_or(u32::MAX) }
                }
                _ => {
                    let literal = match a {
                        FetchAttribute::Rfc822 => Literal {
                            item: LiteralAttribute::Rfc822,
                            source: Source::Range(0..meta.size),
                            partial: None,
                        },
                        FetchAttribute::Rfc822Header | FetchAttribute::Rfc822Text => {
                            let text = if matches!(a, FetchAttribute::Rfc822Header) {
                                SectionText::Header
                            } else {
                                SectionText::Text
                            };
                            let section = Section { part: Vec::new(), text: Some(text) };
                            let item = if matches!(a, FetchAttribute::Rfc822Header) {
                                LiteralAttribute::Rfc822Header
                            } else {
                                LiteralAttribute::Rfc822Text
                            };
                            Literal {
                                item,
                                source: section_source(structure.as_deref(), meta.size, &section),
                                partial: None,
                            }
                        }
                        FetchAttribute::BodySection { section, partial, .. } => Literal {
                            item: LiteralAttribute::BodySection { section: section.clone(), origin: None },
                            source: section_source(structure.as_deref(), meta.size, section),
                            partial: partial.map(|p| (p.origin, p.length.get())),
                        },
                        FetchAttribute::Binary { part, partial, .. } => {
                            let source = binary_source(structure.as_deref(), meta.size, part)
                                .map_err(|_| StoreError::NotAllowed("Unknown Content-Transfer-Encoding"))?;
                            Literal {
                                item: LiteralAttribute::Binary { part: part.clone(), origin: None },
                                source,
                                partial: partial.map(|p| (p.origin, p.length.get())),
                            }
                        }
                        _ => continue,
                    };
                    literals.push((plain.len(), literal));
                    continue;
                }
            };
            plain.push(value);
        }
        if flags_changed && !attributes.contains(&FetchAttribute::Flags) {
            plain.push(MessageAttribute::Flags(flag_list(&meta.flags, recent)));
        }
        // RFC 7162 3.1 and 3.2.4: a flag change this FETCH made carries its
        // modseq (and UID with QRESYNC).
        if flags_changed && self.modes.qresync && !attributes.contains(&FetchAttribute::Uid) {
            plain.push(MessageAttribute::Uid(nz(meta.uid)));
        }
        if flags_changed && self.modes.condstore && !attributes.contains(&FetchAttribute::ModSeq) {
            plain.push(MessageAttribute::ModSeq(meta.modseq));
        }
        let machine = |e: imap_wire::server::ServerError| StoreError::Io(std::io::Error::other(e.to_string()));
        // Everything that can fail is done before the response starts:
        // the message opened, the sizes of the literals known.
        let mut reader = None;
        let mut sized = Vec::with_capacity(literals.len());
        if !literals.is_empty() {
            let content = selected.mailbox.open(meta.uid).await?;
            let reader = reader.insert(WireReader::new(content, meta.size));
            for (before, literal) in literals {
                let (size, nul) = match Producer::new(literal.source.clone()).known_size() {
                    Some(size) => (size, false),
                    None => measure_with(reader, &literal.source).await?,
                };
                sized.push((before, literal, size, nul));
            }
        }
        imap.machine_mut().begin_fetch(tag, seq).map_err(machine)?;
        let mut next_plain = 0;
        let mut intact = true;
        for (before, literal, size, nul) in sized {
            while next_plain < before {
                imap.machine_mut().fetch_attribute(&plain[next_plain]).map_err(machine)?;
                next_plain += 1;
            }
            let Some(reader) = reader.as_mut() else { continue };
            intact &= self.send_literal(imap, reader, literal, size, nul, unflushed).await?;
        }
        for a in &plain[next_plain..] {
            imap.machine_mut().fetch_attribute(a).map_err(machine)?;
        }
        imap.machine_mut().end_fetch().map_err(machine)?;
        if !intact {
            return Err(StoreError::Io(std::io::Error::other("the message could not be read whole")));
        }
        Ok(())
    }

    /// The size of a source's output and whether it holds NUL (one pass).
    async fn measure(
        &self,
        mailbox: &MailboxOf<S>,
        meta: &MessageMeta,
        source: &Source,
    ) -> Result<(u64, bool), StoreError> {
        let producer = Producer::new(source.clone());
        if let Some(size) = producer.known_size() {
            if !matches!(source, Source::Decoded { .. }) {
                return Ok((size, false));
            }
        }
        let content = mailbox.open(meta.uid).await?;
        let mut reader = WireReader::new(content, meta.size);
        measure_with(&mut reader, source).await
    }

    /// Streams one literal of `size` bytes (before any partial). A read
    /// that fails part way is padded to the announced length, so that the
    /// connection stays in step; `false` then.
    async fn send_literal<C: crate::store::Content>(
        &self,
        imap: &mut ImapServer,
        reader: &mut WireReader<C>,
        literal: Literal,
        size: u64,
        nul: bool,
        unflushed: &mut u64,
    ) -> Result<bool, StoreError> {
        let machine = |e: imap_wire::server::ServerError| StoreError::Io(std::io::Error::other(e.to_string()));
        let io = |e: mail_codec::Error| StoreError::Io(std::io::Error::other(e.to_string()));
        let (start, length) = match literal.partial {
            Some((origin, length)) => {
                let start = u64::from(origin).min(size);
                (start, u64::from(length).min(size - start))
            }
            None => (0, size),
        };
        let item = match (literal.item, literal.partial) {
            (LiteralAttribute::BodySection { section, .. }, Some((origin, _))) => {
                LiteralAttribute::BodySection { section, origin: Some(origin) }
            }
            (LiteralAttribute::Binary { part, .. }, Some((origin, _))) => {
                LiteralAttribute::Binary { part, origin: Some(origin) }
            }
            (item, _) => item,
        };
        imap.machine_mut().begin_fetch_literal(&item, length, nul).map_err(machine)?;
        let mut producer = Producer::new(literal.source);
        let mut skip = start;
        if producer.skip_range(start) {
            skip = 0;
        }
        let mut sent = 0u64;
        let mut intact = true;
        while sent < length {
            let mut piece = match producer.next(reader).await {
                Ok(Some(piece)) => piece,
                Ok(None) => break,
                Err(_) => {
                    intact = false;
                    break;
                }
            };
            if skip > 0 {
                let drop = (skip as usize).min(piece.len());
                piece.drain(..drop);
                skip -= drop as u64;
            }
            piece.truncate((length - sent) as usize);
            if piece.is_empty() {
                continue;
            }
            if !nul && memchr::memchr(0, &piece).is_some() {
                // A literal cannot carry NUL (RFC 3501 9, CHAR8): stored
                // mail that holds one gets 0x80 in its place in BODY[],
                // as Dovecot does; BINARY[] sends literal8 instead.
                piece.iter_mut().filter(|b| **b == 0).for_each(|b| *b = 0x80);
            }
            sent += piece.len() as u64;
            imap.machine_mut().body_data(&piece).map_err(machine)?;
            *unflushed += piece.len() as u64;
            if *unflushed >= CHUNK as u64 {
                // What was produced goes out as it is read: memory stays
                // at about one piece, however large the literal or many
                // the sections. Small literals wait for the next flush.
                imap.flush().await.map_err(io)?;
                *unflushed = 0;
            }
        }
        while sent < length {
            // The message is shorter than the store said: pad, so that the
            // literal still has the announced length.
            intact = false;
            let pad = vec![b' '; (length - sent).min(64 * 1024) as usize];
            sent += pad.len() as u64;
            imap.machine_mut().body_data(&pad).map_err(machine)?;
            imap.flush().await.map_err(io)?;
        }
        imap.machine_mut().end_fetch_literal().map_err(machine)?;
        Ok(intact)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        set: &SequenceSet,
        action: StoreAction,
        silent: bool,
        flags: &[imap_wire::Flag],
        modifiers: &[StoreModifier],
    ) -> Outcome {
        let mut unchanged_since = None;
        for modifier in modifiers {
            match modifier {
                StoreModifier::UnchangedSince(n) if self.service.features.persistent_modseq => {
                    unchanged_since = Some(*n)
                }
                _ => return Err(bad("Unsupported STORE modifier")),
            }
        }
        let modes = self.modes;
        let selected = self.selected.as_mut().ok_or_else(|| bad("No mailbox selected"))?;
        let positions = selected.resolve(set, uid)?;
        if selected.read_only {
            return Err(no("Mailbox is read-only."));
        }
        let change = store_flags(flags)?;
        let op = match action {
            StoreAction::Replace => FlagOp::Replace,
            StoreAction::Add => FlagOp::Add,
            StoreAction::Remove => FlagOp::Remove,
        };
        let mut responses = Vec::new();
        let mut missing = false;
        let mut live = Vec::new();
        for &p in &positions {
            let message_uid = selected.uids[p];
            match selected.expunged.get(&message_uid) {
                // Expunged by another session, not yet told to this client:
                // it still gets the flags it asked for (as Dovecot does).
                Some(last) => {
                    missing = true;
                    if let (false, Some(last)) = (silent, last) {
                        let meta = gone_meta(message_uid, last.apply(op, &change), selected.modseq);
                        let attributes = modes.flag_update(&meta, selected.recent.contains(&message_uid), uid);
                        responses.push(Data::Fetch { seq: nz(p as u32 + 1), attributes });
                    }
                }
                None => live.push(message_uid),
            }
        }
        let (updated, skipped) =
            selected.mailbox.store_flags(&live, op, &change, unchanged_since).await.map_err(Refusal::from)?;
        let mut reported: Vec<Flags> = Vec::new();
        if updated.len() + skipped.len() < live.len() {
            // Expunged by another session since this one last looked: it
            // still gets the flags it asked for, from the store's memory
            // of the expunge.
            missing = true;
            let done: std::collections::HashSet<u32> =
                updated.iter().map(|m| m.uid).chain(skipped.iter().copied()).collect();
            let gone: Vec<u32> = live.iter().copied().filter(|u| !done.contains(u)).collect();
            let changes = selected.mailbox.changes(selected.modseq).await.map_err(Refusal::from)?;
            for e in changes.expunged.unwrap_or_default() {
                if gone.binary_search(&e.uid).is_err() {
                    continue;
                }
                selected.expunged.entry(e.uid).or_insert_with(|| e.last_flags.clone());
                let (Some(last), false) = (e.last_flags, silent) else { continue };
                let Some(seq) = selected.seq_of(e.uid) else { continue };
                let applied = last.apply(op, &change);
                let meta = gone_meta(e.uid, applied.clone(), selected.modseq);
                reported.push(applied);
                let attributes = modes.flag_update(&meta, selected.recent.contains(&e.uid), uid);
                responses.push(Data::Fetch { seq: nz(seq), attributes });
            }
        }
        let new_keywords: Vec<_> = updated
            .iter()
            .flat_map(|m| m.flags.keywords().iter())
            .chain(change.keywords())
            .chain(reported.iter().flat_map(|f| f.keywords().iter()))
            .filter(|k| !selected.keywords.contains(*k))
            .cloned()
            .collect();
        if !new_keywords.is_empty() {
            selected.keywords.extend(new_keywords);
            imap.machine_mut().update(Data::Flags(mailbox_flags(&selected.keywords)))?;
        }
        for meta in updated {
            selected.own.insert(meta.uid, meta.modseq);
            // RFC 7162 3.1.3: with UNCHANGEDSINCE the new modseq is told
            // even for .SILENT.
            if silent && unchanged_since.is_none() {
                continue;
            }
            let Some(seq) = selected.seq_of(meta.uid) else { continue };
            let mut attributes = modes.flag_update(&meta, selected.recent.contains(&meta.uid), uid);
            if silent {
                attributes.retain(|a| !matches!(a, MessageAttribute::Flags(_)));
            }
            responses.push(Data::Fetch { seq: nz(seq), attributes });
        }
        responses.sort_by_key(|d| match d {
            Data::Fetch { seq, .. } => seq.get(),
            _ => 0,
        });
        for data in responses {
            imap.machine_mut().respond(tag, data)?;
        }
        if !skipped.is_empty() {
            // RFC 7162 3.1.3: the messages that failed UNCHANGEDSINCE, by
            // number (UIDs for UID STORE).
            let mut failed: Vec<u32> =
                if uid { skipped } else { skipped.iter().filter_map(|&u| selected.seq_of(u)).collect() };
            failed.sort_unstable();
            if let Some(set) = compact(&failed) {
                return Ok((Some(Code::Modified(set)), "Conditional store failed.".into()));
            }
        }
        if missing {
            // Flags of a message that is gone no longer matter: the rest
            // was stored (RFC 5530's code tells the client why).
            return Ok((Some(Code::ExpungeIssued), "Some of the messages no longer exist.".into()));
        }
        done("Store completed.")
    }
}

/// What a STORE tells of a message expunged meanwhile, not yet announced:
/// the flags asked for and, for CONDSTORE, the modseq the session's view
/// is at (the message has no modseq of its own any more).
fn gone_meta(uid: u32, flags: Flags, modseq: u64) -> MessageMeta {
    MessageMeta { uid, flags, size: 0, internal_date: 0, modseq, save_date: None }
}

/// The source of `BINARY[part]`: the part's body decoded; `Err` for an
/// encoding this server cannot decode.
fn binary_source(structure: Option<&Structure>, size: u64, part: &[NonZeroU32]) -> Result<Source, ()> {
    let Some(structure) = structure else { return Ok(Source::Range(0..size)) };
    if part.is_empty() {
        return Ok(Source::Range(0..size));
    }
    let Some((index, _)) = structure.find(part) else { return Ok(Source::Empty) };
    let p = structure.part(index);
    let encoding = Encoding::of(p.fields.encoding.as_deref()).ok_or(())?;
    Ok(Source::Decoded { body: p.body(), encoding })
}

async fn measure_with<C: crate::store::Content>(
    reader: &mut WireReader<C>,
    source: &Source,
) -> Result<(u64, bool), StoreError> {
    let mut producer = Producer::new(source.clone());
    let (mut size, mut nul) = (0u64, false);
    while let Some(piece) = producer.next(reader).await? {
        size += piece.len() as u64;
        nul |= piece.contains(&0);
    }
    Ok((size, nul))
}
