//! Pages of listings: the store is asked for one row more than the page holds, so
//! the page knows whether another follows and from which key it continues.

/// Page size when the caller gives none (0).
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// The page size to use for a requested `limit` (0 = the default).
pub fn page_limit(limit: usize) -> usize {
    if limit == 0 { DEFAULT_PAGE_SIZE } else { limit }
}

/// Cuts `items` (fetched with `limit + 1`) to `limit`; the key of the last item kept
/// when more follow.
pub fn paginate<T, K>(
    mut items: Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> K,
) -> (Vec<T>, Option<K>) {
    if items.len() > limit {
        items.truncate(limit);
        let next = items.last().map(&key);
        (items, next)
    } else {
        (items, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_more_row_means_another_page() {
        assert_eq!(paginate(vec![1, 2, 3], 2, |n| n.to_string()), (vec![1, 2], Some("2".into())));
        assert_eq!(paginate(vec![1, 2], 2, |n| n.to_string()), (vec![1, 2], None));
        assert_eq!(page_limit(0), DEFAULT_PAGE_SIZE);
    }
}
