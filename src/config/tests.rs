//! Tests of the configuration layers: precedence, profiles, validation and printing.

use std::io::Write;

use clap::Parser;

use super::*;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    flags: ConfigFlags,
}

fn flags(args: &[&str]) -> ConfigFlags {
    let mut argv = vec!["music-mcp"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).expect("flags parse").flags
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_bytes()).expect("write config");
    file
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_file() {
    let toml = file("data_dir = \"/from/file\"\n[limits]\nmax_events = 11\nmax_parts = 7\n");
    let path = toml.path().to_str().expect("utf-8 path");
    let environment = env(&[
        ("MUSIC_MCP_MAX_EVENTS", "22"),
        ("MUSIC_MCP_DATA_DIR", "/from/env"),
    ]);

    let config = Config::load_with_env(
        &flags(&["--config", path, "--data-dir", "/from/flag"]),
        &environment,
    )
    .expect("config loads");

    assert_eq!(config.data_dir, PathBuf::from("/from/flag"));
    assert_eq!(config.limits.max_events, 22);
    assert_eq!(config.limits.max_parts, 7);
    assert_eq!(
        config.limits.max_xml_depth, 64,
        "untouched settings keep the default"
    );
}

#[test]
fn lite_profile_shrinks_caches_and_limits_memory_to_512_mib_soft_and_1_gib_hard() {
    let config = Config::load_with_env(&flags(&["--profile", "lite"]), &[]).expect("loads");
    let default = Config::load_with_env(&flags(&[]), &[]).expect("loads");

    assert_eq!(config.profile, Profile::Lite);
    assert_eq!(config.memory.soft_limit_bytes, 512 * 1024 * 1024);
    assert_eq!(config.memory.hard_limit_bytes, 1024 * 1024 * 1024);
    assert!(config.cache.scores < default.cache.scores);
    assert!(config.limits.max_events < default.limits.max_events);
}

#[test]
fn profile_named_in_the_file_applies_when_no_flag_or_variable_names_one() {
    let toml = file("profile = \"lite\"\n");
    let path = toml.path().to_str().expect("utf-8 path");

    let from_file = Config::load_with_env(&flags(&["--config", path]), &[]).expect("loads");
    let overridden = Config::load_with_env(
        &flags(&["--config", path]),
        &env(&[("MUSIC_MCP_PROFILE", "default")]),
    )
    .expect("loads");

    assert_eq!(from_file.profile, Profile::Lite);
    assert_eq!(overridden.profile, Profile::Default);
}

#[test]
fn unknown_setting_in_the_file_is_rejected_with_its_name() {
    let toml = file("[http]\nbindd = \"127.0.0.1:1\"\n");
    let path = toml.path().to_str().expect("utf-8 path");

    let err = Config::load_with_env(&flags(&["--config", path]), &[]).unwrap_err();

    assert!(err.to_string().contains("bindd"), "{err}");
}

#[test]
fn set_entries_reach_any_setting_and_read_toml_values() {
    let config = Config::load_with_env(
        &flags(&[
            "--set",
            "breaker.failure_threshold=9",
            "--set",
            "http.allowed_hosts=[\"music.example.com\"]",
            "--set",
            "log.level=debug,music_mcp=trace",
        ]),
        &[],
    )
    .expect("loads");

    assert_eq!(config.breaker.failure_threshold, 9);
    assert_eq!(config.http.allowed_hosts, vec!["music.example.com"]);
    assert_eq!(config.log.level, "debug,music_mcp=trace");
}

#[test]
fn malformed_set_entry_and_bad_environment_number_name_the_culprit() {
    let set = Config::load_with_env(&flags(&["--set", "no-equals-sign"]), &[]).unwrap_err();
    let number =
        Config::load_with_env(&flags(&[]), &env(&[("MUSIC_MCP_MAX_PARTS", "many")])).unwrap_err();

    assert!(set.to_string().contains("KEY=VALUE"), "{set}");
    assert!(
        number.to_string().contains("MUSIC_MCP_MAX_PARTS='many'"),
        "{number}"
    );
}

