//! What the CLI reports: an SDK error with its shared code, or a failure of the CLI's own files
//! and terminal (`IO`). The latter is not an SDK error (no face reads a file), so it has no row
//! in the SDK's table and is never dressed up as `INVALID_ARGUMENT`.

use std::path::Path;

use mynacard_core::Error;

/// What the CLI did with a file or the terminal when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Reading a file.
    Read,
    /// Writing a file.
    Write,
    /// Creating a directory.
    Create,
    /// Reading a PIN from the terminal or stdin.
    ReadPin,
    /// Listening on a loopback port (the login's redirect).
    Listen,
}

impl Action {
    fn en(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Create => "create",
            Action::ReadPin => "read the PIN from",
            Action::Listen => "listen on",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            Action::Read => "を読み取れません",
            Action::Write => "に書き込めません",
            Action::Create => "を作成できません",
            Action::ReadPin => "から暗証番号を読み取れません",
            Action::Listen => "で待ち受けできません",
        }
    }
}

/// An error of the `mynacard` command.
#[derive(Debug)]
pub enum CliError {
    /// The SDK's error: its code and messages are the shared table's.
    Sdk(Error),
    /// A file or the terminal failed (`IO`): which, doing what, and the system's reason.
    Io {
        /// What the CLI was doing.
        action: Action,
        /// The file (or `terminal` / `stdin`).
        path: String,
        /// The system's reason, e.g. "entity not found".
        cause: std::io::ErrorKind,
    },
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Sdk(e)
    }
}

impl CliError {
    /// For `map_err`: the failure of `action` on `path`.
    pub fn io(action: Action, path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
        move |e| CliError::Io {
            action,
            path: path.display().to_string(),
            cause: e.kind(),
        }
    }

    /// The code printed and put in JSON: the SDK's, or `IO`.
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Sdk(e) => e.code(),
            CliError::Io { .. } => "IO",
        }
    }

    /// Name/value parameters (the SDK error's, or `path` and `cause`).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            CliError::Sdk(e) => e.params(),
            CliError::Io { path, cause, .. } => {
                vec![("path", path.clone()), ("cause", cause.to_string())]
            }
        }
    }

    /// English message.
    pub fn message_en(&self) -> String {
        match self {
            CliError::Sdk(e) => e.message_en(),
            CliError::Io {
                action,
                path,
                cause,
            } => format!("Cannot {} {path} ({cause}).", action.en()),
        }
    }

    /// Japanese message.
    pub fn message_ja(&self) -> String {
        match self {
            CliError::Sdk(e) => e.message_ja(),
            CliError::Io {
                action,
                path,
                cause,
            } => format!("{path}{}（{cause}）。", action.ja()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_an_io_error_with_its_path() {
        let path = Path::new("/nonexistent/mynacard-test");
        let e = std::fs::read(path)
            .map_err(CliError::io(Action::Read, path))
            .unwrap_err();
        assert_eq!(e.code(), "IO");
        assert_eq!(
            e.message_en(),
            "Cannot read /nonexistent/mynacard-test (entity not found)."
        );
        assert!(
            e.message_ja()
                .starts_with("/nonexistent/mynacard-testを読み取れません")
        );
        assert_eq!(e.params()[0], ("path", path.display().to_string()));
    }

    #[test]
    fn an_sdk_error_keeps_its_code() {
        let e = CliError::from(Error::from(mynacard_core::error::PinError::Locked));
        assert_eq!(e.code(), "PIN_LOCKED");
    }
}
