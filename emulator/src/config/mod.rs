//! The configuration: one serde struct, an embedded documented default, then a
//! `--config` file, `IOTEMU_*` variables and flags, each overriding the one before.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The documented default configuration, as `print-config` shows it.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub bind: String,
    pub hostname: String,
    pub http_port: u16,
    pub https_port: u16,
    pub mqtt_port: u16,
    pub mqtts_port: u16,
    pub mqtts_alpn_port: u16,
    pub tcp_principal: String,
    pub compat: String,
    pub data_dir: String,
    pub account_id: String,
    pub region: String,
    pub log: String,
    pub thing_type_delete_delay_seconds: u64,
    /// A TOML file of Lambda backends, one `[NAME]` table per function name or ARN;
    /// empty for none.
    pub lambda_functions: String,
    /// Strict SigV4: `ACCESS_KEY:SECRET_KEY` pairs, comma-separated; presigned
    /// WebSocket URLs must then be signed with one of them. Empty: not checked.
    pub sigv4_secrets: String,
}

impl Default for Config {
    fn default() -> Config {
        toml::from_str(DEFAULT_TOML).expect("the embedded default configuration parses")
    }
}

/// Values given on the command line; `None` leaves the layer below in force.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub bind: Option<String>,
    pub hostname: Option<String>,
    pub http_port: Option<u16>,
    pub https_port: Option<u16>,
    pub mqtt_port: Option<u16>,
    pub mqtts_port: Option<u16>,
    pub mqtts_alpn_port: Option<u16>,
    pub tcp_principal: Option<String>,
    pub compat: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub log: Option<String>,
    pub thing_type_delete_delay_seconds: Option<u64>,
    pub lambda_functions: Option<String>,
    pub sigv4_secrets: Option<String>,
}

impl Config {
    /// A configuration for tests: every port picked by the OS, state in memory.
    pub fn ephemeral() -> Config {
        Config {
            http_port: 0,
            https_port: 0,
            mqtt_port: 0,
            mqtts_port: 0,
            mqtts_alpn_port: 0,
            ..Config::default()
        }
    }

    /// The delay before a deprecated thing type may be deleted, in milliseconds.
    pub fn thing_type_delete_delay_ms(&self) -> i64 {
        i64::try_from(self.thing_type_delete_delay_seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// Defaults, then `file`, then the environment `env`, then `flags`.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: &Overrides,
    ) -> Result<Config> {
        let mut config = match file {
            None => Config::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                Config::from_file_text(&text)
                    .with_context(|| format!("in config file {}", path.display()))?
            }
        };
        config.apply_env(env)?;
        config.apply(flags);
        config.check()?;
        Ok(config)
    }

