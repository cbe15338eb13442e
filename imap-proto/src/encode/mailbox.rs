//! Mailbox names: `mailbox` and `list-mailbox`.

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for Mailbox {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.astring(self.as_bytes());
    }
}
