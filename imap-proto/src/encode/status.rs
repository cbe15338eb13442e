//! STATUS: `status-att` and `status-att-list`.

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for StatusAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(self.name().as_bytes());
    }
}
