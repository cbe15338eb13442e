//! Mailbox names: `mailbox` and `list-mailbox`.

use super::{PResult, Parser};
use crate::types::core::is_list_char;
use crate::types::*;

impl<'a> Parser<'a> {
    /// `list-mailbox` = 1*list-char / string
    ///
    /// ```text
    /// list-mailbox    = 1*list-char / string
    /// ```
    pub(crate) fn list_mailbox(&mut self) -> PResult<IString> {
        match self.peek() {
            Some(b'"' | b'{') => self.string(),
            _ => {
                let (s, e) = self.take_while1(is_list_char, "list-mailbox")?;
                Ok(IString(self.small(s, e)))
            }
        }
    }

    /// `mailbox` = "INBOX" / astring
    ///
    /// ```text
    /// mailbox         = "INBOX" / astring
    /// ```
    pub(crate) fn mailbox(&mut self) -> PResult<Mailbox> {
        Ok(Mailbox::from(self.astring()?))
    }
}
