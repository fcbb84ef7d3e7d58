//! The subset of the botocore JSON service model the generator reads.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A botocore `service-2.json`, stripped of documentation.
pub struct Model {
    pub metadata: Map<String, Value>,
    pub operations: BTreeMap<String, Operation>,
    pub shapes: BTreeMap<String, Shape>,
}

#[derive(Deserialize)]
pub struct Operation {
    pub http: Http,
    pub input: Option<ShapeRef>,
    pub output: Option<ShapeRef>,
}

#[derive(Deserialize)]
pub struct Http {
    pub method: String,
    #[serde(rename = "requestUri")]
    pub request_uri: String,
    #[serde(rename = "responseCode")]
    pub response_code: Option<u16>,
}

#[derive(Deserialize, Clone)]
pub struct ShapeRef {
    pub shape: String,
    pub location: Option<String>,
    #[serde(rename = "locationName")]
    pub location_name: Option<String>,
}

#[derive(Deserialize)]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: serde_json::Map<String, Value>,
    #[serde(default)]
    pub required: Vec<String>,
    pub member: Option<ShapeRef>,
    pub key: Option<ShapeRef>,
    pub value: Option<ShapeRef>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    pub payload: Option<String>,
    #[serde(default)]
    pub exception: bool,
    pub error: Option<ErrorTrait>,
    #[serde(rename = "timestampFormat")]
    pub timestamp_format: Option<String>,
}

#[derive(Deserialize)]
pub struct ErrorTrait {
    #[serde(rename = "httpStatusCode")]
    pub http_status_code: Option<u16>,
}

impl Shape {
    /// Members in model order, parsed.
    pub fn member_refs(&self) -> Result<Vec<(String, ShapeRef)>> {
        self.members
            .iter()
            .map(|(name, v)| Ok((name.clone(), serde_json::from_value(v.clone())?)))
            .collect()
    }
}

impl Model {
    pub fn load(path: &Path) -> Result<Model> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let raw: Value = serde_json::from_str(&text)?;
        let metadata = raw["metadata"].as_object().context("metadata")?.clone();
        let operations = serde_json::from_value(raw["operations"].clone()).context("operations")?;
        let shapes = serde_json::from_value(raw["shapes"].clone()).context("shapes")?;
        Ok(Model { metadata, operations, shapes })
    }

    pub fn signing_name(&self) -> &str {
        self.metadata.get("signingName").and_then(Value::as_str).unwrap_or("")
    }

    pub fn shape(&self, name: &str) -> Result<&Shape> {
        match self.shapes.get(name) {
            Some(s) => Ok(s),
            None => bail!("shape {name} is not in the model"),
        }
    }
}

/// `implemented.toml`: the operations with typed bindings, per service.
pub struct Implemented(BTreeMap<String, Vec<String>>);

#[derive(Deserialize)]
struct ServiceList {
    operations: Vec<String>,
}

impl Implemented {
    pub fn load(path: &Path) -> Result<Implemented> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let raw: BTreeMap<String, ServiceList> = toml::from_str(&text)?;
        Ok(Implemented(raw.into_iter().map(|(k, v)| (k, v.operations)).collect()))
    }

    pub fn operations(&self, service: &str) -> &[String] {
        self.0.get(service).map(Vec::as_slice).unwrap_or(&[])
    }
}
