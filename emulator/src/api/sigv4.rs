//! Reads the SigV4 credential scope (access key, date, region, service) from the
//! `Authorization` header or a presigned query string, and checks the signature of a
//! presigned URL (the strict mode of DESIGN D3; header signatures are not checked).

use std::fmt::Write as _;

use http::HeaderMap;
use ring::{digest, hmac};

use crate::domain::security::x509::hex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

fn parse_credential(credential: &str) -> Option<CredentialScope> {
    let mut parts = credential.trim().splitn(5, '/');
    let scope = CredentialScope {
        access_key: parts.next()?.to_owned(),
        date: parts.next()?.to_owned(),
        region: parts.next()?.to_owned(),
        service: parts.next()?.to_owned(),
    };
    (parts.next() == Some("aws4_request") && !scope.access_key.is_empty()).then_some(scope)
}

/// The scope of a signed request, or `None` for an unsigned one.
pub fn credential_scope(
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Option<CredentialScope> {
    if let Some(auth) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let rest = auth.strip_prefix("AWS4-HMAC-SHA256")?;
        let credential =
            rest.split(',').map(str::trim).find_map(|kv| kv.strip_prefix("Credential="))?;
        return parse_credential(credential);
    }
    query.iter().find(|(k, _)| k == "X-Amz-Credential").and_then(|(_, v)| parse_credential(v))
}

/// The account of an access key: a 12-digit key is the account id (as LocalStack
/// does), any other key belongs to the default account.
pub fn account_of(access_key: &str, default_account: &str) -> String {
    if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key.to_owned()
    } else {
        default_account.to_owned()
    }
}

/// SigV4's URI encoding: unreserved characters as they are, every other byte `%XX`.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

fn hmac_sha256(key: &[u8], data: &str) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes()).as_ref().to_vec()
}

