//! The desktop settings file: round trip through `$XDG_CONFIG_HOME`, defaults
//! when missing or corrupt, unknown language or theme read as the default, and
//! never a password.
//! Its own binary: it points `XDG_CONFIG_HOME` at a temporary directory.

use citizen_core::desktop::settings::{
    load_settings, save_settings, settings_path, split_url_password, Language, Settings, SslMode, Theme,
};
use std::os::unix::fs::PermissionsExt;

#[test]
fn settings_round_trip_in_the_config_dir_without_a_password() {
    let config = tempfile::tempdir().expect("temp dir");
    std::env::set_var("XDG_CONFIG_HOME", config.path());
    let path = settings_path();
    assert_eq!(path, config.path().join("citizen-db").join("settings.json"));

    // Missing file: the defaults.
    assert_eq!(load_settings(), Settings::default());
    assert_eq!((Settings::default().language, Settings::default().theme), (Language::He, Theme::System));

    let wanted = Settings {
        database_url: Some("postgres://db.example/citizen".to_owned()),
        ssl_mode: Some(SslMode::VerifyFull),
        ca_file: Some("/etc/citizen-db/ca.pem".to_owned()),
        user: Some("clerk".to_owned()),
        language: Language::En,
        theme: Theme::Dark,
    };
    save_settings(&wanted).expect("save");
    assert_eq!(load_settings(), wanted);
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(text.contains("\"databaseUrl\""), "{text}");
    assert!(text.contains("\"sslMode\": \"verify-full\""), "{text}");
    assert!(text.contains("\"caFile\": \"/etc/citizen-db/ca.pem\""), "{text}");
    // The TLS mode and CA file go into the server URL the app connects with.
    assert_eq!(
        wanted.server_url().as_deref(),
        Some("postgres://db.example/citizen?sslmode=verify-full&sslrootcert=/etc/citizen-db/ca.pem")
    );
    assert!(!text.to_lowercase().contains("password"), "{text}");
    assert!(!path.with_extension("json.tmp").exists());
    let mode = std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "settings.json is readable by the user only");

    // A password written in the server URL never reaches the file.
    let with_password = Settings {
        database_url: Some("postgres://dana:s%40cret-pw@db.example:5432/citizen?sslmode=require".to_owned()),
        ..wanted.clone()
    };
    save_settings(&with_password).expect("save");
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(!text.contains("cret-pw"), "{text}");
    assert_eq!(
        load_settings().database_url.as_deref(),
        Some("postgres://dana@db.example:5432/citizen?sslmode=require")
    );
    save_settings(&wanted).expect("save");

    assert!(text.contains("\"language\": \"en\"") && text.contains("\"theme\": \"dark\""), "{text}");

    // A hand-edited file with an unknown language or theme reads them as the
    // defaults and keeps the rest.
    std::fs::write(&path, r#"{"databaseUrl": "postgres://db.example/citizen", "language": "fr", "theme": "neon"}"#)
        .expect("hand-edited");
    let read = load_settings();
    assert_eq!(read.database_url.as_deref(), Some("postgres://db.example/citizen"));
    assert_eq!((read.language, read.theme), (Language::He, Theme::System));
    save_settings(&wanted).expect("save");
    assert_eq!(load_settings(), wanted);

    // A corrupt file gives the defaults rather than stopping the app.
    std::fs::write(&path, "{ not json").expect("corrupt");
    assert_eq!(load_settings(), Settings::default());

    // An unwritable directory is a clear error.
    let blocked = config.path().join("blocked");
    std::fs::write(&blocked, "a file, not a directory").expect("file");
    std::env::set_var("XDG_CONFIG_HOME", &blocked);
    assert_eq!(save_settings(&wanted).expect_err("cannot write").code(), "settings");
}

#[test]
fn the_password_is_split_out_of_a_server_url() {
    let split = |url: &str| split_url_password(url);
    assert_eq!(
        split("postgres://dana:p%3Aw@db.example/citizen"),
        ("postgres://dana@db.example/citizen".to_owned(), Some("dana".to_owned()), Some("p:w".to_owned()))
    );
    assert_eq!(
        split("postgresql://:pw@db.example/citizen"),
        ("postgresql://db.example/citizen".to_owned(), None, Some("pw".to_owned()))
    );
    assert_eq!(
        split("postgres://dana@db.example/citizen"),
        ("postgres://dana@db.example/citizen".to_owned(), Some("dana".to_owned()), None)
    );
    assert_eq!(
        split("postgres://db.example/x?options=a@b"),
        ("postgres://db.example/x?options=a@b".to_owned(), None, None)
    );
}
