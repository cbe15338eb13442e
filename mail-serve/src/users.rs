//! A users file: `name:password` lines (`#` starts a comment line), for
//! stores that check passwords themselves.

use std::collections::HashMap;
use std::path::Path;

/// Why a users file was refused: the line and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct UsersError {
    /// The line number (from 1; 0 when the file could not be read).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Users and their passwords.
#[derive(Clone, Default)]
pub struct UserList {
    passwords: HashMap<String, String>,
}

impl std::fmt::Debug for UserList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserList").field("users", &self.passwords.len()).finish()
    }
}

impl UserList {
    /// Reads a users file.
    pub fn load(path: &Path) -> Result<UserList, UsersError> {
        let text = std::fs::read_to_string(path).map_err(|e| UsersError { line: 0, reason: e.to_string() })?;
        UserList::parse(&text)
    }

    /// Parses a users file's text. A user name is 1 to 64 letters, digits
    /// and `. _ - @ +`, not starting with `.` (it names a directory); a
    /// password is not empty.
    ///
    /// ```
    /// let users = mail_serve::users::UserList::parse("alice:secret\n").unwrap();
    /// assert!(users.check("alice", "secret"));
    /// assert!(mail_serve::users::UserList::parse("../x:1\n").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<UserList, UsersError> {
        let mut passwords = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let fail = |reason: &str| UsersError { line: i + 1, reason: reason.to_string() };
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, password) = line.split_once(':').ok_or_else(|| fail("expected name:password"))?;
            if !valid_user_name(name) {
                return Err(fail(NAME_RULE));
            }
            if password.is_empty() {
                return Err(fail("empty password: a user without one could not log in, or anyone could"));
            }
            if passwords.insert(name.to_string(), password.to_string()).is_some() {
                return Err(fail("the user is listed twice"));
            }
        }
        Ok(UserList { passwords })
    }

    /// Adds or replaces a user (the same rules as [`UserList::parse`]).
    pub fn insert(&mut self, name: &str, password: &str) -> Result<(), UsersError> {
        if !valid_user_name(name) {
            return Err(UsersError { line: 0, reason: format!("invalid user name {name:?}: {NAME_RULE}") });
        }
        if password.is_empty() {
            return Err(UsersError { line: 0, reason: format!("empty password for {name:?}") });
        }
        self.passwords.insert(name.to_string(), password.to_string());
        Ok(())
    }

    /// Whether the name and password match (in time independent of where
    /// they differ).
    pub fn check(&self, name: &str, password: &str) -> bool {
        match self.passwords.get(name) {
            Some(expected) => {
                let (a, b) = (expected.as_bytes(), password.as_bytes());
                a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
            }
            None => false,
        }
    }
}

/// The longest user name (Dovecot's passwd-file has none; 64 keeps a
/// Maildir path short and a login line small).
pub const MAX_USER_NAME: usize = 64;

const NAME_RULE: &str = "a user name is 1 to 64 letters, digits and . _ - @ + (not starting with .)";

/// Whether a user name can name a directory safely: one path component,
/// never `.` or `..`, within [`MAX_USER_NAME`] bytes.
pub fn valid_user_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_USER_NAME
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-@+".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_file_lines() {
        let users = UserList::parse("# comment\nalice:secret\n\nbob:pa:ss\r\n").unwrap();
        assert!(users.check("alice", "secret"));
        assert!(users.check("bob", "pa:ss"), "the password is the rest of the line");
        assert!(!users.check("alice", "secreT"));
        assert!(!users.check("carol", ""));
        assert_eq!(UserList::parse("alice\n").unwrap_err().line, 1);
        assert_eq!(UserList::parse("ok:1\n../x:2\n").unwrap_err().line, 2);
        assert_eq!(UserList::parse("a:1\na:2\n").unwrap_err().line, 2);
        assert_eq!(UserList::parse("a:1\nb:\n").unwrap_err().line, 2, "empty password");
        let long = "x".repeat(65);
        assert_eq!(UserList::parse(&format!("a:1\n{long}:2\n")).unwrap_err().line, 2, "65 bytes");
        assert!(UserList::parse(&format!("{}:2\n", &long[..64])).is_ok(), "64 bytes");
        for bad in ["..", ".", "a/b", "a b", "a\u{e9}", "a\\b"] {
            assert!(UserList::parse(&format!("{bad}:1\n")).is_err(), "{bad:?}");
        }
        assert!(UserList::default().insert("a", "").is_err());
    }
}
