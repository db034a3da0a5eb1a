//! The MCP conformance suite's fixtures, served only under `serve --conformance-fixtures`.
//!
//! The suite (npm `@modelcontextprotocol/conformance`) calls tools, reads resources and gets
//! prompts with fixed names (`test_simple_text`, `test://static-text`, `test_simple_prompt`,
//! ...) and checks the exact answers. These fixtures exist so the suite can check our protocol
//! handling (content types, progress, logging, sampling, elicitation, subscriptions); the music
//! tools, resources and prompts are served beside them unchanged.

// Logging (and, for the fixtures, sampling) are deprecated by SEP-2577 but remain part of
// the protocol versions served here (2025-06-18, 2025-11-25), so their types are used on purpose.
#![allow(deprecated)]

use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    AudioContent, CallToolResult, ContentBlock, CreateMessageRequestParams, ElicitRequestParams,
    ElicitationSchema, GetPromptResult, JsonObject, LoggingLevel, LoggingMessageNotificationParam,
    ProgressNotificationParam, Prompt, PromptArgument, PromptMessage, Resource, ResourceContents,
    ResourceTemplate, Role, SamplingMessage,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::MusicServer;

/// A 1x1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";

/// A WAV file holding no samples.
const WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=";

const FIXTURE_PREFIXES: [&str; 2] = ["test_", "json_schema_"];

/// Whether a tool name belongs to the fixtures (they report their own progress and logs).
pub fn is_fixture_tool(name: &str) -> bool {
    FIXTURE_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// Arguments of `test_sampling`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SamplingArgs {
    /// The prompt to send to the client's model.
    pub prompt: String,
}

/// Arguments of `test_elicitation`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ElicitationArgs {
    /// The message shown to the user.
    pub message: String,
}

/// Arguments of `json_schema_2020_12_tool` (its advertised schema is written by hand).
#[derive(Debug, Deserialize)]
pub struct NamedArgs {
    /// A name to greet.
    pub name: Option<String>,
}

fn text_result(text: impl Into<String>) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(text)])
}

fn embedded(uri: &str, mime: &str, text: &str) -> ContentBlock {
    ContentBlock::resource(ResourceContents::text(text, uri).with_mime_type(mime))
}

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

fn schema_2020_12() -> Arc<JsonObject> {
    Arc::new(object(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "type": "object",
                "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
            }
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" }
        },
        "additionalProperties": false
    })))
}

/// What the client declared it can do, read from its `initialize` request.
fn client_can(context: &RequestContext<RoleServer>, sampling: bool) -> bool {
    context.peer.peer_info().is_some_and(|info| {
        if sampling {
            info.capabilities.sampling.is_some()
        } else {
            info.capabilities.elicitation.is_some()
        }
    })
}

async fn elicit(
    context: &RequestContext<RoleServer>,
    message: &str,
    schema: Value,
) -> Result<String, String> {
    // A server may only ask what the client declared it can answer.
    if !client_can(context, false) {
        return Err("the client did not declare the elicitation capability".to_string());
    }
    let schema: ElicitationSchema =
        serde_json::from_value(schema).map_err(|err| format!("bad fixture schema: {err}"))?;
    let params = ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: message.to_string(),
        requested_schema: schema,
    };
    let answer = context
        .peer
        .create_elicitation(params)
        .await
        .map_err(|err| format!("elicitation failed: {err}"))?;
    let action = serde_json::to_value(&answer.action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(format!(
        "action={action}, content={}",
        json!(answer.content)
    ))
}

#[tool_router(router = conformance_tool_router, vis = "pub(super)")]
impl MusicServer {
    /// Returns simple text content.
    #[tool]
    async fn test_simple_text(&self) -> CallToolResult {
        text_result("This is a simple text response for testing.")
    }

    /// Returns image content.
    #[tool]
    async fn test_image_content(&self) -> CallToolResult {
        CallToolResult::success(vec![ContentBlock::image(PNG, "image/png")])
    }

    /// Returns audio content.
    #[tool]
    async fn test_audio_content(&self) -> CallToolResult {
        let audio = ContentBlock::Audio(AudioContent::new(WAV, "audio/wav"));
        CallToolResult::success(vec![audio])
    }

    /// Returns an embedded resource.
    #[tool]
    async fn test_embedded_resource(&self) -> CallToolResult {
        let text = "This is an embedded resource content.";
        CallToolResult::success(vec![embedded(
            "test://embedded-resource",
            "text/plain",
            text,
        )])
    }

    /// Returns text, an image and an embedded resource.
    #[tool]
    async fn test_multiple_content_types(&self) -> CallToolResult {
        CallToolResult::success(vec![
            ContentBlock::text("Multiple content types test:"),
            ContentBlock::image(PNG, "image/png"),
            embedded(
                "test://mixed-content-resource",
                "application/json",
                r#"{"test":"data","value":123}"#,
            ),
        ])
    }

