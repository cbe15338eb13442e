//! The session states of RFC 1939 and which commands each allows, shared
//! by the [`Client`](crate::client::Client) and [`Server`](crate::server::Server) machines.

use crate::types::Command;

/// Where a POP3 session stands.
///
/// A client starts in [`State::Greeting`]; a server, which writes the
/// greeting itself, starts in [`State::Authorization`]. Each machine reports
/// the state its peer has confirmed: a client moves to
/// [`State::Transaction`] when the server accepts a login, and to
/// [`State::Closed`] when the server answers QUIT. A server is in
/// [`State::Update`] between a QUIT in TRANSACTION and its reply, while the
/// application applies the deletions.
///
/// ```
/// use pop3_wire::state::{command_allowed, State};
/// use pop3_wire::Command;
/// assert!(command_allowed(&Command::Stat, State::Transaction));
/// assert!(!command_allowed(&Command::Stat, State::Authorization));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum State {
    /// Connected; the client waits for the greeting.
    Greeting,
    /// Logging in (RFC 1939 AUTHORIZATION).
    Authorization,
    /// Logged in: the maildrop is open (RFC 1939 TRANSACTION).
    Transaction,
    /// QUIT was received in TRANSACTION: the server applies deletions
    /// before it replies (RFC 1939 UPDATE).
    Update,
    /// The session is over (QUIT answered, greeting refused, connection
    /// closed, or a reply that could not be bounded).
    Closed,
}

/// Whether a command may be sent in a state (RFC 1939, 2449, 2595, 5034,
/// 6856). Unknown commands (`Command::Other`) are allowed where a server
/// could accept them: before and after login.
pub fn command_allowed(command: &Command, state: State) -> bool {
    use Command::*;
    match state {
        State::Greeting | State::Authorization => matches!(
            command,
            User(_) | Pass(_) | Apop { .. } | Quit | Capa | Stls | Auth { .. } | Utf8 | Lang(_) | Other { .. }
        ),
        State::Transaction => matches!(
            command,
            Stat | List(_)
                | Retr(_)
                | Dele(_)
                | Noop
                | Rset
                | Quit
                | Top { .. }
                | Uidl(_)
                | Capa
                | Lang(_)
                | Other { .. }
        ),
        State::Update | State::Closed => false,
    }
}

/// Whether a successful reply to `command` ends AUTHORIZATION.
pub(crate) fn is_login(command: &Command) -> bool {
    matches!(command, Command::Pass(_) | Command::Apop { .. } | Command::Auth { mechanism: Some(_), .. })
}
