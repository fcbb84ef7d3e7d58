//! [`EmulatorProcess`]: the built `iot-emulator` binary as a child process, read up
//! to its ready line (for tests of the binary itself: flags, persistence, signals).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// How long a child emulator may take to print its ready line.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// The `iot-emulator` binary: `$IOTEMU_BIN`, else the one beside the running test
/// executable's target directory (`target/<profile>/iot-emulator`).
pub fn binary_path() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("IOTEMU_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let exe = std::env::current_exe()?;
    // target/<profile>/deps/<test-binary> → target/<profile>/iot-emulator
    let profile_dir =
        exe.parent().and_then(Path::parent).context("locating the target directory")?;
    let bin = profile_dir.join("iot-emulator");
    if !bin.exists() {
        bail!(
            "{} does not exist: build it (cargo build -p iot-emulator) or set IOTEMU_BIN",
            bin.display()
        );
    }
    Ok(bin)
}

/// A running `iot-emulator` child process; killed when dropped.
#[derive(Debug)]
pub struct EmulatorProcess {
    child: Child,
    endpoints: BTreeMap<String, String>,
    /// The raw ready line, `ready {...}`.
    pub ready_line: String,
}

impl EmulatorProcess {
    /// Starts the binary with `args` (and `env` added to a clean `IOTEMU_*`-free
    /// environment) and waits for its ready line.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Result<EmulatorProcess> {
        let mut cmd = Command::new(binary_path()?);
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        for (k, _) in std::env::vars() {
            if k.starts_with("IOTEMU_") {
                cmd.env_remove(k);
            }
        }
        // Quiet by default, so test output shows the tests, and every listener on a
        // free port, so emulators run side by side; `env` and `args` may say otherwise.
        cmd.env("IOTEMU_LOG", "warn");
        for port in [
            "IOTEMU_HTTP_PORT",
            "IOTEMU_HTTPS_PORT",
            "IOTEMU_MQTT_PORT",
            "IOTEMU_MQTTS_PORT",
            "IOTEMU_MQTTS_ALPN_PORT",
        ] {
            cmd.env(port, "0");
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd.spawn().context("spawning iot-emulator")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("ready ") {
                    let _ = tx.send(line);
                }
            }
        });
        let line = match rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait()?;
                bail!(
                    "iot-emulator printed no ready line within {READY_TIMEOUT:?} (exit: {status})"
                );
            }
        };
        let endpoints = serde_json::from_str(&line["ready ".len()..])
            .with_context(|| format!("parsing the ready line {line:?}"))?;
        Ok(EmulatorProcess { child, endpoints, ready_line: line })
    }

    /// Listener name → `host:port`, as the ready line gave them.
    pub fn endpoints(&self) -> &BTreeMap<String, String> {
        &self.endpoints
    }

    /// `http://host:port` of the HTTP edge.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.endpoints.get("http").map(String::as_str).unwrap_or_default())
    }

    /// Kills the process (SIGKILL: nothing acknowledged may be lost even so).
    pub fn kill(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