    /// Sends three log messages while it runs.
    #[tool]
    async fn test_tool_with_logging(&self, context: RequestContext<RoleServer>) -> CallToolResult {
        for line in [
            "Tool execution started",
            "Tool processing data",
            "Tool execution completed",
        ] {
            let param = LoggingMessageNotificationParam::new(LoggingLevel::Info, json!(line))
                .with_logger("conformance");
            let _ = context.peer.notify_logging_message(param).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        text_result("Logging test completed")
    }

    /// Always answers with a tool error.
    #[tool]
    async fn test_error_handling(&self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(
            "This tool intentionally returns an error for testing",
        )])
    }

    /// Reports progress 0, 50 and 100 of 100.
    #[tool]
    async fn test_tool_with_progress(&self, context: RequestContext<RoleServer>) -> CallToolResult {
        let token = context.meta.get_progress_token();
        for (progress, message) in [(0.0, "Starting"), (50.0, "Halfway"), (100.0, "Complete")] {
            if let Some(token) = &token {
                let param = ProgressNotificationParam::new(token.clone(), progress)
                    .with_total(100.0)
                    .with_message(message);
                let _ = context.peer.notify_progress(param).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        text_result("Progress test completed")
    }

    /// Asks the client's model to answer a prompt.
    #[tool]
    async fn test_sampling(
        &self,
        Parameters(args): Parameters<SamplingArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        if !client_can(&context, true) {
            return CallToolResult::error(vec![ContentBlock::text(
                "the client did not declare the sampling capability, so it cannot be asked",
            )]);
        }
        let request =
            CreateMessageRequestParams::new(vec![SamplingMessage::user_text(args.prompt)], 100);
        match context.peer.create_message(request).await {
            Ok(answer) => {
                let text = answer
                    .message
                    .content
                    .first()
                    .and_then(|c| c.as_text())
                    .map(|t| t.text.clone())
                    .unwrap_or_else(|| "No text response".to_string());
                text_result(format!("LLM response: {text}"))
            }
            Err(err) => {
                CallToolResult::error(vec![ContentBlock::text(format!("sampling failed: {err}"))])
            }
        }
    }

    /// Asks the user for a username and an email address.
    #[tool]
    async fn test_elicitation(
        &self,
        Parameters(args): Parameters<ElicitationArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let schema = json!({
            "type": "object",
            "properties": {
                "username": { "type": "string", "description": "User's response" },
                "email": { "type": "string", "description": "User's email address" }
            },
            "required": ["username", "email"]
        });
        elicit_result(
            elicit(&context, &args.message, schema).await,
            "User response",
        )
    }

    /// Asks the user for values that all have defaults (SEP-1034).
    #[tool]
    async fn test_elicitation_sep1034_defaults(
        &self,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "description": "User's name", "default": "John Doe" },
                "age": { "type": "integer", "description": "User's age", "default": 30 },
                "score": { "type": "number", "description": "User's score", "default": 95.5 },
                "status": {
                    "type": "string", "description": "User's status",
                    "enum": ["active", "inactive", "pending"], "default": "active"
                },
                "verified": { "type": "boolean", "description": "Verified", "default": true }
            }
        });
        let message = "Please provide values (all have defaults)";
        elicit_result(
            elicit(&context, message, schema).await,
            "Elicitation completed",
        )
    }

    /// Asks the user to pick from enumerations in every form SEP-1330 allows.
    #[tool]
    async fn test_elicitation_sep1330_enums(
        &self,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let schema = json!({
            "type": "object",
            "properties": {
                "untitledSingle": { "type": "string", "enum": ["option1", "option2", "option3"] },
                "titledSingle": { "type": "string", "oneOf": [
                    { "const": "value1", "title": "First Option" },
                    { "const": "value2", "title": "Second Option" },
                    { "const": "value3", "title": "Third Option" }
                ] },
                "legacyEnum": {
                    "type": "string", "enum": ["opt1", "opt2", "opt3"],
                    "enumNames": ["Option One", "Option Two", "Option Three"]
                },
                "untitledMulti": { "type": "array", "items": {
                    "type": "string", "enum": ["option1", "option2", "option3"]
                } },
                "titledMulti": { "type": "array", "items": { "anyOf": [
                    { "const": "value1", "title": "First Choice" },
                    { "const": "value2", "title": "Second Choice" },
                    { "const": "value3", "title": "Third Choice" }
                ] } }
            }
        });
        let message = "Test enum schema improvements";
        elicit_result(
            elicit(&context, message, schema).await,
            "Enum elicitation completed",
        )
    }

    /// Takes arguments described with JSON Schema 2020-12 features.
    #[tool(input_schema = schema_2020_12())]
    async fn json_schema_2020_12_tool(
        &self,
        Parameters(args): Parameters<NamedArgs>,
    ) -> CallToolResult {
        text_result(format!(
            "Hello, {}!",
            args.name.as_deref().unwrap_or("world")
        ))
    }

    /// Answers after a short pause (the suite drops and resumes the stream meanwhile).
    #[tool]
    async fn test_reconnection(&self) -> CallToolResult {
        tokio::time::sleep(Duration::from_millis(100)).await;
        text_result("Reconnection test completed")
    }
}

