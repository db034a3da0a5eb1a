//! How one call ended, classified: every call gets exactly one [`Outcome`].
//!
//! The server's tool errors are told apart by their text (the same text a client reads);
//! transport failures and client timeouts are the harness's own observations.

use serde::Serialize;

use crate::client::ToolCallError;

/// The end of one call attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A result.
    Ok,
    /// Refused by a rate limit (deliberate).
    RateLimited,
    /// Shed by the memory guard (deliberate).
    Shed,
    /// Refused by an open circuit breaker (deliberate).
    BreakerOpen,
    /// Failed on purpose by the chaos monkey's failure injection (deliberate).
    InjectedFault,
    /// The server said the tool is restarting or the call was interrupted by a fault.
    Unavailable,
    /// No score with that id.
    NotFound,
    /// The score id is taken.
    AlreadyExists,
    /// Another tool error (bad input, unreadable score, internal fault).
    ToolError,
    /// The connection failed or broke (process kill, proxy fault) before a reply.
    ConnectionLost,
    /// The client's timeout passed without any reply: an unanswered request.
    Timeout,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Self; 11] = [
        Self::Ok,
        Self::RateLimited,
        Self::Shed,
        Self::BreakerOpen,
        Self::InjectedFault,
        Self::Unavailable,
        Self::NotFound,
        Self::AlreadyExists,
        Self::ToolError,
        Self::ConnectionLost,
        Self::Timeout,
    ];

    /// The snake-case name used in the report.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::RateLimited => "rate_limited",
            Self::Shed => "shed",
            Self::BreakerOpen => "breaker_open",
            Self::InjectedFault => "injected_fault",
            Self::Unavailable => "unavailable",
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::ToolError => "tool_error",
            Self::ConnectionLost => "connection_lost",
            Self::Timeout => "timeout",
        }
    }

    /// Index into [`Outcome::ALL`].
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }

    /// A refusal the server makes on purpose to protect itself: not counted against success.
    pub fn is_deliberate_rejection(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::Shed | Self::BreakerOpen | Self::InjectedFault
        )
    }

    /// Worth sending again after a pause.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited
                | Self::Shed
                | Self::InjectedFault
                | Self::Unavailable
                | Self::ConnectionLost
                | Self::Timeout
        )
    }

    /// The client session should be dropped and a new one opened before the next try.
    pub fn needs_reconnect(self) -> bool {
        matches!(self, Self::ConnectionLost | Self::Timeout)
    }
}

/// Classifies a finished call.
pub fn classify(result: &Result<serde_json::Value, ToolCallError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(ToolCallError::Tool(message)) => classify_tool_error(message),
        Err(ToolCallError::Protocol(_)) => Outcome::ConnectionLost,
    }
}

/// Classifies a tool error by its text.
pub fn classify_tool_error(message: &str) -> Outcome {
    let text = message.to_ascii_lowercase();
    if text.contains("rate limited") {
        Outcome::RateLimited
    } else if text.contains("memory limit") {
        Outcome::Shed
    } else if text.contains("circuit breaker is open") {
        Outcome::BreakerOpen
    } else if text.contains("fault injection") {
        Outcome::InjectedFault
    } else if text.contains("restarting or overloaded")
        || text.contains("may or may not have completed")
    {
        Outcome::Unavailable
    } else if text.contains("no score with id") {
        Outcome::NotFound
    } else if text.contains("already exists") {
        Outcome::AlreadyExists
    } else {
        Outcome::ToolError
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_errors_are_classified_by_their_text() {
        let cases = [
            (
                "rate limited on session abc, retry after 20 ms",
                Outcome::RateLimited,
            ),
            (
                "the server is at its memory limit, so import_score is refused",
                Outcome::Shed,
            ),
            (
                "key_analysis is failing repeatedly and its circuit breaker is open; retry",
                Outcome::BreakerOpen,
            ),
            (
                "key_analysis failed on purpose (fault injection); try again",
                Outcome::InjectedFault,
            ),
            (
                "key_analysis is restarting or overloaded (x); try again in a moment",
                Outcome::Unavailable,
            ),
            (
                "no score with id 'a'; call list_scores to see the stored ids",
                Outcome::NotFound,
            ),
            ("a score with id 'a' already exists", Outcome::AlreadyExists),
            ("score_id is empty", Outcome::ToolError),
        ];
        for (text, expected) in cases {
            assert_eq!(classify_tool_error(text), expected, "{text}");
        }
    }

    #[test]
    fn only_protective_refusals_are_deliberate() {
        let deliberate: Vec<_> = Outcome::ALL
            .into_iter()
            .filter(|o| o.is_deliberate_rejection())
            .collect();
        assert_eq!(
            deliberate,
            [
                Outcome::RateLimited,
                Outcome::Shed,
                Outcome::BreakerOpen,
                Outcome::InjectedFault
            ]
        );
        assert!(!Outcome::Timeout.is_deliberate_rejection());
    }
}
