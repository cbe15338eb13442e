//! QUOTA (RFC 9208) commands and responses.

use super::{PResult, Parser};
use crate::types::*;

impl<'a> Parser<'a> {
    /// The commands after their name.
    ///
    /// ```text
    /// getquota        = "GETQUOTA" SP quota-root-name
    /// getquotaroot    = "GETQUOTAROOT" SP mailbox
    /// setquota        = "SETQUOTA" SP quota-root-name SP setquota-list
    /// setquota-list   = "(" [setquota-resource *(SP setquota-resource)] ")"
    /// setquota-resource = resource-name SP resource-limit
    /// quota-root-name = astring
    /// ```
    pub(crate) fn quota_command(&mut self, name: &[u8]) -> PResult<CommandBody> {
        self.sp()?;
        if name.eq_ignore_ascii_case(b"GETQUOTAROOT") {
            return Ok(CommandBody::GetQuotaRoot(self.mailbox()?));
        }
        let root = self.astring()?;
        if name.eq_ignore_ascii_case(b"GETQUOTA") {
            return Ok(CommandBody::GetQuota(root));
        }
        self.sp()?;
        let limits = self.paren_list(|p| {
            let resource = QuotaResource::from_atom(p.atom()?);
            p.sp()?;
            Ok((resource, p.number64()?))
        })?;
        Ok(CommandBody::SetQuota { root, limits })
    }

    /// `* QUOTA ...` after the name.
    ///
    /// ```text
    /// quota-response  = "QUOTA" SP quota-root-name SP quota-list
    /// quota-list      = "(" quota-resource *(SP quota-resource) ")"
    /// quota-resource  = resource-name SP resource-usage SP resource-limit
    /// ```
    pub(crate) fn quota_data(&mut self) -> PResult<Data> {
        // Lenient: extra spaces between the fields (as imap-codec and
        // djc's imap-proto read them).
        self.sp1()?;
        let root = self.astring()?;
        self.sp1()?;
        let resources = self.paren_list(|p| {
            let resource = QuotaResource::from_atom(p.atom()?);
            p.sp1()?;
            let usage = p.number64()?;
            p.sp1()?;
            Ok(QuotaUsage { resource, usage, limit: p.number64()? })
        })?;
        self.skip_spaces();
        Ok(Data::Quota { root, resources })
    }

    /// `* QUOTAROOT ...` after the name.
    ///
    /// ```text
    /// quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)
    /// ```
    pub(crate) fn quota_root_data(&mut self) -> PResult<Data> {
        self.sp()?;
        let mailbox = self.mailbox()?;
        let mut roots = Vec::new();
        while self.eat(b' ') {
            if self.at_eol() {
                break;
            }
            roots.push(self.astring()?);
        }
        Ok(Data::QuotaRoot { mailbox, roots })
    }
}
