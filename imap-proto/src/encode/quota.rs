//! QUOTA (RFC 9208): commands and responses.

use super::Encoder;
use crate::types::*;

pub(super) fn command(e: &mut Encoder<'_>, body: &CommandBody) {
    match body {
        CommandBody::GetQuota(root) => {
            e.raw(b"GETQUOTA ");
            e.astring(root);
        }
        CommandBody::GetQuotaRoot(mailbox) => {
            e.raw(b"GETQUOTAROOT ");
            super::Encode::encode(mailbox, e);
        }
        CommandBody::SetQuota { root, limits } => {
            e.raw(b"SETQUOTA ");
            e.astring(root);
            e.sp();
            e.paren(limits, |e, (resource, limit)| {
                e.raw(resource.name().as_bytes());
                e.sp();
                e.number(*limit);
            });
        }
        _ => {}
    }
}

pub(super) fn data(e: &mut Encoder<'_>, data: &Data) {
    match data {
        Data::Quota { root, resources } => {
            e.raw(b"QUOTA ");
            e.astring(root);
            e.sp();
            e.paren(resources, |e, r| {
                e.raw(r.resource.name().as_bytes());
                e.sp();
                e.number(r.usage);
                e.sp();
                e.number(r.limit);
            });
        }
        Data::QuotaRoot { mailbox, roots } => {
            e.raw(b"QUOTAROOT ");
            super::Encode::encode(mailbox, e);
            for root in roots {
                e.sp();
                e.astring(root);
            }
        }
        _ => {}
    }
}
