//! A subscription trie keyed by topic level, with MQTT's `$` rules and AWS IoT's
//! `#`-does-not-match-the-parent rule (switchable); see [`super::topics::matches`],
//! which it agrees with (tested).

use std::collections::HashMap;
use std::hash::Hash;

/// Topic filters to subscribers: each filter holds one value per key (a session).
#[derive(Debug)]
pub struct TopicTrie<K, V> {
    root: Node<K, V>,
    len: usize,
}

#[derive(Debug)]
struct Node<K, V> {
    children: HashMap<Box<str>, Node<K, V>>,
    subscribers: HashMap<K, V>,
}

impl<K, V> Default for Node<K, V> {
    fn default() -> Self {
        Node { children: HashMap::new(), subscribers: HashMap::new() }
    }
}

impl<K, V> Default for TopicTrie<K, V> {
    fn default() -> Self {
        TopicTrie { root: Node::default(), len: 0 }
    }
}

impl<K: Hash + Eq, V> TopicTrie<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of (filter, key) entries.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds or replaces `key`'s subscription to `filter`; returns the previous value.
    pub fn insert(&mut self, filter: &str, key: K, value: V) -> Option<V> {
        let mut node = &mut self.root;
        for level in filter.split('/') {
            node = node.children.entry(level.into()).or_default();
        }
        let previous = node.subscribers.insert(key, value);
        if previous.is_none() {
            self.len += 1;
        }
        previous
    }

    /// Removes `key`'s subscription to `filter`, pruning empty nodes.
    pub fn remove(&mut self, filter: &str, key: &K) -> Option<V> {
        let levels: Vec<&str> = filter.split('/').collect();
        let removed = Self::remove_at(&mut self.root, &levels, key);
        if removed.is_some() {
            self.len -= 1;
        }
        removed
    }

    fn remove_at(node: &mut Node<K, V>, levels: &[&str], key: &K) -> Option<V> {
        let Some((first, rest)) = levels.split_first() else {
            return node.subscribers.remove(key);
        };
        let child = node.children.get_mut(*first)?;
        let removed = Self::remove_at(child, rest, key);
        if child.children.is_empty() && child.subscribers.is_empty() {
            node.children.remove(*first);
        }
        removed
    }

    /// Calls `f` for every subscription whose filter matches the topic name `topic`
    /// (a key subscribed through several matching filters is reported once per filter).
    pub fn for_each_match(
        &self,
        topic: &str,
        hash_matches_parent: bool,
        mut f: impl FnMut(&K, &V),
    ) {
        let levels: Vec<&str> = topic.split('/').collect();
        let dollar = topic.starts_with('$');
        Self::walk(&self.root, &levels, true, dollar, hash_matches_parent, &mut f);
    }

    fn walk(
        node: &Node<K, V>,
        levels: &[&str],
        at_root: bool,
        dollar: bool,
        hash_matches_parent: bool,
        f: &mut impl FnMut(&K, &V),
    ) {
        let Some((first, rest)) = levels.split_first() else {
            node.subscribers.iter().for_each(|(k, v)| f(k, v));
            if hash_matches_parent && let Some(hash) = node.children.get("#") {
                hash.subscribers.iter().for_each(|(k, v)| f(k, v));
            }
            return;
        };
        // Wildcards in the first level never match a `$` topic.
        if !(at_root && dollar) {
            if let Some(hash) = node.children.get("#") {
                hash.subscribers.iter().for_each(|(k, v)| f(k, v));
            }
            if let Some(plus) = node.children.get("+") {
                Self::walk(plus, rest, false, dollar, hash_matches_parent, f);
            }
        }
        if *first != "+"
            && *first != "#"
            && let Some(child) = node.children.get(*first)
        {
            Self::walk(child, rest, false, dollar, hash_matches_parent, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::topics::matches;
    use super::*;

    fn matched(
        trie: &TopicTrie<u32, &'static str>,
        topic: &str,
        parent: bool,
    ) -> Vec<&'static str> {
        let mut out = Vec::new();
        trie.for_each_match(topic, parent, |_, v| out.push(*v));
        out.sort();
        out
    }

    const FILTERS: &[&str] = &[
        "#",
        "+",
        "+/+",
        "a",
        "a/#",
        "a/+",
        "a/b",
        "a/+/c",
        "a/b/#",
        "/#",
        "+/b",
        "$aws/things/+/shadow/#",
        "$aws/#",
        "$aws/things/t/shadow/update",
        "Sensor/#",
    ];

    const TOPICS: &[&str] = &[
        "a",
        "a/",
        "a/b",
        "a/b/c",
        "a/x/c",
        "/",
        "/b",
        "b",
        "Sensor",
        "Sensor/",
        "Sensor/temp/room1",
        "$aws/things/t/shadow/update",
        "$aws/things/t/shadow/get/accepted",
        "$SYS/x",
    ];

    #[test]
    fn agrees_with_matches() {
        let mut trie = TopicTrie::new();
        for (i, f) in FILTERS.iter().enumerate() {
            trie.insert(f, i as u32, *f);
        }
        assert_eq!(trie.len(), FILTERS.len());
        for parent in [false, true] {
            for topic in TOPICS {
                let mut expected: Vec<&str> =
                    FILTERS.iter().copied().filter(|f| matches(f, topic, parent)).collect();
                expected.sort();
                assert_eq!(
                    matched(&trie, topic, parent),
                    expected,
                    "topic {topic} parent {parent}"
                );
            }
        }
    }

    #[test]
    fn dollar_topics_need_literal_first_level() {
        let mut trie = TopicTrie::new();
        trie.insert("#", 1, "#");
        trie.insert("+/things/t/shadow/update", 2, "+");
        trie.insert("$aws/things/t/shadow/update", 3, "exact");
        assert_eq!(matched(&trie, "$aws/things/t/shadow/update", true), vec!["exact"]);
    }

    #[test]
    fn insert_replace_remove_prunes() {
        let mut trie = TopicTrie::new();
        assert_eq!(trie.insert("a/b/c", 1, "x"), None);
        assert_eq!(trie.insert("a/b/c", 1, "y"), Some("x"));
        assert_eq!(trie.insert("a/b/c", 2, "z"), None);
        assert_eq!(trie.len(), 2);
        assert_eq!(matched(&trie, "a/b/c", false), vec!["y", "z"]);
        assert_eq!(trie.remove("a/b/c", &1), Some("y"));
        assert_eq!(trie.remove("a/b/c", &1), None);
        assert_eq!(trie.remove("a/b", &2), None);
        assert_eq!(trie.remove("a/b/c", &2), Some("z"));
        assert!(trie.is_empty());
        assert!(trie.root.children.is_empty());
    }
}
