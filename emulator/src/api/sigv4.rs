//! Reads the SigV4 credential scope (access key, date, region, service) from the
//! `Authorization` header or a presigned query string. Signatures are not checked.

use http::HeaderMap;

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
}
