//! Fixture "media": an interface with an entity key, an @interfaceObject, a @shareable field
//! resolvable in two subgraphs and an @override.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{
    Context, EmptyMutation, EmptySubscription, ID, Interface, Object, Schema, SimpleObject,
};
use mart_router::RunningRouter;

use crate::harness::{Subgraph, compose, serve_subgraph, start_router};

const CATALOG_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { media: [Media!]! books: [Book!]! }
interface Media @key(fields: "id") { id: ID! title: String! }
type Book implements Media @key(fields: "id") { id: ID! title: String! pages: Int! price: Int! author: Author! }
type Movie implements Media @key(fields: "id") { id: ID! title: String! minutes: Int! }
type Author @key(fields: "id") { id: ID! name: String! @shareable }
"#;

const PEOPLE_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { authors: [Author!]! }
type Author @key(fields: "id") { id: ID! name: String! @shareable born: Int! }
"#;

const RATINGS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])
type Query { topRated: [Media!]! }
type Media @key(fields: "id") @interfaceObject { id: ID! rating: Int! }
"#;

const PRICING_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@override"])
type Book @key(fields: "id") { id: ID! price: Int! @override(from: "catalog") }
"#;

#[derive(SimpleObject, Clone)]
struct Author {
    id: ID,
    name: String,
}

#[derive(SimpleObject, Clone)]
struct Book {
    id: ID,
    title: String,
    pages: i32,
    /// Stale: the pricing subgraph took this field over with @override.
    price: i32,
    author: Author,
}

#[derive(SimpleObject, Clone)]
struct Movie {
    id: ID,
    title: String,
    minutes: i32,
}

#[derive(Interface, Clone)]
#[graphql(field(name = "id", ty = "&ID"), field(name = "title", ty = "&String"))]
enum Media {
    Book(Book),
    Movie(Movie),
}

fn books() -> Vec<Book> {
    vec![Book {
        id: ID::from("b1"),
        title: "Dune".to_string(),
        pages: 412,
        price: 0,
        author: Author {
            id: ID::from("a1"),
            name: "Frank Herbert".to_string(),
        },
    }]
}

fn all_media() -> Vec<Media> {
    let mut media: Vec<Media> = books().into_iter().map(Media::Book).collect();
    media.push(Media::Movie(Movie {
        id: ID::from("m1"),
        title: "Alien".to_string(),
        minutes: 117,
    }));
    media
}

fn media_by_id(id: &ID) -> Option<Media> {
    all_media().into_iter().find(|m| match m {
        Media::Book(b) => &b.id == id,
        Media::Movie(m) => &m.id == id,
    })
}

#[derive(Clone, Default)]
pub struct Counters {
    pub people_author_entities: Arc<AtomicUsize>,
}

struct CatalogQuery;

#[Object]
impl CatalogQuery {
    async fn media(&self) -> Vec<Media> {
        all_media()
    }
    async fn books(&self) -> Vec<Book> {
        books()
    }
    #[graphql(entity)]
    async fn find_book(&self, id: ID) -> Option<Book> {
        books().into_iter().find(|b| b.id == id)
    }
    #[graphql(entity)]
    async fn find_movie(&self, id: ID) -> Option<Movie> {
        match media_by_id(&id) {
            Some(Media::Movie(m)) => Some(m),
            _ => None,
        }
    }
    #[graphql(entity)]
    async fn find_media(&self, id: ID) -> Option<Media> {
        media_by_id(&id)
    }
    #[graphql(entity)]
    async fn find_author(&self, id: ID) -> Author {
        Author {
            name: "Frank Herbert".to_string(),
            id,
        }
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Author")]
struct PeopleAuthor {
    id: ID,
    name: String,
    born: i32,
}

struct PeopleQuery;

#[Object]
impl PeopleQuery {
    async fn authors(&self) -> Vec<PeopleAuthor> {
        vec![PeopleAuthor {
            id: ID::from("a1"),
            name: "Frank Herbert".to_string(),
            born: 1920,
        }]
    }
    #[graphql(entity)]
    async fn find_author(&self, ctx: &Context<'_>, id: ID) -> PeopleAuthor {
        ctx.data_unchecked::<Counters>()
            .people_author_entities
            .fetch_add(1, Ordering::SeqCst);
        PeopleAuthor {
            id,
            name: "Frank Herbert".to_string(),
            born: 1920,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "Media", interface_object)]
struct RatedMedia {
    id: ID,
    rating: i32,
}

fn rating_of(id: &str) -> i32 {
    match id {
        "b1" => 5,
        _ => 3,
    }
}

struct RatingsQuery;

#[Object]
impl RatingsQuery {
    async fn top_rated(&self) -> Vec<RatedMedia> {
        ["m1", "b1"]
            .into_iter()
            .map(|id| RatedMedia {
                id: ID::from(id),
                rating: rating_of(id),
            })
            .collect()
    }
    #[graphql(entity)]
    async fn find_media(&self, id: ID) -> RatedMedia {
        RatedMedia {
            rating: rating_of(id.as_str()),
            id,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "Book")]
struct PricedBook {
    id: ID,
    price: i32,
}

struct PricingQuery;

#[Object]
impl PricingQuery {
    #[graphql(entity)]
    async fn find_book(&self, id: ID) -> PricedBook {
        PricedBook { id, price: 1299 }
    }
}

pub struct MediaWorld {
    pub router: RunningRouter,
    pub counters: Counters,
}

pub async fn start() -> MediaWorld {
    let counters = Counters::default();
    let catalog = serve_subgraph(
        Schema::build(CatalogQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let people = serve_subgraph(
        Schema::build(PeopleQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .data(counters.clone())
            .finish(),
    )
    .await;
    let ratings = serve_subgraph(
        Schema::build(RatingsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let pricing = serve_subgraph(
        Schema::build(PricingQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let supergraph = compose(&[
        Subgraph {
            name: "catalog",
            url: catalog,
            sdl: CATALOG_SDL,
        },
        Subgraph {
            name: "people",
            url: people,
            sdl: PEOPLE_SDL,
        },
        Subgraph {
            name: "ratings",
            url: ratings,
            sdl: RATINGS_SDL,
        },
        Subgraph {
            name: "pricing",
            url: pricing,
            sdl: PRICING_SDL,
        },
    ]);
    MediaWorld {
        router: start_router(&supergraph).await,
        counters,
    }
}
