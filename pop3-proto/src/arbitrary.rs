//! `arbitrary` support (feature `arbitrary`): canonical commands and
//! status lines (the values the serializer writes and the parser reads
//! back exactly), shared by the fuzzers and the property tests.
//!
//! ```
//! use arbitrary::{Arbitrary, Unstructured};
//! use pop3_wire::{Command, Encode};
//!
//! let command = Command::arbitrary(&mut Unstructured::new(b"some fuzzer bytes")).unwrap();
//! assert_eq!(Command::parse(&command.to_bytes()), Ok(command));
//! ```

use std::num::NonZeroU32;

use ::arbitrary::{Arbitrary, Result as AResult, Unstructured};
use bytes::Bytes;

fn from_alphabet(u: &mut Unstructured<'_>, alphabet: &[u8], min: usize, max: usize) -> AResult<String> {
    let n = u.int_in_range(min..=max)?;
    (0..n).map(|_| u.choose(alphabet).map(|&b| b as char)).collect()
}

fn vec_of<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut f: impl FnMut(&mut Unstructured<'_>) -> AResult<T>,
) -> AResult<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| f(u)).collect()
}

fn arg(u: &mut Unstructured<'_>, alphabet: &[u8]) -> AResult<crate::Arg> {
    Ok(crate::Arg::try_from(from_alphabet(u, alphabet, 1, 12)?.as_str()).expect("arg"))
}

fn command(u: &mut Unstructured<'_>) -> AResult<crate::Command> {
    use crate::Command as C;
    let tok = b"abcXYZ019!#$%&'*+-./:;<=>?@[]^_`{|}~";
    let n = |u: &mut Unstructured<'_>| -> AResult<NonZeroU32> {
        Ok(NonZeroU32::new(u.arbitrary::<u32>()?.max(1)).expect("non-zero"))
    };
    Ok(match u.int_in_range(0..=18)? {
        0 => C::User(arg(u, tok)?),
        1 => C::Pass(crate::Arg::try_from(from_alphabet(u, b"ab c ", 0, 12)?.as_str()).expect("arg")),
        2 => C::Apop {
            name: arg(u, tok)?,
            digest: crate::Arg::try_from(from_alphabet(u, b"0123456789abcdef", 32, 32)?.as_str()).expect("hex"),
        },
        3 => C::Stat,
        4 => C::List(if u.arbitrary()? { Some(n(u)?) } else { None }),
        5 => C::Retr(n(u)?),
        6 => C::Dele(n(u)?),
        7 => C::Noop,
        8 => C::Rset,
        9 => C::Quit,
        10 => C::Top { message: n(u)?, lines: u.arbitrary()? },
        11 => C::Uidl(if u.arbitrary()? { Some(n(u)?) } else { None }),
        12 => C::Capa,
        13 => C::Stls,
        14 => C::Auth {
            mechanism: Some(arg(u, tok)?),
            initial_response: if u.arbitrary()? { Some(Bytes::from(<Vec<u8>>::arbitrary(u)?)) } else { None },
        },
        15 => C::Auth { mechanism: None, initial_response: None },
        16 => C::Utf8,
        17 => C::Lang(if u.arbitrary()? { Some(arg(u, tok)?) } else { None }),
        _ => C::Other {
            keyword: crate::Arg::try_from(format!("X{}", from_alphabet(u, b"ABC", 2, 3)?).as_str()).expect("kw"),
            arguments: if u.arbitrary()? {
                Some(arg(u, b"ab c")?).filter(|a| !a.as_bytes().ends_with(b" "))
            } else {
                None
            },
        },
    })
}

fn status_line(u: &mut Unstructured<'_>) -> AResult<crate::StatusLine> {
    use crate::{CodeKind, ResponseCode, Status, StatusLine};
    let code = if u.arbitrary()? {
        let kind = match u.int_in_range(0..=7)? {
            0 => CodeKind::InUse,
            1 => CodeKind::LoginDelay,
            2 => CodeKind::SysTemp,
            3 => CodeKind::SysPerm,
            4 => CodeKind::Sys,
            5 => CodeKind::Auth,
            6 => CodeKind::Utf8,
            _ => CodeKind::Other(arg(u, b"XYZ-")?),
        };
        let sublevels = vec_of(u, 2, |u| arg(u, b"ABC-9"))?;
        let kind = match (&kind, sublevels.first()) {
            // SYS followed by TEMP/PERM reads as SysTemp/SysPerm.
            (CodeKind::Sys, _) => CodeKind::Sys,
            _ => kind,
        };
        Some(ResponseCode { kind, sublevels })
    } else {
        None
    };
    let text = from_alphabet(u, b"ab c[]", 0, 12)?;
    let text = text.trim_end();
    Ok(StatusLine {
        status: if u.arbitrary()? { Status::Ok } else { Status::Err },
        code,
        text: crate::Arg::try_from(if text.starts_with('[') { "x" } else { text }).expect("text"),
    })
}

impl<'a> Arbitrary<'a> for crate::Command {
    fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Self> {
        command(u)
    }
}

impl<'a> Arbitrary<'a> for crate::StatusLine {
    fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Self> {
        status_line(u)
    }
}