fn elicit_result(answer: Result<String, String>, label: &str) -> CallToolResult {
    match answer {
        Ok(text) => text_result(format!("{label}: {text}")),
        Err(err) => CallToolResult::error(vec![ContentBlock::text(err)]),
    }
}

/// The fixture tools.
pub(super) fn tools() -> ToolRouter<MusicServer> {
    MusicServer::conformance_tool_router()
}

/// The fixture resources.
pub(super) fn resources() -> Vec<Resource> {
    vec![
        Resource::new("test://static-text", "Static Text Resource")
            .with_description("A static text resource for testing")
            .with_mime_type("text/plain"),
        Resource::new("test://static-binary", "Static Binary Resource")
            .with_description("A static binary resource for testing")
            .with_mime_type("image/png"),
        Resource::new("test://watched-resource", "Watched Resource")
            .with_description("A resource to subscribe to")
            .with_mime_type("text/plain"),
    ]
}

/// The fixture resource templates.
pub(super) fn resource_templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("test://template/{id}/data", "Dynamic Resource")
            .with_description("A dynamic resource with parameter substitution")
            .with_mime_type("application/json"),
    ]
}

/// Reads a fixture resource; `None` for URIs that are not fixtures.
pub(super) fn read_resource(uri: &str) -> Option<ResourceContents> {
    let contents = match uri {
        "test://static-text" => {
            ResourceContents::text("This is the content of the static text resource.", uri)
                .with_mime_type("text/plain")
        }
        "test://static-binary" => ResourceContents::blob(PNG, uri).with_mime_type("image/png"),
        "test://watched-resource" => {
            ResourceContents::text("Watched resource content.", uri).with_mime_type("text/plain")
        }
        _ => {
            let id = uri
                .strip_prefix("test://template/")?
                .strip_suffix("/data")?;
            let body =
                json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") });
            ResourceContents::text(body.to_string(), uri).with_mime_type("application/json")
        }
    };
    Some(contents)
}

/// The fixture prompts.
pub(super) fn prompts() -> Vec<Prompt> {
    let arguments = vec![
        PromptArgument::new("arg1")
            .with_description("First test argument")
            .with_required(true),
        PromptArgument::new("arg2")
            .with_description("Second test argument")
            .with_required(false),
    ];
    vec![
        Prompt::new(
            "test_simple_prompt",
            Some("A simple test prompt with no arguments"),
            None,
        ),
        Prompt::new(
            "test_prompt_with_arguments",
            Some("A test prompt that accepts arguments"),
            Some(arguments),
        ),
        Prompt::new(
            "test_prompt_with_embedded_resource",
            Some("A test prompt that includes an embedded resource"),
            None,
        ),
        Prompt::new(
            "test_prompt_with_image",
            Some("A test prompt that includes an image"),
            None,
        ),
    ]
}

/// Gets a fixture prompt; `None` for names that are not fixtures.
pub(super) fn get_prompt(name: &str, arguments: Option<&JsonObject>) -> Option<GetPromptResult> {
    let text = |s: &str| PromptMessage::new_text(Role::User, s);
    let messages = match name {
        "test_simple_prompt" => vec![text("This is a simple test prompt.")],
        "test_prompt_with_arguments" => {
            let arg = |key: &str| {
                arguments
                    .and_then(|args| args.get(key))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            vec![text(&format!(
                "Prompt with arguments: arg1='{}', arg2='{}'",
                arg("arg1"),
                arg("arg2")
            ))]
        }
        "test_prompt_with_embedded_resource" => vec![
            text("Here is a resource:"),
            PromptMessage::new_resource(
                Role::User,
                "test://static-text".to_string(),
                Some("text/plain".to_string()),
                Some("Resource content for prompt".to_string()),
                None,
                None,
                None,
            ),
        ],
        "test_prompt_with_image" => vec![
            text("Here is an image:"),
            PromptMessage::new(Role::User, ContentBlock::image(PNG, "image/png")),
        ],
        _ => return None,
    };
    Some(GetPromptResult::new(messages))
}
