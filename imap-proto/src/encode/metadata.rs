//! METADATA (RFC 5464): commands and responses.

use super::{Encode, Encoder};
use crate::types::*;

fn entry_values(e: &mut Encoder<'_>, entries: &[(IString, Option<IString>)]) {
    e.paren(entries, |e, (entry, value)| {
        e.astring(entry);
        e.sp();
        match value {
            // Values may be binary (RFC 5464 allows literal8).
            Some(v) if v.contains(&0) => e.literal_or_literal8(v),
            _ => e.nstring(value),
        }
    });
}

pub(super) fn command(e: &mut Encoder<'_>, body: &CommandBody) {
    match body {
        CommandBody::GetMetadata { options, mailbox, entries } => {
            e.raw(b"GETMETADATA ");
            if !options.is_empty() {
                e.paren(options, |e, o| match o {
                    MetadataOption::MaxSize(n) => {
                        e.raw(b"MAXSIZE ");
                        e.number(*n as u64);
                    }
                    MetadataOption::Depth(d) => e.raw(match d {
                        MetadataDepth::Zero => b"DEPTH 0",
                        MetadataDepth::One => b"DEPTH 1",
                        MetadataDepth::Infinity => b"DEPTH infinity",
                    }),
                    MetadataOption::Other(m) => e.modifier(m),
                });
                e.sp();
            }
            mailbox.encode(e);
            e.sp();
            match &entries[..] {
                [one] => e.astring(one),
                // None cannot be written: ask for the root of the tree.
                [] => e.raw(b"/"),
                many => e.paren(many, |e, entry| e.astring(entry)),
            }
        }
        CommandBody::SetMetadata { mailbox, entries } => {
            e.raw(b"SETMETADATA ");
            mailbox.encode(e);
            e.sp();
            entry_values(e, entries);
        }
        _ => {}
    }
}

pub(super) fn data(e: &mut Encoder<'_>, data: &Data) {
    if let Data::Metadata { mailbox, entries } = data {
        e.raw(b"METADATA ");
        mailbox.encode(e);
        e.sp();
        match entries {
            MetadataEntries::Values(values) => entry_values(e, values),
            MetadataEntries::Changed(names) => e.join(names, |e, n| e.astring(n)),
        }
    }
}
