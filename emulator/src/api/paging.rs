//! List pagination on the wire: opaque `nextToken`s and page sizes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::wire::ApiError;

/// Page tokens and markers are opaque to callers: the last key of the page, in
/// standard base64 (the model's pattern for markers is `[A-Za-z0-9+/]+={0,2}`).
pub fn encode_token(after: &str) -> String {
    STANDARD.encode(after)
}

pub fn decode_token(token: &str) -> Result<String, ApiError> {
    STANDARD
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

/// Page size of the marker-based lists (policies, certificates) when none is given.
pub const DEFAULT_MARKER_PAGE: usize = 25;

/// One page of an in-memory list sorted by `key` (ascending, or descending when
/// `!ascending`): the items after `marker` and the marker of the next page.
pub fn page_sorted<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> &str,
    ascending: bool,
    marker: Option<&str>,
    page: usize,
) -> (Vec<T>, Option<String>) {
    let page = if page == 0 { DEFAULT_MARKER_PAGE } else { page };
    items.sort_by(|a, b| if ascending { key(a).cmp(key(b)) } else { key(b).cmp(key(a)) });
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|i| marker.is_none_or(|m| if ascending { key(i) > m } else { key(i) < m }))
        .collect();
    let next = (rest.len() > page).then(|| key(&rest[page - 1]).to_owned());
    rest.truncate(page);
    (rest, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_invalid() {
        assert_eq!(decode_token(&encode_token("thing:1_a-b")).unwrap(), "thing:1_a-b");
        assert_eq!(decode_token("!!").unwrap_err().code, "InvalidRequestException");
        assert!(
            encode_token("a?b>c~").chars().all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
        );
    }

    #[test]
    fn in_memory_pages_continue_after_the_marker_both_ways() {
        let items: Vec<String> = ["b", "a", "c"].map(String::from).to_vec();
        let page =
            |asc, m: Option<&str>| page_sorted(items.clone(), |s: &String| s.as_str(), asc, m, 2);
        assert_eq!(page(true, None), (vec!["a".into(), "b".into()], Some("b".into())));
        assert_eq!(page(true, Some("b")), (vec!["c".into()], None));
        assert_eq!(page(false, None), (vec!["c".into(), "b".into()], Some("b".into())));
        assert_eq!(page(false, Some("b")), (vec!["a".into()], None));
    }
}
