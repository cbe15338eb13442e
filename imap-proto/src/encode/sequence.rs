//! Sequence sets: `sequence-set`, `seq-range`, `seq-number`.

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for SequenceSet {
    fn encode(&self, e: &mut Encoder<'_>) {
        let num = |e: &mut Encoder<'_>, n: &SeqNumber| match n {
            SeqNumber::Value(v) => e.number(v.get() as u64),
            SeqNumber::Largest => e.byte(b'*'),
        };
        for (i, r) in self.ranges().iter().enumerate() {
            if i > 0 {
                e.byte(b',');
            }
            match r {
                SeqRange::Single(n) => num(e, n),
                SeqRange::Range(a, b) => {
                    num(e, a);
                    e.byte(b':');
                    num(e, b);
                }
                SeqRange::Saved => e.byte(b'$'),
            }
        }
    }
}
