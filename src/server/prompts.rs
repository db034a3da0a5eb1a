//! MCP prompts: ready-made requests that walk a client through the tools.
//!
//! Each prompt is a name, its arguments and a function that writes the user message from them;
//! a missing required argument is `invalid_params` naming it.

use rmcp::ErrorData as McpError;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};

/// One prompt: what it is called, what it takes, and the message it writes.
struct PromptSpec {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    arguments: &'static [(&'static str, &'static str, bool)],
    render: fn(&Arguments) -> String,
}

const PROMPTS: &[PromptSpec] = &[
    PromptSpec {
        name: "analyse_chorale_harmony",
        title: "Analyse a chorale's harmony",
        description: "Import a Bach chorale and analyse its key, chords, harmony and voice leading",
        arguments: &[
            (
                "corpus_name",
                "A corpus name such as bach/bwv1.6 (default: builtin/old-hundredth, a four-part hymn that is always there)",
                false,
            ),
            (
                "score_id",
                "The id to store it under (default: the corpus name's last part)",
                false,
            ),
        ],
        render: chorale_harmony,
    },
    PromptSpec {
        name: "compare_keys",
        title: "Compare two scores' keys",
        description: "Find the key of two stored scores with several key-finding weightings and compare them",
        arguments: &[
            ("score_a", "The first stored score's id", true),
            ("score_b", "The second stored score's id", true),
        ],
        render: compare_keys,
    },
    PromptSpec {
        name: "describe_score",
        title: "Describe a stored score",
        description: "Summarise a stored score: parts, ranges, meter, key and length",
        arguments: &[("score_id", "The stored score's id", true)],
        render: describe_score,
    },
];

/// The prompts as MCP lists them.
pub(super) fn list() -> Vec<Prompt> {
    PROMPTS
        .iter()
        .map(|spec| {
            let arguments = spec
                .arguments
                .iter()
                .map(|(name, description, required)| {
                    PromptArgument::new(*name)
                        .with_description(*description)
                        .with_required(*required)
                })
                .collect();
            Prompt::new(spec.name, Some(spec.description), Some(arguments)).with_title(spec.title)
        })
        .collect()
}

/// Whether `name` is one of ours (the conformance fixtures have their own).
pub(super) fn exists(name: &str) -> bool {
    PROMPTS.iter().any(|spec| spec.name == name)
}

/// The names of the arguments of `prompt` that take a stored score id (for completion).
pub(super) fn takes_score_id(prompt: &str, argument: &str) -> bool {
    exists(prompt) && matches!(argument, "score_id" | "score_a" | "score_b")
}

/// Writes prompt `name` for `arguments`.
pub(super) fn get(name: &str, arguments: Option<&JsonObject>) -> Result<GetPromptResult, McpError> {
    let spec = PROMPTS
        .iter()
        .find(|spec| spec.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = PROMPTS.iter().map(|s| s.name).collect();
            McpError::invalid_params(
                format!(
                    "no prompt named '{name}'; the prompts are {}",
                    names.join(", ")
                ),
                None,
            )
        })?;
    let args = Arguments(arguments);
    for (argument, _, required) in spec.arguments {
        if *required && args.get(argument).is_none() {
            return Err(McpError::invalid_params(
                format!("prompt '{name}' needs the argument '{argument}'"),
                None,
            ));
        }
    }
    let text = (spec.render)(&args);
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(spec.description),
    )
}

/// Prompt arguments, read as non-empty strings.
struct Arguments<'a>(Option<&'a JsonObject>);

impl Arguments<'_> {
    fn get(&self, name: &str) -> Option<String> {
        let value = self.0?.get(name)?;
        let text = match value {
            serde_json::Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        };
        (!text.is_empty()).then_some(text)
    }
}

fn chorale_harmony(args: &Arguments) -> String {
    let corpus = args
        .get("corpus_name")
        .unwrap_or_else(|| "builtin/old-hundredth".to_string());
    let default_id = corpus.rsplit('/').next().unwrap_or(&corpus).to_string();
    let id = args.get("score_id").unwrap_or(default_id);
    format!(
        "Analyse the harmony of the chorale {corpus}.\n\
         1. Call import_score with score_id \"{id}\", source \"{corpus}\" and source_type \
         \"corpus\" (skip this if list_scores already shows \"{id}\").\n\
         2. Call key_analysis on \"{id}\" for the overall key and how sure it is.\n\
         3. Call chord_analysis and harmony_analysis on \"{id}\" for the chords and their Roman \
         numerals in that key, and voice_leading_analysis for parallel fifths and octaves.\n\
         4. Summarise: the key, the cadences and where they fall, any modulation, and any \
         voice-leading faults, citing measure numbers. If a tool says it is not available yet, \
         say so rather than guessing its result."
    )
}

fn compare_keys(args: &Arguments) -> String {
    let a = args.get("score_a").unwrap_or_default();
    let b = args.get("score_b").unwrap_or_default();
    format!(
        "Compare the keys of the stored scores \"{a}\" and \"{b}\".\n\
         For each, call key_analysis with method \"aarden\" (the default), then \"krumhansl\" and \
         \"temperley\". Report each score's key and correlation per method, whether the methods \
         agree, and whether the two scores share a key, are relative or parallel keys, or are \
         a fifth apart. Quote the correlations so the confidence is visible."
    )
}

fn describe_score(args: &Arguments) -> String {
    let id = args.get("score_id").unwrap_or_default();
    format!(
        "Describe the stored score \"{id}\".\n\
         Read the resource score://{id} (or call score_info with score_id \"{id}\") and \
         summarise its title and composer, its parts with their ranges, its time and key \
         signatures, its number of measures and its length in quarter notes; then call \
         key_analysis for its key."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> JsonObject {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect()
    }

    fn text_of(result: &GetPromptResult) -> String {
        serde_json::to_string(&result.messages).expect("messages serialise")
    }

    #[test]
    fn every_listed_prompt_can_be_written_with_its_required_arguments() {
        for prompt in list() {
            let given: Vec<(String, String)> = prompt
                .arguments
                .iter()
                .flatten()
                .filter(|a| a.required == Some(true))
                .map(|a| (a.name.clone(), "x".to_string()))
                .collect();
            let pairs: Vec<(&str, &str)> = given
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();

            let result = get(&prompt.name, Some(&args(&pairs)));

            assert!(result.is_ok(), "{}", prompt.name);
        }
    }

    #[test]
    fn chorale_prompt_defaults_to_the_built_in_hymn_and_names_the_tools() {
        let result = get("analyse_chorale_harmony", None).expect("no required arguments");

        let text = text_of(&result);

        assert!(text.contains("builtin/old-hundredth"));
        assert!(text.contains("\\\"old-hundredth\\\""), "{text}");
        assert!(text.contains("harmony_analysis"));
    }

    #[test]
    fn missing_required_argument_is_invalid_params_naming_it() {
        let err = get("compare_keys", Some(&args(&[("score_a", "a")]))).unwrap_err();

        assert_eq!(err.code, rmcp::model::ErrorCode::INVALID_PARAMS);
        assert!(err.message.contains("score_b"));
    }

    #[test]
    fn unknown_prompt_lists_the_real_ones() {
        let err = get("nope", None).unwrap_err();

        assert!(err.message.contains("describe_score"));
    }
}