    /// A file may set any subset of the keys; the rest keep their defaults.
    pub fn from_file_text(text: &str) -> Result<Config> {
        let mut merged: toml::Table = toml::from_str(DEFAULT_TOML)?;
        let file: toml::Table = toml::from_str(text)?;
        merged.extend(file);
        Ok(toml::Value::Table(merged).try_into()?)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<()> {
        let text = |name: &str, slot: &mut String| {
            if let Some(v) = env(name) {
                *slot = v;
            }
        };
        text("IOTEMU_BIND", &mut self.bind);
        text("IOTEMU_HOSTNAME", &mut self.hostname);
        text("IOTEMU_DATA_DIR", &mut self.data_dir);
        text("IOTEMU_ACCOUNT_ID", &mut self.account_id);
        text("IOTEMU_REGION", &mut self.region);
        text("IOTEMU_LOG", &mut self.log);
        text("IOTEMU_TCP_PRINCIPAL", &mut self.tcp_principal);
        text("IOTEMU_COMPAT", &mut self.compat);
        text("IOTEMU_LAMBDA_FUNCTIONS", &mut self.lambda_functions);
        text("IOTEMU_SIGV4_SECRETS", &mut self.sigv4_secrets);
        for (name, slot) in [
            ("IOTEMU_HTTPS_PORT", &mut self.https_port),
            ("IOTEMU_MQTT_PORT", &mut self.mqtt_port),
            ("IOTEMU_MQTTS_PORT", &mut self.mqtts_port),
            ("IOTEMU_MQTTS_ALPN_PORT", &mut self.mqtts_alpn_port),
        ] {
            if let Some(v) = env(name) {
                *slot = v.parse().with_context(|| format!("{name}={v} is not a port"))?;
            }
        }
        if let Some(v) = env("IOTEMU_HTTP_PORT") {
            self.http_port =
                v.parse().with_context(|| format!("IOTEMU_HTTP_PORT={v} is not a port"))?;
        }
        if let Some(v) = env("IOTEMU_THING_TYPE_DELETE_DELAY_SECONDS") {
            self.thing_type_delete_delay_seconds = v.parse().with_context(|| {
                format!("IOTEMU_THING_TYPE_DELETE_DELAY_SECONDS={v} is not a number of seconds")
            })?;
        }
        Ok(())
    }

    fn apply(&mut self, flags: &Overrides) {
        let set = |slot: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                slot.clone_from(v);
            }
        };
        set(&mut self.bind, &flags.bind);
        set(&mut self.hostname, &flags.hostname);
        set(&mut self.account_id, &flags.account_id);
        set(&mut self.region, &flags.region);
        set(&mut self.log, &flags.log);
        set(&mut self.tcp_principal, &flags.tcp_principal);
        set(&mut self.compat, &flags.compat);
        set(&mut self.lambda_functions, &flags.lambda_functions);
        set(&mut self.sigv4_secrets, &flags.sigv4_secrets);
        if let Some(p) = flags.https_port {
            self.https_port = p;
        }
        if let Some(p) = flags.mqtt_port {
            self.mqtt_port = p;
        }
        if let Some(p) = flags.mqtts_port {
            self.mqtts_port = p;
        }
        if let Some(p) = flags.mqtts_alpn_port {
            self.mqtts_alpn_port = p;
        }
        if let Some(p) = flags.http_port {
            self.http_port = p;
        }
        if let Some(s) = flags.thing_type_delete_delay_seconds {
            self.thing_type_delete_delay_seconds = s;
        }
        if let Some(d) = &flags.data_dir {
            self.data_dir = d.to_string_lossy().into_owned();
        }
    }

    fn check(&self) -> Result<()> {
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            bail!("account_id must be 12 digits, not {:?}", self.account_id);
        }
        if self.region.is_empty() {
            bail!("region must not be empty");
        }
        if !["current", "2018"].contains(&self.compat.as_str()) {
            bail!("compat must be \"current\" or \"2018\", not {:?}", self.compat);
        }
        self.sigv4_pairs()?;
        Ok(())
    }

    fn sigv4_pairs(&self) -> Result<Vec<(&str, &str)>> {
        let pairs = self.sigv4_secrets.split(',').map(str::trim).filter(|p| !p.is_empty());
        pairs
            .map(|pair| match pair.split_once(':') {
                Some((key, secret)) if !key.is_empty() && !secret.is_empty() => Ok((key, secret)),
                _ => bail!("sigv4_secrets must be ACCESS_KEY:SECRET_KEY pairs, not {pair:?}"),
            })
            .collect()
    }

    /// Whether SigV4 signatures are checked (strict mode, DESIGN D3).
    pub fn strict_sigv4(&self) -> bool {
        self.sigv4_pairs().is_ok_and(|p| !p.is_empty())
    }

    /// The secret key of `access_key` among `sigv4_secrets`.
    pub fn sigv4_secret(&self, access_key: &str) -> Option<String> {
        let pairs = self.sigv4_pairs().ok()?;
        pairs.into_iter().find(|(k, _)| *k == access_key).map(|(_, s)| s.to_owned())
    }

    /// The Lambda backends of the `lambda_functions` file, by function name or ARN.
    pub fn lambda_specs(
        &self,
    ) -> Result<std::collections::BTreeMap<String, crate::sinks::lambda::LambdaSpec>> {
        if self.lambda_functions.is_empty() {
            return Ok(Default::default());
        }
        let text = std::fs::read_to_string(&self.lambda_functions)
            .with_context(|| format!("reading lambda_functions file {}", self.lambda_functions))?;
        toml::from_str(&text)
            .with_context(|| format!("in lambda_functions file {}", self.lambda_functions))
    }

    /// The data directory, when persistence is on.
    pub fn data_dir(&self) -> Option<PathBuf> {
        if self.data_dir.is_empty() { None } else { Some(PathBuf::from(&self.data_dir)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_default_is_the_default() {
        let c = Config::default();
        assert_eq!(
            (c.bind.as_str(), c.http_port, c.region.as_str()),
            ("127.0.0.1", 4566, "us-east-1")
        );
        assert_eq!(c.account_id, "000000000000");
        assert_eq!(c.data_dir(), None);
    }

    #[test]
    fn layers_override_in_order_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "http_port = 1000\nregion = \"eu-west-1\"\nlog = \"debug\"\n")
            .unwrap();
        let env = |k: &str| match k {
            "IOTEMU_HTTP_PORT" => Some("2000".to_string()),
            "IOTEMU_REGION" => Some("ap-south-1".to_string()),
            _ => None,
        };
        let flags = Overrides { http_port: Some(0), ..Default::default() };
        let c = Config::load(Some(&file), env, &flags).unwrap();
        assert_eq!(c.http_port, 0, "flag beats variable");
        assert_eq!(c.region, "ap-south-1", "variable beats file");
        assert_eq!(c.log, "debug", "file beats default");
        assert_eq!(c.bind, "127.0.0.1", "untouched keys keep their default");
    }

    #[test]
    fn lambda_functions_come_from_a_toml_file() {
        assert!(Config::default().lambda_specs().unwrap().is_empty());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lambdas.toml");
        std::fs::write(&file, "[enrich]\nwatFile = \"w.wat\"\nfuel = 5\n\n[\"arn:aws:lambda:us-east-1:1:function:f\"]\ncommand = [\"cat\"]\n").unwrap();
        let env = |k: &str| (k == "IOTEMU_LAMBDA_FUNCTIONS").then(|| file.display().to_string());
        let c = Config::load(None, env, &Overrides::default()).unwrap();
        let specs = c.lambda_specs().unwrap();
        assert_eq!(specs["enrich"].wat_file.as_deref(), Some("w.wat"));
        assert_eq!(specs["enrich"].fuel, Some(5));
        assert_eq!(
            specs["arn:aws:lambda:us-east-1:1:function:f"].command,
            Some(vec!["cat".to_string()])
        );
        std::fs::write(&file, "[bad]\nwatt = 1\n").unwrap();
        assert!(c.lambda_specs().is_err());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(Config::from_file_text("htp_port = 1").is_err());
        let bad_port = |k: &str| (k == "IOTEMU_HTTP_PORT").then(|| "http".to_string());
        assert!(Config::load(None, bad_port, &Overrides::default()).is_err());
        let bad_account = Overrides { account_id: Some("12".into()), ..Default::default() };
        assert!(Config::load(None, |_| None, &bad_account).is_err());
    }
}
