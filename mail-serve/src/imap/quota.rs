//! QUOTA (RFC 9208): one quota root per account, `""`, holding every
//! mailbox, with the STORAGE resource when the store gives the account a
//! limit ([`Account::storage_limit`]). APPEND and COPY past the limit are
//! refused with `NO [OVERQUOTA]` before anything is stored; MOVE changes
//! no usage and is never refused for it. The limit is the store's to set:
//! SETQUOTA is refused.

use imap_wire::{Code, Data, IString, Mailbox as WireMailbox, QuotaResource, QuotaUsage, Tag};
use mail_codec::ImapServer;

use super::session::Session;
use super::util::{done, no_code, Outcome, Refusal};
use crate::store::{Account, Mailbox, Store, StoreError};

impl<S: Store> Session<S> {
    /// The bytes the account's messages take and its limit, when it has
    /// one.
    async fn storage_use(&self) -> Result<Option<(u64, u64)>, Refusal> {
        let account = self.account()?;
        let Some(limit) = account.storage_limit() else { return Ok(None) };
        let mut used = 0u64;
        for info in account.list().await.map_err(Refusal::from)? {
            match account.open(&info.name).await {
                Ok(mailbox) => used = used.saturating_add(mailbox.status().await.map_err(Refusal::from)?.size),
                // Deleted meanwhile: it holds nothing now.
                Err(StoreError::NoSuchMailbox) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Some((used, limit)))
    }

    /// Refuses storing `bytes` more when that goes past the limit.
    pub(crate) async fn check_quota(&self, bytes: u64) -> Result<(), Refusal> {
        if !self.service.features.quota {
            return Ok(());
        }
        match self.storage_use().await? {
            Some((used, limit)) if used.saturating_add(bytes) > limit => {
                Err(no_code(Code::OverQuota, "Quota exceeded (mailbox for user is full)"))
            }
            _ => Ok(()),
        }
    }

    fn quota_data(used: u64, limit: u64) -> Data {
        // STORAGE counts units of 1024 octets; a part of one counts.
        let storage = QuotaUsage { resource: QuotaResource::Storage, usage: used.div_ceil(1024), limit: limit / 1024 };
        Data::Quota { root: IString::from(Vec::new()), resources: vec![storage] }
    }

    /// `GETQUOTAROOT mailbox`: `* QUOTAROOT mailbox ""` and that root's
    /// QUOTA when the account has a limit, `* QUOTAROOT mailbox` alone
    /// when not.
    pub(crate) async fn get_quota_root(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        wire_name: &WireMailbox,
    ) -> Outcome {
        let name = self.name_of(wire_name)?;
        self.account()?.open(&name).await.map_err(Refusal::from)?;
        let quota = self.storage_use().await?;
        let roots = if quota.is_some() { vec![IString::from(Vec::new())] } else { Vec::new() };
        imap.machine_mut().respond(tag, Data::QuotaRoot { mailbox: wire_name.clone(), roots })?;
        if let Some((used, limit)) = quota {
            imap.machine_mut().respond(tag, Self::quota_data(used, limit))?;
        }
        done("Getquotaroot completed.")
    }

    /// `GETQUOTA root`: the account's root is `""`; there is no other.
    pub(crate) async fn get_quota(&mut self, imap: &mut ImapServer, tag: &Tag, root: &IString) -> Outcome {
        match self.storage_use().await? {
            Some((used, limit)) if root.is_empty() => {
                imap.machine_mut().respond(tag, Self::quota_data(used, limit))?;
                done("Getquota completed.")
            }
            _ => Err(no_code(Code::NonExistent, "No such quota root")),
        }
    }

    /// `SETQUOTA`: limits are the store's to set.
    pub(crate) fn set_quota(&self) -> Outcome {
        Err(no_code(Code::NoPerm, "Quota limits are set by the administrator"))
    }
}