/// The SHA-256 of an empty payload, which presigned GET requests sign.
const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Checks the signature of a presigned request (`X-Amz-Algorithm`, `X-Amz-Credential`,
/// `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Signature` in the query; guide
/// L6086-6121) made with `secret_of(access key)`. The session token is accepted
/// signed or appended after signing, as the device gateway's clients do. Returns why
/// the request is refused.
pub fn verify_presigned(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    secret_of: impl Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if param("X-Amz-Algorithm") != Some("AWS4-HMAC-SHA256") {
        return Err("X-Amz-Algorithm is not AWS4-HMAC-SHA256".into());
    }
    let scope = param("X-Amz-Credential")
        .and_then(parse_credential)
        .ok_or("X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request")?;
    let amz_date = param("X-Amz-Date").ok_or("the URL has no X-Amz-Date")?;
    let signature = param("X-Amz-Signature").ok_or("the URL has no X-Amz-Signature")?;
    let signed_headers =
        param("X-Amz-SignedHeaders").ok_or("the URL has no X-Amz-SignedHeaders")?;
    let secret = secret_of(&scope.access_key).ok_or_else(|| {
        format!("the access key {} is not among the configured sigv4_secrets", scope.access_key)
    })?;
    let mut canonical_headers = String::new();
    for name in signed_headers.split(';') {
        let value = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| format!("the signed header {name} is missing"))?;
        let _ = writeln!(canonical_headers, "{name}:{}", value.trim());
    }
    let path = path.split('/').map(uri_encode).collect::<Vec<_>>().join("/");
    let canonical_query = |with_token: bool| {
        let mut pairs: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| k != "X-Amz-Signature")
            .filter(|(k, _)| with_token || k != "X-Amz-Security-Token")
            .map(|(k, v)| (uri_encode(k), uri_encode(v)))
            .collect();
        pairs.sort();
        pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    };
    let credential_scope =
        format!("{}/{}/{}/aws4_request", scope.date, scope.region, scope.service);
    let mut key = hmac_sha256(format!("AWS4{secret}").as_bytes(), &scope.date);
    for part in [scope.region.as_str(), scope.service.as_str(), "aws4_request"] {
        key = hmac_sha256(&key, part);
    }
    let token_variants: &[bool] =
        if param("X-Amz-Security-Token").is_some() { &[false, true] } else { &[false] };
    for &with_token in token_variants {
        for payload in [EMPTY_PAYLOAD_SHA256, "UNSIGNED-PAYLOAD"] {
            let canonical_request = format!(
                "{method}\n{path}\n{}\n{canonical_headers}\n{signed_headers}\n{payload}",
                canonical_query(with_token)
            );
            let hashed =
                hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref());
            let string_to_sign =
                format!("AWS4-HMAC-SHA256\n{amz_date}\n{credential_scope}\n{hashed}");
            if hex(&hmac_sha256(&key, &string_to_sign)) == signature {
                return Ok(());
            }
        }
    }
    Err("the signature does not match (SignatureDoesNotMatch)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_from_the_authorization_header() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=111122223333/20261125/eu-west-1/iotdata/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc"
                .parse()
                .unwrap(),
        );
        let s = credential_scope(&h, &[]).unwrap();
        assert_eq!(
            (s.access_key.as_str(), s.region.as_str(), s.service.as_str()),
            ("111122223333", "eu-west-1", "iotdata")
        );
    }

    #[test]
    fn scope_from_a_presigned_query() {
        let q = vec![(
            "X-Amz-Credential".to_string(),
            "AKID/20261125/us-west-2/iot-jobs-data/aws4_request".to_string(),
        )];
        let s = credential_scope(&HeaderMap::new(), &q).unwrap();
        assert_eq!((s.region.as_str(), s.service.as_str()), ("us-west-2", "iot-jobs-data"));
    }

    #[test]
    fn unsigned_and_malformed_requests_have_no_scope() {
        assert_eq!(credential_scope(&HeaderMap::new(), &[]), None);
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/2026/us-east-1".parse().unwrap(),
        );
        assert_eq!(credential_scope(&h, &[]), None);
        h.insert("authorization", "Basic dXNlcjpwYXNz".parse().unwrap());
        assert_eq!(credential_scope(&h, &[]), None);
    }

    #[test]
    fn twelve_digit_keys_name_the_account() {
        assert_eq!(account_of("111122223333", "000000000000"), "111122223333");
        assert_eq!(account_of("AKIDEXAMPLE", "000000000000"), "000000000000");
        assert_eq!(account_of("12345", "000000000000"), "000000000000");
    }

    /// URLs presigned by botocore's `SigV4QueryAuth` (an independent signer) for
    /// `wss://localhost:4566/mqtt`, without and with a session token.
    const BOTOCORE_URL: &str = "/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261126%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=20261126T032252Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=12ee53e7b382b1646aa0b194348270afcf71c696fe767d18e3dbe59efb34a072";
    const BOTOCORE_URL_WITH_TOKEN: &str = "/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261126%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=20261126T032252Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok%2Fen%2B1&X-Amz-Signature=ed3c0abee28467d4e98e77fd5cc98ce1831cf2b093cf64867e07f215592aa9ea";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn verify(url: &str, host: &str, secret: &str) -> Result<(), String> {
        let uri: http::Uri = url.parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(http::header::HOST, host.parse().unwrap());
        let query = crate::api::edge::parse_query(uri.query());
        verify_presigned("GET", uri.path(), &query, &headers, |key| {
            (key == "AKIDEXAMPLE").then(|| secret.to_owned())
        })
    }

    #[test]
    fn presigned_urls_of_another_signer_verify() {
        assert_eq!(verify(BOTOCORE_URL, "localhost:4566", SECRET), Ok(()));
        assert_eq!(verify(BOTOCORE_URL_WITH_TOKEN, "localhost:4566", SECRET), Ok(()));
    }

    #[test]
    fn a_wrong_secret_host_or_signature_is_refused() {
        let mismatch = Err("the signature does not match (SignatureDoesNotMatch)".to_owned());
        assert_eq!(verify(BOTOCORE_URL, "localhost:4566", "other"), mismatch);
        assert_eq!(verify(BOTOCORE_URL, "localhost:4567", SECRET), mismatch);
        let tampered = BOTOCORE_URL.replace("us-east-1", "eu-west-1");
        assert_eq!(verify(&tampered, "localhost:4566", SECRET), mismatch);
        let unknown = BOTOCORE_URL.replace("AKIDEXAMPLE", "AKIDOTHER");
        assert!(verify(&unknown, "localhost:4566", SECRET).unwrap_err().contains("AKIDOTHER"));
        assert!(verify("/mqtt?X-Amz-Credential=x", "localhost:4566", SECRET).is_err());
    }
}
