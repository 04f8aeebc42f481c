//! Key management and authentication errors with their stable codes.

/// Why a key operation or an authentication failed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum KeyError {
    /// Only the account's primary user may create or delete its key.
    #[error("Only the primary user can {0} an API key.")]
    NotPrimaryUser(KeyAction),
    /// One key per account: delete it before creating another.
    #[error("An API key already exists for this account. Delete it before generating a new one.")]
    KeyAlreadyExists,
    /// The account has no key.
    #[error("No API key exists for this account.")]
    NoApiKey,
    /// Name empty or longer than 64 characters.
    #[error("The key name must be 1 to 64 characters.")]
    InvalidName,
    /// A credential header is absent or empty.
    #[error("accessKey and secretKey headers are required.")]
    MissingCredentials,
    /// Unknown, wrong, deleted or malformed credentials: one answer for all.
    #[error("Invalid API credentials.")]
    InvalidCredentials,
    /// The OS random generator failed.
    #[error("The OS random generator failed.")]
    Random,
    /// The key store could not be read or written.
    #[error("The key store is unavailable: {0}")]
    Storage(String),
}

/// What the primary user alone may do with an account's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAction {
    /// Create the key pair.
    Generate,
    /// Delete the key.
    Delete,
}

impl KeyAction {
    /// The verb, as the error message uses it.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAction::Generate => "generate",
            KeyAction::Delete => "delete",
        }
    }
}

impl std::fmt::Display for KeyAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<crate::Error> for KeyError {
    fn from(e: crate::Error) -> Self {
        KeyError::Storage(e.to_string())
    }
}

impl KeyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::NotPrimaryUser(_) => "NOT_PRIMARY_USER",
            KeyError::KeyAlreadyExists => "KEY_ALREADY_EXISTS",
            KeyError::NoApiKey => "NO_API_KEY",
            KeyError::InvalidName => "INVALID_NAME",
            KeyError::MissingCredentials => "MISSING_CREDENTIALS",
            KeyError::InvalidCredentials => "INVALID_CREDENTIALS",
            KeyError::Random | KeyError::Storage(_) => "INTERNAL",
        }
    }
}
