//! Turns the stripped AWS service models in `emulator/model/` into the emulator's
//! generated API surface (`emulator/src/api/generated/`) and `docs/compatibility.md`.
//!
//! `cargo run -p iot-emulator-codegen` writes the files; `-- --check` fails when
//! the committed files differ from what the models and `implemented.toml` produce.

mod model;
mod names;
mod rust;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

/// One service the emulator serves: its model file and the names it gets in Rust.
pub struct ServiceSpec {
    pub model_key: &'static str,
    pub module: &'static str,
    pub trait_name: &'static str,
    pub signing_name: &'static str,
}

pub const SERVICES: [ServiceSpec; 3] = [
    ServiceSpec { model_key: "iot", module: "iot", trait_name: "IotApi", signing_name: "iot" },
    ServiceSpec {
        model_key: "iot-data",
        module: "iot_data",
        trait_name: "IotDataApi",
        signing_name: "iotdata",
    },
    ServiceSpec {
        model_key: "iot-jobs-data",
        module: "iot_jobs_data",
        trait_name: "IotJobsDataApi",
        signing_name: "iot-jobs-data",
    },
];

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    match run(check) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("codegen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(check: bool) -> Result<bool> {
    let root = workspace_root();
    let model_dir = root.join("emulator/model");
    let version = std::fs::read_to_string(model_dir.join("VERSION"))?.trim().to_owned();
    let implemented = model::Implemented::load(&model_dir.join("implemented.toml"))?;

    let mut outputs: Vec<(PathBuf, String)> = Vec::new();
    let mut compat = rust::CompatDoc::new(&version);
    let gen_dir = root.join("emulator/src/api/generated");
    for spec in &SERVICES {
        let m = model::Model::load(&model_dir.join(format!("{}.json", spec.model_key)))?;
        if m.signing_name() != spec.signing_name {
            bail!(
                "{}: signing name is {}, expected {}",
                spec.model_key,
                m.signing_name(),
                spec.signing_name
            );
        }
        let ops = implemented.operations(spec.model_key);
        for op in ops {
            if !m.operations.contains_key(op.as_str()) {
                bail!(
                    "implemented.toml names {op}, which the {} model does not have",
                    spec.model_key
                );
            }
        }
        let code = rust::Generator::new(spec, &m, ops, &version).generate()?;
        outputs.push((gen_dir.join(format!("{}.rs", spec.module)), rustfmt(&root, &code)?));
        compat.add_service(spec, &m, ops);
    }
    outputs.push((gen_dir.join("mod.rs"), rustfmt(&root, &rust::generated_mod(&version))?));
    outputs.push((root.join("docs/compatibility.md"), compat.finish()));

    let mut clean = true;
    for (path, content) in outputs {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == content {
            continue;
        }
        if check {
            eprintln!(
                "codegen: {} is out of date; run `cargo run -p iot-emulator-codegen`",
                path.display()
            );
            clean = false;
        } else {
            std::fs::create_dir_all(path.parent().unwrap())?;
            std::fs::write(&path, content)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    Ok(clean)
}

fn rustfmt(root: &Path, code: &str) -> Result<String> {
    use std::io::Write;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--config-path"])
        .arg(root.join("rustfmt.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt")?;
    child.stdin.take().unwrap().write_all(code.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("rustfmt failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}
