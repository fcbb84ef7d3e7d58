//! [`Api`]: raw JSON requests to the HTTP edge, for exact wire answers (status,
//! `x-amzn-ErrorType`, body) and for the `/_emulator` endpoints.

use anyhow::{Context, Result};
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// The access key the harness signs with. Not a 12-digit account id, so requests
/// land in the emulator's default account: the one MQTT devices connect to.
pub const ACCESS_KEY: &str = "harness";

/// Which service a request is routed to (the SigV4 scope's service name, DESIGN D3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// The control plane, `iot`.
    Iot,
    /// The data plane, `iotdata` (Publish, shadows, retained messages).
    IotData,
    /// The jobs data plane, `iot-jobs-data`.
    IotJobsData,
}

impl Service {
    fn scope_name(self) -> &'static str {
        match self {
            Service::Iot => "iot",
            Service::IotData => "iotdata",
            Service::IotJobsData => "iot-jobs-data",
        }
    }
}

/// One answer, read whole.
#[derive(Debug, Clone)]
pub struct ApiReply {
    pub status: u16,
    /// `x-amzn-ErrorType` of an error answer.
    pub error_type: Option<String>,
    pub body: Bytes,
}

impl ApiReply {
    /// The body as JSON (`null` for an empty body).
    pub fn json(&self) -> Result<Value> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).with_context(|| {
            format!("the answer is not JSON: {}", String::from_utf8_lossy(&self.body))
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `Ok(self)` for a 2xx answer, else an error that shows the answer.
    pub fn success(self) -> Result<ApiReply> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            anyhow::bail!(
                "HTTP {} {}: {}",
                self.status,
                self.error_type.as_deref().unwrap_or(""),
                self.text()
            )
        }
    }
}

/// Raw HTTP/1.1 requests to one emulator's HTTP edge.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    region: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Api {
    /// A client of `base` (`http://host:port`) signing for `region`.
    pub fn new(base: &str, region: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// `http://host:port`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// One request to `service`. The `Authorization` header has SigV4's form so the
    /// emulator routes it; its signature is not checked unless strict mode is on.
    pub async fn call(
        &self,
        service: Service,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ApiReply> {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20180101/{}/{}/aws4_request, \
             SignedHeaders=host, Signature=0",
            self.region,
            service.scope_name()
        );
        self.send(method, path, Some(&auth), body).await
    }

    /// An unsigned request, as curl sends it (the `/_emulator` endpoints).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&str>,
        body: Option<&Value>,
    ) -> Result<ApiReply> {
        let mut req = Request::builder().method(method.clone()).uri(format!("{}{path}", self.base));
        if let Some(a) = authorization {
            req = req.header(http::header::AUTHORIZATION, a);
        }
        let body = match body {
            Some(v) => {
                req = req.header(http::header::CONTENT_TYPE, "application/json");
                Bytes::from(v.to_string())
            }
            None => Bytes::new(),
        };
        let resp = self
            .client
            .request(req.body(Full::new(body)).context("building the request")?)
            .await
            .with_context(|| format!("{method} {}{path}", self.base))?;
        let status = resp.status().as_u16();
        let error_type =
            resp.headers().get("x-amzn-ErrorType").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = resp.into_body().collect().await.context("reading the answer")?.to_bytes();
        Ok(ApiReply { status, error_type, body })
    }

    /// `GET` of an `/_emulator` path that must answer 2xx, as JSON.
    pub(crate) async fn get_json(&self, path: &str) -> Result<Value> {
        self.send(Method::GET, path, None, None).await?.success()?.json()
    }
}
