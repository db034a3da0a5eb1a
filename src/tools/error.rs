//! Tool errors: failures the client can act on, with a message that says what to do.

/// What kind of failure a tool call ended in; decides how it is counted and whether a
/// circuit breaker cares (only server faults do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolErrorKind {
    /// The arguments are wrong (empty id, unknown method, ...).
    InvalidInput,
    /// The score id or corpus name does not exist.
    NotFound,
    /// The score id is taken.
    AlreadyExists,
    /// The source could not be read as a score.
    UnreadableScore,
    /// The analysis has no answer for this score (for example, no notes).
    NotAnalysable,
    /// The service could not answer in time or is restarting.
    Unavailable,
    /// The call went over a rate limit; retry after the time the message gives.
    RateLimited,
    /// The tool's circuit breaker is open after repeated server faults.
    CircuitOpen,
    /// The server is at its memory limit and refuses heavy work for now.
    Overloaded,
    /// A fault inside the server.
    Internal,
}

impl ToolErrorKind {
    /// The snake-case name used in metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::UnreadableScore => "unreadable_score",
            Self::NotAnalysable => "not_analysable",
            Self::Unavailable => "unavailable",
            Self::RateLimited => "rate_limited",
            Self::CircuitOpen => "circuit_open",
            Self::Overloaded => "overloaded",
            Self::Internal => "internal",
        }
    }

    /// Whether the failure is the server's fault rather than the caller's.
    pub fn is_server_fault(self) -> bool {
        matches!(self, Self::Unavailable | Self::Internal)
    }
}

/// A failed tool call, shown to the client as a tool result with `isError: true`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ToolError {
    /// The kind of failure.
    pub kind: ToolErrorKind,
    /// One lowercase line: what went wrong and what to try.
    pub message: String,
}

impl ToolError {
    /// Builds an error of the given kind.
    pub fn new(kind: ToolErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The arguments are wrong.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ToolErrorKind::InvalidInput, message)
    }

    /// A fault inside the server.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ToolErrorKind::Internal, message)
    }
}

impl From<crate::store::StoreError> for ToolError {
    fn from(err: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        let kind = match &err {
            StoreError::NotFound(_) => ToolErrorKind::NotFound,
            StoreError::AlreadyExists(_) => ToolErrorKind::AlreadyExists,
            _ => ToolErrorKind::Internal,
        };
        Self::new(kind, err.to_string())
    }
}

/// Checks a client-chosen score id: 1 to 128 characters of letters, digits, `.`, `_`, `-`.
pub fn validate_score_id(id: &str) -> Result<(), ToolError> {
    if id.trim().is_empty() {
        return Err(ToolError::invalid(
            "score_id is empty; give a short name such as 'bwv66.6' or 'my-song'",
        ));
    }
    if id.len() > 128 {
        return Err(ToolError::invalid(format!(
            "score_id is {} characters long; use at most 128",
            id.len()
        )));
    }
    if id.chars().all(|c| c == '.') {
        return Err(ToolError::invalid(format!(
            "score_id '{id}' is only dots; include at least one letter or digit"
        )));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(ToolError::invalid(format!(
            "score_id '{id}' contains {bad:?}; use only letters, digits, '.', '_' and '-'"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_ids_are_checked_with_a_hint() {
        assert!(validate_score_id("bwv66.6").is_ok());
        assert!(validate_score_id("a_b-C.9").is_ok());
        let empty = validate_score_id("  ").unwrap_err();
        assert_eq!(empty.kind, ToolErrorKind::InvalidInput);
        assert!(empty.message.contains("empty"));
        assert!(
            validate_score_id("a/b")
                .unwrap_err()
                .message
                .contains("'/'")
        );
        assert!(validate_score_id(&"x".repeat(129)).is_err());
        assert!(
            validate_score_id("..")
                .unwrap_err()
                .message
                .contains("only dots")
        );
        assert!(validate_score_id(".").is_err());
    }
}
