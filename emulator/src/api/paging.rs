//! List pagination on the wire: opaque `nextToken`s and page sizes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::wire::ApiError;

/// Page tokens are opaque to callers: the last name of the page, base64url.
pub fn encode_token(after: &str) -> String {
    URL_SAFE_NO_PAD.encode(after)
}

pub fn decode_token(token: &str) -> Result<String, ApiError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::invalid_request("The nextToken is not valid."))
}

/// The page size asked for; 0 means the operation's default. The model's
/// constraints have already kept it within its bounds.
pub fn page_size(max_results: Option<i32>) -> usize {
    max_results.map_or(0, |n| usize::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_invalid() {
        assert_eq!(decode_token(&encode_token("thing:1_a-b")).unwrap(), "thing:1_a-b");
        assert_eq!(decode_token("!!").unwrap_err().code, "InvalidRequestException");
    }
}
