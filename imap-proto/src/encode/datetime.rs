//! Dates: `date`, `date-time`, `date-text` (RFC 3501 section 9).

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for DateTime {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.byte(b'"');
        e.raw(self.to_string().as_bytes());
        e.byte(b'"');
    }
}

impl Encode for Date {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(self.to_string().as_bytes());
    }
}
