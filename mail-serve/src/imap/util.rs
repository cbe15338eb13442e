//! Small conversions the IMAP engine shares: answers, dates, UID sets,
//! flags.

use std::num::NonZeroU32;

use imap_wire::{Atom, Code, DateTime, Flag, FlagFetch, SeqNumber, SeqRange, SequenceSet, StatusKind};

use crate::store::{AuthError, Flags, Keyword, StoreError, SystemFlags};

/// Why a command failed, as its tagged answer says it.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub kind: StatusKind,
    pub code: Option<Code>,
    pub text: String,
}

pub(crate) fn no(text: impl Into<String>) -> Refusal {
    Refusal { kind: StatusKind::No, code: None, text: text.into() }
}

pub(crate) fn no_code(code: Code, text: impl Into<String>) -> Refusal {
    Refusal { kind: StatusKind::No, code: Some(code), text: text.into() }
}

pub(crate) fn bad(text: impl Into<String>) -> Refusal {
    Refusal { kind: StatusKind::Bad, code: None, text: text.into() }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        let code = match &e {
            StoreError::NoSuchMailbox | StoreError::MailboxGone => Some(Code::NonExistent),
            StoreError::AlreadyExists => Some(Code::AlreadyExists),
            StoreError::BadName(_) | StoreError::NotAllowed(_) => Some(Code::Cannot),
            StoreError::Limit(_) => Some(Code::Limit),
            StoreError::OverQuota => Some(Code::OverQuota),
            StoreError::NoSuchMessage => Some(Code::ExpungeIssued),
            StoreError::Busy => Some(Code::InUse),
            StoreError::Unsupported => Some(Code::Cannot),
            StoreError::Io(_) => Some(Code::ServerBug),
        };
        Refusal { kind: StatusKind::No, code, text: e.to_string() }
    }
}

impl From<AuthError> for Refusal {
    fn from(e: AuthError) -> Refusal {
        let code = match e {
            AuthError::Failed => Code::AuthenticationFailed,
            AuthError::NotAuthorized => Code::AuthorizationFailed,
            AuthError::Unavailable => Code::Unavailable,
        };
        no_code(code, e.to_string())
    }
}

impl From<imap_wire::server::ServerError> for Refusal {
    fn from(e: imap_wire::server::ServerError) -> Refusal {
        Refusal { kind: StatusKind::Bad, code: Some(Code::ServerBug), text: e.to_string() }
    }
}

/// The outcome of a command: the tagged OK's code and text, or a refusal.
pub(crate) type Outcome = Result<(Option<Code>, String), Refusal>;

pub(crate) fn done(text: &str) -> Outcome {
    Ok((None, text.to_string()))
}

pub(crate) fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// Seconds since 1970, now.
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// A sequence set of these (sorted) numbers, as compact ranges.
pub(crate) fn compact(numbers: &[u32]) -> Option<SequenceSet> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        let mut end = start;
        while i + 1 < numbers.len() && numbers[i + 1] == end.wrapping_add(1) {
            i += 1;
            end = numbers[i];
        }
        let value = |n| SeqNumber::Value(nz(n));
        ranges.push(if start == end {
            SeqRange::Single(value(start))
        } else {
            SeqRange::Range(value(start), value(end))
        });
        i += 1;
    }
    SequenceSet::new(ranges).ok()
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// INTERNALDATE of a time stamp (UTC).
pub(crate) fn internal_date(secs: i64) -> Option<DateTime> {
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let rest = secs.rem_euclid(86400);
    let date = imap_wire::Date::new(u16::try_from(y).ok()?, m, d).ok()?;
    DateTime::new(date, (rest / 3600) as u8, (rest / 60 % 60) as u8, (rest % 60) as u8, 0).ok()
}

/// Seconds since 1970 of an IMAP date-time.
pub(crate) fn unix_time(t: &DateTime) -> i64 {
    let d = t.date();
    days_from_civil(i64::from(d.year()), i64::from(d.month()), i64::from(d.day())) * 86400
        + i64::from(t.hour()) * 3600
        + i64::from(t.minute()) * 60
        + i64::from(t.second())
        - i64::from(t.zone_minutes()) * 60
}

/// Days since 1970 of an IMAP date.
pub(crate) fn day_number(date: &imap_wire::Date) -> i64 {
    days_from_civil(i64::from(date.year()), i64::from(date.month()), i64::from(date.day()))
}

/// The IMAP flag of a system flag.
pub(crate) fn system_flag(f: SystemFlags) -> Flag {
    match f {
        SystemFlags::ANSWERED => Flag::Answered,
        SystemFlags::FLAGGED => Flag::Flagged,
        SystemFlags::DELETED => Flag::Deleted,
        SystemFlags::SEEN => Flag::Seen,
        _ => Flag::Draft,
    }
}

fn keyword_flag(k: &Keyword) -> Option<Flag> {
    Atom::try_from(k.as_str()).ok().map(Flag::Keyword)
}

/// FETCH FLAGS of a message.
pub(crate) fn flag_list(flags: &Flags, recent: bool) -> Vec<FlagFetch> {
    let mut out: Vec<FlagFetch> =
        SystemFlags::ALL.iter().filter(|f| flags.has(**f)).map(|f| FlagFetch::Flag(system_flag(*f))).collect();
    out.extend(flags.keywords().iter().filter_map(keyword_flag).map(FlagFetch::Flag));
    if recent {
        out.push(FlagFetch::Recent);
    }
    out
}

/// The FLAGS response: the system flags and these keywords.
pub(crate) fn mailbox_flags<'a>(keywords: impl IntoIterator<Item = &'a Keyword>) -> Vec<Flag> {
    let mut out: Vec<Flag> = SystemFlags::ALL.iter().map(|f| system_flag(*f)).collect();
    out.extend(keywords.into_iter().filter_map(keyword_flag));
    out
}

/// Client flags as store flags; `\Recent` is not the client's to set and
/// is ignored, an unknown `\Flag` is refused.
pub(crate) fn store_flags(flags: &[Flag]) -> Result<Flags, Refusal> {
    let mut system = SystemFlags::NONE;
    let mut keywords = Vec::new();
    for f in flags {
        match f {
            Flag::Answered => system = system.union(SystemFlags::ANSWERED),
            Flag::Flagged => system = system.union(SystemFlags::FLAGGED),
            Flag::Deleted => system = system.union(SystemFlags::DELETED),
            Flag::Seen => system = system.union(SystemFlags::SEEN),
            Flag::Draft => system = system.union(SystemFlags::DRAFT),
            Flag::Keyword(k) => keywords.push(Keyword::new(k.as_str()).map_err(|e| bad(e.to_string()))?),
            Flag::Extension(e) if e.eq_ignore_case("Recent") => {}
            Flag::Extension(_) => return Err(bad("Invalid system flag")),
        }
    }
    Ok(Flags::new(system, keywords))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways() {
        for secs in [0i64, 951_782_400, 1_700_000_000, 4_102_444_799] {
            let d = internal_date(secs).unwrap();
            assert_eq!(unix_time(&d), secs, "{d}");
        }
        assert_eq!(internal_date(951_782_400).unwrap().to_string(), "29-Feb-2000 00:00:00 +0000");
    }

    #[test]
    fn uid_sets_are_compacted() {
        assert_eq!(compact(&[1, 2, 3, 5, 7, 8]).unwrap().to_string(), "1:3,5,7:8");
        assert!(compact(&[]).is_none());
        assert_eq!(compact(&[u32::MAX - 1, u32::MAX]).unwrap().to_string(), format!("{}:{}", u32::MAX - 1, u32::MAX));
    }
}
