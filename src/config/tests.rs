//! Loading, defaults, environment overrides and validation of the configuration.

use super::*;
use std::io::Write;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn file(contents: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    f.write_all(contents.as_bytes()).expect("write");
    f
}

fn load(contents: &str, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let f = file(contents);
    Config::load_from(Some(f.path()), &env(pairs))
}

fn error_of(contents: &str, pairs: &[(&str, &str)]) -> String {
    match load(contents, pairs) {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_example_configuration_loads_with_every_option_it_documents() {
    let example = include_str!("../../config.example.toml");
    let config = load(example, &[]).unwrap();
    assert_eq!(config.federation.mode, FederationMode::Blocklist);
    assert_eq!(config.federation.bridges, BridgePolicy::Federate);
    assert!(config.federation.configured_rules().is_empty());
}

#[test]
fn the_bridge_preset_is_one_line_and_domain_rules_are_checked() {
    let config = load("[federation]\nbridges = \"suspend\"\n", &[]).unwrap();
    let rules = config.federation.configured_rules();
    let domains: Vec<&str> = rules.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(domains, ["brid.gy", "mostr.pub"]);
    let config = load("[federation.domains]\n\"Spam.Example.\" = \"limit\"\n", &[]).unwrap();
    assert_eq!(config.federation.configured_rules()[0].0, "spam.example");
    let message = error_of("[federation.domains]\n\"spam.example\" = \"obliterate\"\n", &[]);
    assert!(message.contains("federation.domains"), "{message}");
    let message = error_of("[federation.blocklists]\nmin_agreement = 0\n", &[]);
    assert!(message.contains("min_agreement"), "{message}");
}

#[test]
fn defaults_apply_without_file_or_environment() {
    let config = Config::load_from(None, &HashMap::new()).unwrap();
    assert_eq!(config.server.domain, "localhost:8080");
    assert_eq!(config.server.bind, "127.0.0.1:8080".parse().unwrap());
    assert!(!config.server.https);
    assert!(config.server.data_dir.is_absolute());
    assert!(config.server.data_dir.ends_with("data"));
    assert_eq!(config.database.url, "");
    assert_eq!(config.registrations.mode, RegistrationMode::Open);
    assert!(!config.oauth.password_grant);
    assert!(!config.federation.allow_private_addresses);
    assert!(config.federation.resolve.is_empty());
    assert_eq!(config.base_url(), "http://localhost:8080");
}

#[test]
fn file_values_are_read_and_environment_overrides_them() {
    let config = load(
        r#"
        [server]
        domain = "Social.Example.COM."
        bind = "0.0.0.0:3000"
        https = true
        [registrations]
        mode = "approval"
        [federation.resolve]
        "remote.test" = "127.0.0.1:9001"
        "#,
        &[
            ("FERRODON_SERVER__BIND", "127.0.0.1:4000"),
            ("FERRODON_OAUTH__PASSWORD_GRANT", "true"),
            ("FERRODON_CONFIG", "/not/a/key.toml"),
            ("FERRODON_LOG", "debug"),
        ],
    )
    .unwrap();
    assert_eq!(config.server.domain, "social.example.com");
    assert_eq!(config.server.bind.port(), 4000);
    assert!(config.server.https);
    assert!(config.oauth.password_grant);
    assert_eq!(config.registrations.mode, RegistrationMode::Approval);
    assert_eq!(
        config.federation.resolve.get("remote.test").map(|a| a.port()),
        Some(9001)
    );
    assert_eq!(config.base_url(), "https://social.example.com");
}

#[test]
fn resolve_overrides_can_come_from_one_environment_variable() {
    let config = load(
        "",
        &[(
            "FERRODON_FEDERATION__RESOLVE",
            "remote.test=127.0.0.1:9001, EVIL.test=127.0.0.1:9002",
        )],
    )
    .unwrap();
    assert_eq!(config.federation.resolve.len(), 2);
    assert_eq!(
        config.federation.resolve.get("evil.test").map(|a| a.port()),
        Some(9002)
    );
}

#[test]
fn bad_bind_address_names_the_key() {
    let message = error_of("[server]\nbind = \"nowhere\"\n", &[]);
    assert!(message.contains("server.bind"), "{message}");
}

#[test]
fn bad_value_from_environment_names_the_key() {
    let message = error_of("", &[("FERRODON_DATABASE__MAX_CONNECTIONS", "many")]);
    assert!(message.contains("database.max_connections"), "{message}");
    let message = error_of("", &[("FERRODON_DATABASE__MAX_CONNECTIONS", "0")]);
    assert!(message.contains("database.max_connections"), "{message}");
}

#[test]
fn unknown_registration_mode_names_the_key() {
    let message = error_of("[registrations]\nmode = \"sometimes\"\n", &[]);
    assert!(message.contains("registrations.mode"), "{message}");
}

#[test]
fn unknown_key_is_refused() {
    let message = error_of("[server]\ndomian = \"typo.example\"\n", &[]);
    assert!(message.contains("domian"), "{message}");
}

#[test]
fn domain_with_scheme_or_path_is_refused() {
    for bad in [
        "https://example.com",
        "example.com/path",
        "",
        "exa mple.com",
        "example.com:99999",
    ] {
        let message = error_of(&format!("[server]\ndomain = {bad:?}\n"), &[]);
        assert!(message.contains("server.domain"), "{bad}: {message}");
    }
}

#[test]
fn delivery_settings_have_defaults_and_bounds() {
    let config = Config::default();
    assert_eq!(config.federation.delivery_retry_hours, 48);
    assert_eq!(config.federation.unavailable_after_days, 7);
    let message = error_of("[federation]\ndelivery_retry_hours = 0\n", &[]);
    assert!(message.contains("federation.delivery_retry_hours"), "{message}");
    let message = error_of("[federation]\nunavailable_after_days = 1000\n", &[]);
    assert!(message.contains("federation.unavailable_after_days"), "{message}");
}

#[test]
fn the_fetch_timeout_has_a_default_and_bounds() {
    assert_eq!(Config::default().federation.fetch_timeout_seconds, 15);
    let config = load("[federation]\nfetch_timeout_seconds = 3\n", &[]).unwrap();
    assert_eq!(config.federation.fetch_timeout_seconds, 3);
    let message = error_of("[federation]\nfetch_timeout_seconds = 0\n", &[]);
    assert!(message.contains("federation.fetch_timeout_seconds"), "{message}");
}

#[test]
fn database_url_must_be_postgres() {
    let message = error_of("[database]\nurl = \"mysql://x\"\n", &[]);
    assert!(message.contains("database.url"), "{message}");
}

#[test]
fn bad_resolve_entry_names_the_key() {
    let message = error_of("[federation.resolve]\n\"remote.test\" = \"nowhere\"\n", &[]);
    assert!(message.contains("federation.resolve"), "{message}");
}

#[test]
fn trusted_proxies_accept_addresses_and_blocks() {
    let config = load(
        "",
        &[("FERRODON_SERVER__TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8, ::1")],
    )
    .unwrap();
    let proxies = &config.server.trusted_proxies;
    assert_eq!(proxies.len(), 3);
    assert!(proxies[1].contains("10.20.30.40".parse().unwrap()));
    assert!(!proxies[1].contains("11.0.0.1".parse().unwrap()));
    assert!(proxies[0].contains("::ffff:127.0.0.1".parse().unwrap()));
    let message = error_of("[server]\ntrusted_proxies = [\"10.0.0.0/40\"]\n", &[]);
    assert!(message.contains("server.trusted_proxies"), "{message}");
}

#[test]
fn instance_rules_come_from_a_list_or_lines() {
    let config = load("[instance]\nrules = [\"Be kind\", \"No spam\"]\n", &[]).unwrap();
    assert_eq!(config.instance.rules, ["Be kind", "No spam"]);
    let config = load("", &[("FERRODON_INSTANCE__RULES", "Be kind, please\nNo spam")]).unwrap();
    assert_eq!(config.instance.rules, ["Be kind, please", "No spam"]);
    assert_eq!(config.title(), "localhost:8080");
}

#[test]
fn malformed_toml_is_reported() {
    let message = error_of("[server\n", &[]);
    assert!(message.starts_with("invalid configuration"), "{message}");
}

#[test]
fn missing_named_file_is_an_error() {
    let result = Config::load_from(Some(Path::new("/nonexistent/ferrodon.toml")), &HashMap::new());
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("does not exist"), "{message}");
}

#[test]
fn email_settings_have_defaults_and_confirmation_needs_a_server() {
    let config = load("", &[]).unwrap();
    assert!(!config.email.sends());
    assert_eq!(config.email.port, 587);
    assert_eq!(config.email.tls, EmailTls::Starttls);
    let message = error_of("[registrations]\nrequire_email_confirmation = true\n", &[]);
    assert!(message.contains("email.host"), "{message}");
    let config = load(
        "[email]\nhost = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\nfrom = \"Ex <n@example.com>\"\n\
         [registrations]\nrequire_email_confirmation = true\n",
        &[("FERRODON_EMAIL__USERNAME", "mailer")],
    )
    .unwrap();
    assert!(config.email.sends());
    assert_eq!(config.email.tls, EmailTls::None);
    assert_eq!(config.email.username, "mailer");
    let message = error_of("[email]\nfrom = \"not an address\"\n", &[]);
    assert!(message.contains("email.from"), "{message}");
    let message = error_of("[email]\ntls = \"maybe\"\n", &[]);
    assert!(message.contains("email.tls"), "{message}");
}
