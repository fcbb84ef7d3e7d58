//! The `lambda` action and the Lambda backends behind it and behind the SQL
//! function `aws_lambda()`: functions mapped by name or ARN to a WASM module
//! (wasmtime), a subprocess, a local HTTP URL, or nothing (record-only, the default).

pub mod http;
pub mod process;
pub mod wasm;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, document, params};

pub const KIND: ActionKind = ActionKind {
    key: "lambda",
    failed_action: "LambdaAction",
    failure_prefix: "Failed to invoke the Lambda function",
    deliver,
    resource_field: "functionArn",
};

/// How long a subprocess or HTTP function may take; `aws_lambda()` must answer
/// within 2 seconds (guide L8163).
pub const DEFAULT_TIMEOUT_MS: u64 = 2_000;

/// Fuel a WASM function gets per invocation when its spec names none.
pub const DEFAULT_FUEL: u64 = 10_000_000;

/// How a function is served, as the config file and `PUT /_emulator/lambda/{name}`
/// give it: exactly one of `wat`, `watFile`, `wasmBase64`, `wasmFile`, `command`,
/// `url`, or none of them for record-only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LambdaSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wat: Option<String>,
    #[serde(default, alias = "wat_file", skip_serializing_if = "Option::is_none")]
    pub wat_file: Option<String>,
    #[serde(default, alias = "wasm_base64", skip_serializing_if = "Option::is_none")]
    pub wasm_base64: Option<String>,
    #[serde(default, alias = "wasm_file", skip_serializing_if = "Option::is_none")]
    pub wasm_file: Option<String>,
    /// Program and arguments: the event JSON on stdin, the result JSON on stdout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// `http://host:port/path`: the event is POSTed as JSON, the body is the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, alias = "timeout_ms", skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// WASM fuel per invocation (roughly, instructions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
}

enum Backend {
    Wasm(wasm::WasmFunction),
    Process(process::ProcessFunction),
    Http(http::HttpFunction),
    RecordOnly,
}

struct Function {
    spec: LambdaSpec,
    backend: Backend,
}

/// The functions by name or ARN.
#[derive(Default)]
pub struct LambdaBackends {
    functions: RwLock<BTreeMap<String, Arc<Function>>>,
}

impl std::fmt::Debug for LambdaBackends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LambdaBackends").field("functions", &self.list().keys()).finish()
    }
}

/// The function name of a Lambda ARN (`arn:aws:lambda:r:a:function:NAME[:qualifier]`),
/// or the string itself when it is not an ARN.
pub fn function_name(arn_or_name: &str) -> &str {
    match arn_or_name.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => name,
        _ => arn_or_name,
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

impl LambdaBackends {
    /// Maps `name` (a function name or ARN) to a backend built from `spec`.
    pub fn register(&self, name: &str, spec: LambdaSpec) -> Result<(), String> {
        let timeout = Duration::from_millis(spec.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS));
        let fuel = spec.fuel.unwrap_or(DEFAULT_FUEL);
        let sources = [
            spec.wat.is_some(),
            spec.wat_file.is_some(),
            spec.wasm_base64.is_some(),
            spec.wasm_file.is_some(),
            spec.command.is_some(),
            spec.url.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            return Err("give one of wat, watFile, wasmBase64, wasmFile, command or url".to_owned());
        }
        let backend = if let Some(wat) = &spec.wat {
            Backend::Wasm(wasm::WasmFunction::new(wat.as_bytes(), fuel)?)
        } else if let Some(path) = &spec.wat_file {
            Backend::Wasm(wasm::WasmFunction::new(&read_file(path)?, fuel)?)
        } else if let Some(b64) = &spec.wasm_base64 {
            let bytes = STANDARD.decode(b64).map_err(|_| "wasmBase64 is not base64".to_owned())?;
            Backend::Wasm(wasm::WasmFunction::new(&bytes, fuel)?)
        } else if let Some(path) = &spec.wasm_file {
            Backend::Wasm(wasm::WasmFunction::new(&read_file(path)?, fuel)?)
        } else if let Some(argv) = &spec.command {
            Backend::Process(process::ProcessFunction::new(argv.clone(), timeout)?)
        } else if let Some(url) = &spec.url {
            Backend::Http(http::HttpFunction::new(url, timeout)?)
        } else {
            Backend::RecordOnly
        };
        let mut functions = self.functions.write().unwrap_or_else(|p| p.into_inner());
        functions.insert(name.to_owned(), Arc::new(Function { spec, backend }));
        Ok(())
    }

    pub fn remove(&self, name: &str) -> bool {
        self.functions.write().unwrap_or_else(|p| p.into_inner()).remove(name).is_some()
    }

    pub fn clear(&self) {
        self.functions.write().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Every mapped function and its spec.
    pub fn list(&self) -> BTreeMap<String, LambdaSpec> {
        let functions = self.functions.read().unwrap_or_else(|p| p.into_inner());
        functions.iter().map(|(k, f)| (k.clone(), f.spec.clone())).collect()
    }

    fn lookup(&self, arn: &str) -> Option<Arc<Function>> {
        let functions = self.functions.read().unwrap_or_else(|p| p.into_inner());
        functions.get(arn).or_else(|| functions.get(function_name(arn))).cloned()
    }

    /// Invokes the function `arn` with `event` (JSON): its JSON answer, or `None`
    /// when the function is record-only (unmapped functions are).
    pub fn invoke(&self, arn: &str, event: &[u8]) -> Result<Option<Value>, String> {
        let Some(function) = self.lookup(arn) else { return Ok(None) };
        let out = match &function.backend {
            Backend::RecordOnly => return Ok(None),
            Backend::Wasm(w) => w.call(event)?,
            Backend::Process(p) => p.call(event)?,
            Backend::Http(h) => h.call(event)?,
        };
        serde_json::from_slice(&out).map(Some).map_err(|_| {
            format!(
                "The function returned a result that is not JSON: {}",
                String::from_utf8_lossy(&out)
            )
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    function_arn: String,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let response = inv.effects.invoke_lambda(&p.function_arn, inv.payload).map_err(|e| {
        ActionFailure::new(format!(
            "Failed to invoke the Lambda function. The error received was {e}"
        ))
    })?;
    Ok(Delivery {
        record: json!({
            "functionArn": p.function_arn,
            "invocationType": "Event",
            "event": document(inv),
            "response": response,
        }),
        resource: p.function_arn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_arns() {
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:f1"), "f1");
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:f1:prod"), "f1");
        assert_eq!(function_name("f2"), "f2");
    }

    #[test]
    fn unmapped_functions_are_record_only_and_specs_name_one_source() {
        let b = LambdaBackends::default();
        assert_eq!(b.invoke("arn:aws:lambda:r:1:function:none", b"{}").unwrap(), None);
        let two = LambdaSpec {
            command: Some(vec!["cat".into()]),
            url: Some("http://127.0.0.1:1/".into()),
            ..Default::default()
        };
        assert!(b.register("f", two).is_err());
        b.register("f", LambdaSpec::default()).unwrap();
        assert_eq!(b.invoke("arn:aws:lambda:r:1:function:f", b"{}").unwrap(), None);
        assert!(b.list().contains_key("f"));
        assert!(b.remove("f"));
    }
}
