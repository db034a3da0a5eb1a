//! The MCP protocol surface of `MusicServer`: capabilities, tool calls (through
//! [`super::tool_call`]), resources and their subscriptions, prompts, completion and logging.
//!
//! `get_info` advertises exactly what is implemented here, since rmcp rejects calls to
//! capabilities that are not advertised.

// Logging (and, for the fixtures, sampling) are deprecated by SEP-2577 but remain part of
// the protocol versions served here (2025-06-18, 2025-11-25), so their types are used on purpose.
#![allow(deprecated)]

use rmcp::model::{
    ArgumentInfo, CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
    CompletionInfo, GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Reference,
    ResourceUpdatedNotificationParam, ServerCapabilities, ServerConfig, SetLevelRequestParams,
    SubscribeRequestParams, Tool as ToolInfo, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, Peer, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tokio::sync::broadcast::error::RecvError;

use super::context::{ResourceEvent, SessionState};
use super::{MusicServer, conformance, prompts, resources, tool_call};
use crate::tools::list_scores::{ListScores, ListScoresArgs};

const INSTRUCTIONS: &str = "Music analysis compatible with music21. Import a score first \
    (import_score with source_type corpus, file or text), then analyse it by score_id. Stored \
    scores are also resources (score://{score_id}); the prompts show typical analyses.";

impl ServerHandler for MusicServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_completions()
            .enable_prompts()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_resources_list_changed()
            .enable_tools()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("music-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        tool_call::serve(self, request, context).await
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tool_router.list_all()))
    }

    fn get_tool(&self, name: &str) -> Option<ToolInfo> {
        self.tool_router.get(name).cloned()
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        tracing::debug!(level = ?request.level, "client set its log level");
        self.session.set_log_level(request.level);
        Ok(())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let mut listed = resources::list(self, &context.ct).await?;
        if self.shared.options.conformance_fixtures {
            listed.extend(conformance::resources());
        }
        Ok(ListResourcesResult::with_all_items(listed))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let mut templates = resources::templates();
        if self.shared.options.conformance_fixtures {
            templates.extend(conformance::resource_templates());
        }
        Ok(ListResourceTemplatesResult::with_all_items(templates))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        if self.shared.options.conformance_fixtures
            && let Some(contents) = conformance::read_resource(&request.uri)
        {
            return Ok(ReadResourceResult::new(vec![contents]).into());
        }
        let contents = resources::read(self, &request.uri, &context.ct).await?;
        Ok(ReadResourceResult::new(contents).into())
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.session.subscribe(&request.uri);
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.session.unsubscribe(&request.uri);
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        let mut listed = prompts::list();
        if self.shared.options.conformance_fixtures {
            listed.extend(conformance::prompts());
        }
        Ok(ListPromptsResult::with_all_items(listed))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        if self.shared.options.conformance_fixtures
            && let Some(result) = conformance::get_prompt(&request.name, request.arguments.as_ref())
        {
            return Ok(result.into());
        }
        prompts::get(&request.name, request.arguments.as_ref()).map(Into::into)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        let wants_score_id = match &request.r#ref {
            Reference::Prompt(prompt) => {
                prompts::takes_score_id(&prompt.name, &request.argument.name)
            }
            Reference::Resource(resource) => {
                resource.uri == resources::SCORE_TEMPLATE && request.argument.name == "score_id"
            }
            _ => false,
        };
        let values = if wants_score_id {
            self.score_ids_starting_with(&request.argument, &context)
                .await
        } else {
            Vec::new()
        };
        let completion =
            CompletionInfo::new(values).map_err(|err| McpError::internal_error(err, None))?;
        Ok(CompleteResult::new(completion))
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        tracing::info!("client initialized");
        if self.session.claim_forwarder() {
            let events = self.shared.events.subscribe();
            tokio::spawn(forward_resource_events(
                events,
                context.peer.clone(),
                self.session.clone(),
            ));
        }
    }
}

impl MusicServer {
    /// Stored score ids that start with the typed value, at most a page of them.
    async fn score_ids_starting_with(
        &self,
        argument: &ArgumentInfo,
        context: &RequestContext<RoleServer>,
    ) -> Vec<String> {
        let Ok(listed) = self
            .runtime
            .call::<ListScores>(ListScoresArgs {}, &context.ct)
            .await
        else {
            return Vec::new();
        };
        listed
            .scores
            .into_iter()
            .map(|score| score.score_id)
            .filter(|id| id.starts_with(&argument.value))
            .take(CompletionInfo::MAX_VALUES)
            .collect()
    }
}

/// Sends this session `resources/list_changed` and, for subscribed URIs, `resources/updated`,
/// until its peer goes away.
async fn forward_resource_events(
    mut events: tokio::sync::broadcast::Receiver<ResourceEvent>,
    peer: Peer<RoleServer>,
    session: std::sync::Arc<SessionState>,
) {
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            // Missed events: a list change covers them all.
            Err(RecvError::Lagged(_)) => ResourceEvent::ListChanged,
            Err(RecvError::Closed) => return,
        };
        let sent = match event {
            ResourceEvent::ListChanged => peer.notify_resource_list_changed().await,
            ResourceEvent::Updated(uri) if session.is_subscribed(&uri) => {
                peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri))
                    .await
            }
            ResourceEvent::Updated(_) => Ok(()),
        };
        if sent.is_err() {
            tracing::debug!("session gone; resource notifications stop");
            return;
        }
    }
}
