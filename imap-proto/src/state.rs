//! The connection states of RFC 3501 section 3 and which commands each
//! allows, shared by the client and server machines.

use crate::types::{Capability, CommandBody};

/// Where an IMAP connection stands.
///
/// ```
/// use imap_wire::state::{command_allowed, State};
/// use imap_wire::CommandBody;
/// assert!(command_allowed(&CommandBody::Noop, State::NotAuthenticated));
/// assert!(!command_allowed(&CommandBody::Expunge, State::Authenticated));
/// assert!(command_allowed(&CommandBody::Expunge, State::Selected));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum State {
    /// Before login (after an OK greeting).
    NotAuthenticated,
    /// Logged in (LOGIN, AUTHENTICATE or a PREAUTH greeting), no mailbox
    /// selected.
    Authenticated,
    /// A mailbox is selected (SELECT or EXAMINE succeeded).
    Selected,
    /// The connection is ending: LOGOUT was answered, the server said BYE,
    /// or the connection closed.
    Logout,
}

/// Whether a command may be sent (client) or executed (server) in a state
/// (RFC 3501 section 6 and the extensions' own sections). Commands this
/// crate does not model (`CommandBody::Other`) are allowed in every state
/// but Logout: only the server knows them.
pub fn command_allowed(command: &CommandBody, state: State) -> bool {
    use CommandBody::*;
    // ID is valid in every state (RFC 2971 3.1).
    let any = matches!(command, Capability | Noop | Logout | Id(_) | Other { .. });
    match state {
        State::NotAuthenticated => any || matches!(command, StartTls | Authenticate { .. } | Login { .. }),
        State::Authenticated => any || authenticated(command),
        State::Selected => {
            any || authenticated(command)
                || matches!(
                    command,
                    Check
                        | Close
                        | Expunge
                        | Search { .. }
                        | Sort { .. }
                        | Thread { .. }
                        | CancelUpdate(_)
                        | Replace { .. }
                        | Fetch { .. }
                        | Store { .. }
                        | Copy { .. }
                        | Move { .. }
                        | Unselect
                        | UidExpunge(_)
                )
        }
        State::Logout => false,
    }
}

/// The commands of the authenticated state (also valid when selected).
fn authenticated(command: &CommandBody) -> bool {
    use CommandBody::*;
    matches!(
        command,
        Select { .. }
            | Examine { .. }
            | Create { .. }
            | Delete(_)
            | Rename { .. }
            | Subscribe(_)
            | Unsubscribe(_)
            | List { .. }
            | Lsub { .. }
            | Status { .. }
            | Append { .. }
            | Idle
            | Enable(_)
            | Namespace
            | Compress { .. }
            | Unauthenticate
            | Xlist { .. }
            | GetQuota(_)
            | GetQuotaRoot(_)
            | SetQuota { .. }
            | GetMetadata { .. }
            | SetMetadata { .. }
            | Notify(_)
    )
}

