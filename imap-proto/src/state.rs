//! The connection states of RFC 3501 section 3 and which commands each
//! allows, shared by the client and server machines.

use crate::types::CommandBody;

/// Where an IMAP connection stands.
///
/// ```
/// use imap_proto::state::{command_allowed, State};
/// use imap_proto::CommandBody;
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
            | GetQuota(_)
            | GetQuotaRoot(_)
            | SetQuota { .. }
            | GetMetadata { .. }
            | SetMetadata { .. }
    )
}

/// The state after `command` completed with OK, from `state`.
pub(crate) fn after_success(command: &CommandBody, state: State) -> State {
    use CommandBody::*;
    match command {
        Login { .. } | Authenticate { .. } if state == State::NotAuthenticated => State::Authenticated,
        Select { .. } | Examine { .. } => State::Selected,
        Close | Unselect if state == State::Selected => State::Authenticated,
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
