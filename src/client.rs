//! A thin wrapper over rmcp's client for the demo, the tests and the stress harness.
//!
//! It turns a tool call into `Ok(structured JSON)` or `Err(ToolCallError)`, keeping the two
//! kinds of failure apart: a tool error (the tool ran and said no) and a protocol or
//! transport failure.

use rmcp::RoleClient;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use serde_json::Value;

/// How a tool call failed.
#[derive(Debug, thiserror::Error)]
pub enum ToolCallError {
    /// The tool answered with `isError: true`; the text is its message.
    #[error("tool error: {0}")]
    Tool(String),
    /// The request never got a tool result (transport closed, protocol error).
    #[error("protocol failure: {0}")]
    Protocol(String),
}

impl ToolCallError {
    /// The tool's message, when the tool itself refused.
    pub fn tool_message(&self) -> Option<&str> {
        match self {
            Self::Tool(message) => Some(message),
            Self::Protocol(_) => None,
        }
    }
}

/// Calls `tool` with JSON object arguments and returns its structured content.
pub async fn call_tool<S>(
    client: &RunningService<RoleClient, S>,
    tool: &str,
    arguments: Value,
) -> Result<Value, ToolCallError>
where
    S: rmcp::service::Service<RoleClient>,
{
    let mut params = CallToolRequestParams::new(tool.to_string());
    if let Value::Object(map) = arguments {
        params = params.with_arguments(map);
    }
    let result = client
        .call_tool(params)
        .await
        .map_err(|err| ToolCallError::Protocol(err.to_string()))?;
    let text = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n");
    if result.is_error == Some(true) {
        return Err(ToolCallError::Tool(text));
    }
    match result.structured_content {
        Some(value) => Ok(value),
        None => serde_json::from_str(&text).map_err(|err| {
            ToolCallError::Protocol(format!("tool {tool} returned no structured content: {err}"))
        }),
    }
}