/// The first capability `command` needs that `offered` lacks: the
/// extensions' commands, parameters and forms (IDLE, SORT, `RETURN (...)`,
/// `$`, QRESYNC, BINARY, MULTIAPPEND, ...). IMAP4rev2 includes the ones
/// RFC 9051 took in. `None` when the command is plain IMAP4rev1 or its
/// extension is offered.
///
/// ```
/// use imap_wire::state::missing_capability;
/// use imap_wire::{Capability, Command, CommandBody};
/// let sort = Command::parse(b"a SORT (DATE) UTF-8 ALL\r\n").unwrap().body;
/// assert_eq!(missing_capability(&sort, &[Capability::Imap4Rev1]), Some("SORT"));
/// let esearch = Command::parse(b"a SEARCH RETURN (COUNT) ALL\r\n").unwrap().body;
/// assert_eq!(missing_capability(&esearch, &[Capability::Imap4Rev2]), None);
/// let size = Command::parse(b"a STATUS INBOX (MESSAGES SIZE)\r\n").unwrap().body;
/// assert_eq!(missing_capability(&size, &[Capability::Imap4Rev1]), Some("STATUS=SIZE"));
/// ```
pub fn missing_capability(command: &CommandBody, offered: &[Capability]) -> Option<&'static str> {
    use CommandBody::*;
    let rev2 = offered.contains(&crate::types::Capability::Imap4Rev2);
    // The name, whether IMAP4rev2 has it, whether it is a prefix
    // (`THREAD=REFERENCES` offers THREAD).
    let has = |name: &str, in_rev2: bool| {
        (in_rev2 && rev2)
            || offered.iter().any(|c| {
                let n = c.name();
                n.eq_ignore_ascii_case(name)
                    || (name.ends_with('=') && n.len() > name.len() && n[..name.len()].eq_ignore_ascii_case(name))
            })
    };
    let mut needs: Vec<(&'static str, bool)> = Vec::new();
    match command {
        Idle => needs.push(("IDLE", true)),
        Enable(_) => needs.push(("ENABLE", true)),
        Namespace => needs.push(("NAMESPACE", true)),
        Unselect => needs.push(("UNSELECT", true)),
        Unauthenticate => needs.push(("UNAUTHENTICATE", false)),
        Replace { .. } => needs.push(("REPLACE", false)),
        Xlist { .. } => needs.push(("XLIST", false)),
        Id(_) => needs.push(("ID", false)),
        Compress { .. } => needs.push(("COMPRESS=", false)),
        UidExpunge(_) => needs.push(("UIDPLUS", true)),
        Move { .. } => needs.push(("MOVE", true)),
        Sort { return_options, .. } => {
            needs.push(("SORT", false));
            if let Some(options) = return_options {
                needs.push(("ESORT", false));
                if options.contains(&crate::SearchReturnOption::Save) {
                    needs.push(("SEARCHRES", true));
                }
            }
        }
        Thread { .. } => needs.push(("THREAD=", false)),
        CancelUpdate(_) => needs.push(("CONTEXT=", false)),
        Notify(_) => needs.push(("NOTIFY", false)),
        GetQuota(_) | GetQuotaRoot(_) | SetQuota { .. } => needs.push(("QUOTA", false)),
        GetMetadata { .. } | SetMetadata { .. } => needs.push(("METADATA", false)),
        Search { return_options: Some(options), .. } => {
            needs.push(("ESEARCH", true));
            if options.contains(&crate::SearchReturnOption::Save) {
                needs.push(("SEARCHRES", true));
            }
        }
        List { selection, patterns, return_options, .. } => {
            if !selection.is_empty() || !return_options.is_empty() || patterns.len() > 1 {
                needs.push(("LIST-EXTENDED", true));
            }
            if return_options.iter().any(|o| matches!(o, crate::ListReturnOption::Status(_))) {
                needs.push(("LIST-STATUS", true));
            }
        }
        Append { messages, .. } => {
            if messages.len() > 1 {
                needs.push(("MULTIAPPEND", false));
            }
            if messages.iter().any(|m| matches!(m.content, crate::AppendContent::Catenate(_))) {
                needs.push(("CATENATE", false));
            }
            if messages.iter().any(|m| matches!(m.content, crate::AppendContent::Utf8(_))) {
                needs.push(("UTF8=ACCEPT", false));
            }
        }
        Create { parameters, .. } if !parameters.is_empty() => needs.push(("CREATE-SPECIAL-USE", false)),
        Select { parameters, .. } | Examine { parameters, .. } => {
            for p in parameters {
                match p {
                    crate::SelectParameter::CondStore => needs.push(("CONDSTORE", false)),
                    crate::SelectParameter::QResync(_) => needs.push(("QRESYNC", false)),
                    crate::SelectParameter::Other(_) => {}
                }
            }
        }
        Fetch { items: crate::FetchItems::Attributes(atts), modifiers, .. } => {
            use crate::FetchAttribute as F;
            for a in atts {
                match a {
                    F::Binary { .. } | F::BinarySize { .. } => needs.push(("BINARY", true)),
                    F::ModSeq => needs.push(("CONDSTORE", false)),
                    F::Preview { .. } => needs.push(("PREVIEW", false)),
                    F::EmailId | F::ThreadId => needs.push(("OBJECTID", false)),
                    F::SaveDate => needs.push(("SAVEDATE", false)),
                    _ => {}
                }
            }
            for m in modifiers {
                match m {
                    crate::FetchModifier::ChangedSince(_) => needs.push(("CONDSTORE", false)),
                    crate::FetchModifier::Vanished => needs.push(("QRESYNC", false)),
                    _ => {}
                }
            }
        }
        Store { modifiers, .. } if !modifiers.is_empty() => needs.push(("CONDSTORE", false)),
        Status { attributes, .. } => {
            for a in attributes {
                match a {
                    crate::StatusAttribute::Size => needs.push(("STATUS=SIZE", false)),
                    crate::StatusAttribute::HighestModSeq => needs.push(("CONDSTORE", false)),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if uses_saved_result(command) {
        needs.push(("SEARCHRES", true));
    }
    needs.into_iter().find(|(name, in_rev2)| !has(name, *in_rev2)).map(|(name, _)| name.trim_end_matches('='))
}

/// Whether a command names the saved search result `$` (RFC 5182).
fn uses_saved_result(command: &CommandBody) -> bool {
    use CommandBody::*;
    match command {
        Fetch { sequence_set, .. }
        | Store { sequence_set, .. }
        | Copy { sequence_set, .. }
        | Move { sequence_set, .. }
        | UidExpunge(sequence_set) => sequence_set.uses_saved(),
        Search { criteria, .. } => criteria.iter().any(key_uses_saved),
        Sort { search, .. } | Thread { search, .. } => search.iter().any(key_uses_saved),
        _ => false,
    }
}

fn key_uses_saved(key: &crate::SearchKey) -> bool {
    use crate::SearchKey::*;
    // A stack, not recursion: the nesting is the client's.
    let mut stack = vec![key];
    while let Some(key) = stack.pop() {
        match key {
            SequenceSet(s) | Uid(s) if s.uses_saved() => return true,
            Not(k) | Fuzzy(k) => stack.push(k),
            Or(a, b) => stack.extend([&**a, &**b]),
            And(keys) => stack.extend(keys.iter()),
            _ => {}
        }
    }
    false
}

/// The state after `command` completed with OK, from `state`.
pub(crate) fn after_success(command: &CommandBody, state: State) -> State {
    use CommandBody::*;
    match command {
        Login { .. } | Authenticate { .. } if state == State::NotAuthenticated => State::Authenticated,
        Select { .. } | Examine { .. } => State::Selected,
        Close | Unselect if state == State::Selected => State::Authenticated,
        Unauthenticate if state != State::NotAuthenticated => State::NotAuthenticated,
        Logout => State::Logout,
        _ => state,
    }
}

/// The state after `command` completed with NO or BAD, from `state`: a
/// failed SELECT or EXAMINE leaves no mailbox selected (RFC 3501 6.3.1).
pub(crate) fn after_failure(command: &CommandBody, state: State) -> State {
    match command {
        CommandBody::Select { .. } | CommandBody::Examine { .. } if state == State::Selected => State::Authenticated,
        _ => state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Mailbox;

    #[test]
    fn states_follow_rfc_3501() {
        let select = CommandBody::Select { mailbox: Mailbox::from("INBOX"), parameters: vec![] };
        assert!(!command_allowed(&select, State::NotAuthenticated));
        assert!(command_allowed(&select, State::Authenticated));
        assert!(command_allowed(&CommandBody::StartTls, State::NotAuthenticated));
        assert!(!command_allowed(&CommandBody::StartTls, State::Authenticated));
        assert!(!command_allowed(&CommandBody::Noop, State::Logout));
        assert!(command_allowed(&CommandBody::Id(None), State::NotAuthenticated));
        assert!(command_allowed(&CommandBody::Id(Some(vec![])), State::Selected));
        assert_eq!(after_success(&select, State::Authenticated), State::Selected);
        assert_eq!(after_failure(&select, State::Selected), State::Authenticated);
        assert_eq!(after_success(&CommandBody::Close, State::Selected), State::Authenticated);
        assert_eq!(after_success(&CommandBody::Logout, State::Selected), State::Logout);
    }
}
