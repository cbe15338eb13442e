//! STATUS: `status-att` and `status-att-list`.

use super::{PResult, Parser};
use crate::types::*;

impl<'a> Parser<'a> {
    /// `status-att`
    ///
    /// ```text
    /// status-att      = "MESSAGES" / "RECENT" / "UIDNEXT" / "UIDVALIDITY" /
    ///                   "UNSEEN"
    /// ```
    pub(crate) fn status_attribute(&mut self) -> PResult<StatusAttribute> {
        let a = self.atom()?;
        Ok(StatusAttribute::known(a.as_bytes()).unwrap_or(StatusAttribute::Other(a)))
    }
}
