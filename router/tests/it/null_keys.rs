//! Fixture "null keys": a list of entities where some items cannot be identified in the
//! next subgraph because their key field is null. Those items are skipped one by one; their
//! siblings still resolve.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{Context, EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};
use serde_json::json;

use crate::harness::{Subgraph, compose, query, serve_subgraph, start_router};

const BOOKS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { books: [Book!]! }
type Book @key(fields: "upc") { upc: ID! isbn: String @shareable }
"#;

const AUTHORS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Book @key(fields: "isbn") { isbn: String! author: String }
"#;

#[derive(SimpleObject)]
#[graphql(name = "Book")]
struct ListedBook {
    upc: String,
    isbn: Option<String>,
}

struct BooksQuery;

#[Object]
impl BooksQuery {
    async fn books(&self) -> Vec<ListedBook> {
        [("1", Some("i1")), ("2", None), ("3", Some("i3"))]
            .into_iter()
            .map(|(upc, isbn)| ListedBook {
                upc: upc.to_string(),
                isbn: isbn.map(str::to_string),
            })
            .collect()
    }
    #[graphql(entity)]
    async fn find_book(&self, upc: String) -> ListedBook {
        ListedBook { upc, isbn: None }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "Book")]
struct AuthoredBook {
    isbn: String,
    author: Option<String>,
}

/// Representations the authors subgraph was asked to resolve.
#[derive(Clone, Default)]
struct Asked(Arc<AtomicUsize>);

struct AuthorsQuery;

#[Object]
impl AuthorsQuery {
    #[graphql(entity)]
    async fn find_book(&self, ctx: &Context<'_>, isbn: String) -> AuthoredBook {
        ctx.data_unchecked::<Asked>()
            .0
            .fetch_add(1, Ordering::Relaxed);
        AuthoredBook {
            author: Some(format!("author of {isbn}")),
            isbn,
        }
    }
}

#[tokio::test]
async fn entities_with_a_null_key_are_skipped_and_their_siblings_resolve() {
    let asked = Asked::default();
    let books = serve_subgraph(
        Schema::build(BooksQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let authors = serve_subgraph(
        Schema::build(AuthorsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .data(asked.clone())
            .finish(),
    )
    .await;
    let supergraph = compose(&[
        Subgraph {
            name: "books",
            url: books,
            sdl: BOOKS_SDL,
        },
        Subgraph {
            name: "authors",
            url: authors,
            sdl: AUTHORS_SDL,
        },
    ]);
    let router = start_router(&supergraph).await;
    let body = query(&router, "{ books { upc author } }", json!({})).await;
    assert_eq!(
        body,
        json!({"data": {"books": [
            {"upc": "1", "author": "author of i1"},
            {"upc": "2", "author": null},
            {"upc": "3", "author": "author of i3"},
        ]}})
    );
    assert_eq!(
        asked.0.load(Ordering::Relaxed),
        2,
        "the book without an isbn is not sent"
    );
}
