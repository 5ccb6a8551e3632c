//! Parsed documents remembered by their text.
//!
//! A subgraph sees few distinct documents: the router sends the same fetch for every
//! `placeOrder`, every entity lookup of a type, every status query, only the variables
//! change. async-graphql parses each request's text anew with pest, which was 4.8 % of
//! `mart up`'s CPU at 200 orders/s (bench/LOG.md, session 26); cloning a remembered
//! document costs a fraction of that. Only text that parses is remembered, so every
//! error is still reported by async-graphql as before, and the depth check it runs on a
//! parsed document still runs on a remembered one.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// How many documents a subgraph remembers: the router's plans for every operation Mart's
/// clients send need a few dozen per subgraph; a caller sending ever-new documents only
/// churns the oldest out.
pub const CAPACITY: usize = 256;

/// The longest text remembered, so that [`CAPACITY`] documents hold a bounded amount of
/// memory (a parsed document takes several times its text). The router's fetches are
/// well under this; a longer document is parsed every time, as before.
pub const MAX_TEXT: usize = 8 * 1024;

/// The most recently used parsed documents of one subgraph, by text.
pub struct Documents {
    parsed: Mutex<LruCache<Box<str>, Arc<ExecutableDocument>>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self::new(CAPACITY)
    }
}

impl Documents {
    /// Remembering at most `capacity` documents (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            parsed: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// `text` parsed, from memory when it was parsed before; `None` when it does not
    /// parse (async-graphql then parses it again and says why).
    pub fn parse(&self, text: &str) -> Option<ExecutableDocument> {
        if text.len() > MAX_TEXT {
            return async_graphql::parser::parse_query(text).ok();
        }
        let remembered = self.lock().get(text).cloned();
        if let Some(document) = remembered {
            // Cloned outside the lock: execution takes the document apart.
            return Some(document.as_ref().clone());
        }
        let document = async_graphql::parser::parse_query(text).ok()?;
        self.lock().put(Box::from(text), Arc::new(document.clone()));
        Some(document)
    }

    /// How many documents are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[cfg(test)]
    fn remembers(&self, text: &str) -> bool {
        self.lock().contains(text)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Box<str>, Arc<ExecutableDocument>>> {
        // The map is consistent between calls, whatever a panicking holder was doing.
        self.parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::types::DocumentOperations;

    use super::*;

    fn first_field(document: &ExecutableDocument) -> String {
        let DocumentOperations::Single(operation) = &document.operations else {
            panic!("one operation expected");
        };
        match &operation.node.selection_set.node.items[0].node {
            async_graphql::parser::types::Selection::Field(field) => {
                field.node.name.node.to_string()
            }
            _ => panic!("a field expected"),
        }
    }

    #[test]
    fn a_remembered_document_is_the_one_its_text_says() {
        let documents = Documents::new(4);
        for _ in 0..3 {
            let a = documents.parse("{ a }").expect("parses");
            let b = documents.parse("query { b(x: 1) }").expect("parses");
            assert_eq!(first_field(&a), "a");
            assert_eq!(first_field(&b), "b");
        }
        assert_eq!(documents.len(), 2);
    }

    #[test]
    fn text_that_does_not_parse_is_not_remembered() {
        let documents = Documents::new(4);
        assert!(documents.parse("{ a ").is_none());
        assert!(documents.parse("{ a ").is_none());
        assert!(documents.is_empty());
    }

    #[test]
    fn ever_new_documents_keep_the_count_at_capacity() {
        let documents = Documents::new(8);
        for i in 0..1_000 {
            assert!(documents.parse(&format!("{{ f{i} }}")).is_some());
            assert!(documents.len() <= 8);
        }
        assert_eq!(documents.len(), 8);
        assert!(documents.remembers("{ f999 }"));
        assert!(!documents.remembers("{ f0 }"));
    }

    #[test]
    fn long_text_is_parsed_but_not_remembered() {
        let documents = Documents::new(8);
        let long = format!("{{ a{} }}", " ".repeat(MAX_TEXT));
        assert_eq!(first_field(&documents.parse(&long).unwrap()), "a");
        assert!(documents.is_empty());
    }
}
