//! Queries against the "media" fixture.
use std::sync::atomic::Ordering;

use serde_json::json;

use crate::harness::query;
use crate::media;

#[tokio::test]
async fn interface_fragments_resolve_by_concrete_type() {
    let world = media::start().await;
    let body = query(
        &world.router,
        r#"{ media { __typename ...Titles ... on Book { pages } ... on Movie { minutes } } }
           fragment Titles on Media { id title }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"media": [
            {"__typename": "Book", "id": "b1", "title": "Dune", "pages": 412},
            {"__typename": "Movie", "id": "m1", "title": "Alien", "minutes": 117}
        ]}})
    );
}

#[tokio::test]
async fn interface_object_fields_join_the_interface() {
    let world = media::start().await;
    let body = query(&world.router, "{ media { title rating } }", json!({})).await;
    assert_eq!(
        body,
        json!({"data": {"media": [
            {"title": "Dune", "rating": 5},
            {"title": "Alien", "rating": 3}
        ]}})
    );
}

#[tokio::test]
async fn interface_object_root_field_learns_concrete_types() {
    let world = media::start().await;
    let body = query(
        &world.router,
        "{ topRated { __typename id rating ... on Movie { minutes } ... on Book { title } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"topRated": [
            {"__typename": "Movie", "id": "m1", "rating": 3, "minutes": 117},
            {"__typename": "Book", "id": "b1", "rating": 5, "title": "Dune"}
        ]}})
    );
}

#[tokio::test]
async fn shareable_field_is_resolved_from_either_subgraph() {
    let world = media::start().await;
    let from_catalog = query(&world.router, "{ books { author { name } } }", json!({})).await;
    assert_eq!(
        from_catalog,
        json!({"data": {"books": [{"author": {"name": "Frank Herbert"}}]}})
    );
    assert_eq!(
        world.counters.people_author_entities.load(Ordering::SeqCst),
        0,
        "catalog resolves the shareable name itself"
    );
    let from_people = query(&world.router, "{ authors { name born } }", json!({})).await;
    assert_eq!(
        from_people,
        json!({"data": {"authors": [{"name": "Frank Herbert", "born": 1920}]}})
    );
}

#[tokio::test]
async fn overridden_field_comes_from_the_new_owner() {
    let world = media::start().await;
    let body = query(&world.router, "{ books { title price } }", json!({})).await;
    assert_eq!(
        body,
        json!({"data": {"books": [{"title": "Dune", "price": 1299}]}})
    );
}