#[test]
fn soft_memory_limit_above_the_hard_one_is_refused() {
    let err = Config::load_with_env(
        &flags(&[
            "--set",
            "memory.soft_limit_bytes=10",
            "--set",
            "memory.hard_limit_bytes=5",
        ]),
        &[],
    )
    .unwrap_err();

    assert!(err.to_string().contains("soft_limit_bytes"), "{err}");
}

#[test]
fn bind_address_without_a_port_is_refused_with_an_example() {
    let err = Config::load_with_env(&flags(&["--http", "localhost"]), &[]).unwrap_err();

    assert!(err.to_string().contains("127.0.0.1:8000"), "{err}");
}

#[test]
fn http_imports_default_to_the_data_dir_imports_folder_and_the_corpus() {
    let http = Config::load_with_env(
        &flags(&["--http", "--data-dir", "/data", "--corpus", "/corpus"]),
        &[],
    )
    .expect("loads");
    let stdio = Config::load_with_env(&flags(&["--data-dir", "/data"]), &[]).expect("loads");

    assert_eq!(http.transport, Transport::Http);
    assert_eq!(
        http.import_roots(),
        vec![PathBuf::from("/data/imports"), PathBuf::from("/corpus")]
    );
    assert!(
        stdio.import_roots().is_empty(),
        "stdio serves one local user: no restriction"
    );
}

#[test]
fn corpus_folders_from_the_environment_are_split_on_colons() {
    let config =
        Config::load_with_env(&flags(&[]), &env(&[("MUSIC_MCP_CORPUS", "/a:/b")])).expect("loads");

    assert_eq!(
        config.corpus,
        vec![PathBuf::from("/a"), PathBuf::from("/b")]
    );
}

#[test]
fn printed_configuration_hides_the_token_and_reads_back_as_the_same_settings() {
    let token = "0123456789abcdef0123";
    let config = Config::load_with_env(&flags(&["--auth-token", token]), &[]).expect("loads");

    let printed = config.to_toml();
    let reread = file(&printed.replace("<redacted>", token));
    let path = reread.path().to_str().expect("utf-8 path");
    let again = Config::load_with_env(&flags(&["--config", path]), &[]).expect("reloads");

    assert!(!printed.contains(token));
    assert!(printed.contains("<redacted>"));
    assert_eq!(again.http, config.http);
    assert_eq!(again.limits, config.limits);
}

#[test]
fn short_auth_token_is_refused() {
    let err = Config::load_with_env(&flags(&["--auth-token", "secret"]), &[]).unwrap_err();

    assert!(err.to_string().contains("16 characters"), "{err}");
}

#[test]
fn runtime_config_carries_limits_cache_intensity_and_import_roots() {
    let config = Config::load_with_env(
        &flags(&[
            "--import-root",
            "/in",
            "--set",
            "supervision.max_restarts=4",
        ]),
        &[],
    )
    .expect("loads");

    let runtime = config.runtime_config();

    assert_eq!(runtime.limits.max_events, config.limits.max_events);
    assert_eq!(runtime.cache_capacity, 64);
    assert_eq!(runtime.tools_intensity.max_restarts, 4);
    assert_eq!(runtime.import_roots, vec![PathBuf::from("/in")]);
}

#[test]
fn the_export_folder_from_a_flag_or_the_environment_reaches_the_runtime() {
    let data = ["--data-dir", "/data"];
    let flag = Config::load_with_env(
        &flags(&[&data[..], &["--export-dir", "/out"]].concat()),
        &[],
    )
    .expect("loads");
    assert_eq!(flag.runtime_config().export_dir, PathBuf::from("/out"));
    let from_env = Config::load_with_env(&flags(&data), &env(&[("MUSIC_MCP_EXPORT_DIR", "/env")]))
        .expect("loads");
    assert_eq!(from_env.runtime_config().export_dir, PathBuf::from("/env"));
    let default = Config::load_with_env(&flags(&data), &[]).expect("loads");
    assert_eq!(
        default.runtime_config().export_dir,
        PathBuf::from("/data/exports")
    );
}
