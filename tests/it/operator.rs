//! The operator contract, against the built binary: the ready line, flags and
//! variables, print-config, --help, persistence, reset, and the PKI.

use http::Method;
use iot_emulator::config::DEFAULT_TOML;
use iot_emulator::{Config, Emulator};
use iot_emulator_harness::{EmulatorProcess, binary_path};

use crate::support::{http, unique};

#[tokio::test]
async fn ready_line_names_the_listeners_and_health_repeats_them() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let http_addr = emu.endpoints().get("http").expect("http in the ready line").clone();
    assert!(http_addr.starts_with("127.0.0.1:") && !http_addr.ends_with(":0"), "{http_addr}");
    assert!(emu.ready_line.starts_with("ready {\""), "{}", emu.ready_line);
    let r = http(Method::GET, &emu.http_url(), "/_emulator/health", None, "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["endpoints"]["http"], http_addr.as_str());
}

#[tokio::test]
async fn variables_set_ports_and_flags_beat_variables() {
    let emu =
        EmulatorProcess::spawn(&[], &[("IOTEMU_HTTP_PORT", "0"), ("IOTEMU_REGION", "sa-east-1")])
            .unwrap();
    let r = http(Method::POST, &emu.http_url(), "/things/by-env", None, "").await;
    assert!(
        r.json()["thingArn"].as_str().unwrap().starts_with("arn:aws:iot:sa-east-1:000000000000:")
    );
    let emu = EmulatorProcess::spawn(
        &["--region", "eu-north-1", "--http-port", "0"],
        &[("IOTEMU_REGION", "sa-east-1")],
    )
    .unwrap();
    let r = http(Method::POST, &emu.http_url(), "/things/by-flag", None, "").await;
    assert!(r.json()["thingArn"].as_str().unwrap().starts_with("arn:aws:iot:eu-north-1:"));
}

#[test]
fn print_config_prints_the_documented_default_and_help_lists_every_flag() {
    let out =
        std::process::Command::new(binary_path().unwrap()).arg("print-config").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), DEFAULT_TOML);
    let help = std::process::Command::new(binary_path().unwrap()).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--config",
        "--bind",
        "--hostname",
        "--http-port",
        "--data-dir",
        "--account-id",
        "--region",
        "--log",
        "print-config",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
    // Every key of the config has its flag.
    let keys: toml::Table = toml::from_str(DEFAULT_TOML).unwrap();
    for key in keys.keys() {
        assert!(help.contains(&format!("--{}", key.replace('_', "-"))), "no flag for {key}");
    }
}

#[tokio::test]
async fn a_data_dir_keeps_things_and_the_ca_across_restarts_and_memory_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let emu = EmulatorProcess::spawn(&["--http-port", "0", "--data-dir", data], &[]).unwrap();
    let url = emu.http_url();
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = http(Method::POST, &url, &format!("/things/kept-{i}"), None, "").await;
        ids.push(r.json()["thingId"].clone());
    }
    let ca = http(Method::GET, &url, "/_emulator/ca.pem", None, "").await.body;
    emu.kill().unwrap();

    let emu = EmulatorProcess::spawn(&["--http-port", "0", "--data-dir", data], &[]).unwrap();
    let url = emu.http_url();
    for (i, id) in ids.iter().enumerate() {
        let r = http(Method::GET, &url, &format!("/things/kept-{i}"), None, "").await;
        assert_eq!(r.status, 200);
        assert_eq!(&r.json()["thingId"], id);
    }
    assert_eq!(
        http(Method::GET, &url, "/_emulator/ca.pem", None, "").await.body,
        ca,
        "the root CA is kept"
    );
    drop(emu);

    let fresh = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let r = http(Method::GET, &fresh.http_url(), "/things", None, "").await;
    assert_eq!(r.json()["things"], serde_json::json!([]));
}

#[tokio::test]
async fn reset_empties_state_but_keeps_the_ca() {
    let emu = Emulator::start(Config::ephemeral()).await.unwrap();
    let url = emu.http_url();
    let name = unique("reset");
    http(Method::POST, &url, &format!("/things/{name}"), None, "").await;
    let ca = http(Method::GET, &url, "/_emulator/ca.pem", None, "").await;
    assert_eq!(ca.headers.get("content-type").unwrap(), "application/x-pem-file");
    let r = http(Method::POST, &url, "/_emulator/reset", None, "").await;
    assert_eq!(r.status, 200);
    let r = http(Method::GET, &url, &format!("/things/{name}"), None, "").await;
    assert_eq!(r.status, 404);
    assert_eq!(http(Method::GET, &url, "/_emulator/ca.pem", None, "").await.body, ca.body);
    emu.shutdown().await;
}

#[tokio::test]
async fn pinned_ids_and_clock_make_responses_deterministic() {
    use std::sync::Arc;

    use iot_emulator::domain::{FixedClock, SequentialIds};

    let emu = Emulator::builder(Config::ephemeral())
        .ids(Arc::new(SequentialIds::default()))
        .clock(Arc::new(FixedClock::new(1_700_000_000_000)))
        .start()
        .await
        .unwrap();
    let r = http(Method::POST, &emu.http_url(), "/things/pinned", None, "").await;
    // The request id is drawn first, then the thing id.
    assert_eq!(r.headers.get("x-amzn-RequestId").unwrap(), "00000000-0000-4000-8000-000000000001");
    assert_eq!(r.json()["thingId"], "00000000-0000-4000-8000-000000000002");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_server_certificate_names_every_host_and_chains_to_the_root_ca() {
    use x509_parser::extensions::GeneralName;
    use x509_parser::pem::parse_x509_pem;

    let config = Config { hostname: "iot.test.local".into(), ..Config::ephemeral() };
    let emu = Emulator::start(config).await.unwrap();
    let (_, ca_pem) = parse_x509_pem(emu.ca_pem().as_bytes()).unwrap();
    let ca = ca_pem.parse_x509().unwrap();
    assert!(ca.is_ca());
    let (_, server) =
        x509_parser::parse_x509_certificate(&emu.app().server_identity.cert_der).unwrap();
    assert_eq!(server.issuer(), ca.subject());
    server.verify_signature(Some(ca.public_key())).expect("signed by the root CA");
    let san = server.subject_alternative_name().unwrap().unwrap();
    let mut names: Vec<String> = san
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => d.to_string(),
            GeneralName::IPAddress(ip) => match ip.len() {
                4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).unwrap()).to_string(),
                _ => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).unwrap()).to_string(),
            },
            other => format!("{other:?}"),
        })
        .collect();
    names.sort();
    assert_eq!(names, ["127.0.0.1", "::1", "iot.test.local", "localhost"]);
    emu.shutdown().await;
}
