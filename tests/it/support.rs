//! Shared fixtures: one in-process emulator for the whole binary, a raw HTTP
//! client, an aws-sdk-iot client, and unique names.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use iot_emulator::{Config, Emulator};

/// The shared emulator's HTTP URL. It runs on its own runtime in its own thread so
/// that it outlives every test's runtime.
pub fn shared_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let emulator = Emulator::start(Config::ephemeral()).await.expect("emulator starts");
                tx.send(emulator.http_url()).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv_timeout(std::time::Duration::from_secs(20)).expect("shared emulator ready")
    })
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn error_type(&self) -> &str {
        self.headers.get("x-amzn-ErrorType").and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// An `Authorization` header of SigV4 form; the emulator reads the scope only.
pub fn sigv4(access_key: &str, region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/20261125/{region}/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

/// One HTTP request to `base` + `path`.
pub async fn http(
    method: Method,
    base: &str,
    path: &str,
    auth: Option<&str>,
    body: impl AsRef<[u8]>,
) -> Reply {
    http_with(method, base, path, auth, &[], body).await
}

/// One HTTP request with extra headers.
pub async fn http_with(
    method: Method,
    base: &str,
    path: &str,
    auth: Option<&str>,
    headers: &[(&str, &str)],
    body: impl AsRef<[u8]>,
) -> Reply {
    let body = body.as_ref();
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder().method(method).uri(format!("{base}{path}"));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if !body.is_empty() {
        req = req.header("content-type", "application/json");
    }
    let resp =
        client.request(req.body(Full::new(Bytes::copy_from_slice(body))).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body }
}

/// An aws-sdk-iot client for `url`, with `access_key` and `region`.
pub fn iot_client(url: &str, access_key: &str, region: &str) -> aws_sdk_iot::Client {
    let creds = aws_credential_types::Credentials::new(access_key, "secret", None, None, "it");
    let conf = aws_sdk_iot::Config::builder()
        .behavior_version(aws_sdk_iot::config::BehaviorVersion::latest())
        .region(aws_sdk_iot::config::Region::new(region.to_owned()))
        .endpoint_url(url)
        .credentials_provider(creds)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    aws_sdk_iot::Client::from_conf(conf)
}
