//! Fixture "requires with fragments": a `@requires` whose field set reads an interface-typed
//! field through an inline fragment, where one of the interface's implementations is
//! `@inaccessible`. Clients see `null` for an object of the inaccessible type; the subgraph
//! that requires it still gets its data.
use async_graphql::{
    EmptyMutation, EmptySubscription, ID, Interface, Json, Object, Schema, SimpleObject,
};
use serde_json::{Value, json};

use crate::harness::{Subgraph, compose, query, serve_subgraph, start_router};

const A_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])
type Query @shareable { a: Entity }
type Entity @key(fields: "id") { id: ID! data: Foo }
interface Foo { foo: String! }
type Baz implements Foo @shareable { foo: String! baz: String! }
type Qux implements Foo @shareable { foo: String! qux: String! }
"#;

const B_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", "@inaccessible", "@external", "@requires"])
type Query @shareable { b: Entity bb: Entity }
type Entity @key(fields: "id") {
  id: ID!
  data: Foo @external
  requirer: String! @requires(fields: "data { foo ... on Qux { qux } }")
}
interface Foo { foo: String! }
type Baz implements Foo @shareable @inaccessible { foo: String! baz: String! }
type Qux implements Foo @shareable { foo: String! qux: String! }
"#;

/// e1's data is a Baz, e2's a Qux.
fn data_of(id: &str) -> Foo {
    if id == "e1" {
        Foo::Baz(Baz {
            foo: "b1-foo".into(),
            baz: "b1-baz".into(),
        })
    } else {
        Foo::Qux(Qux {
            foo: "q1-foo".into(),
            qux: "q1-qux".into(),
        })
    }
}

#[derive(SimpleObject)]
struct Baz {
    foo: String,
    baz: String,
}

#[derive(SimpleObject)]
struct Qux {
    foo: String,
    qux: String,
}

#[derive(Interface)]
#[graphql(field(name = "foo", ty = "&String"))]
enum Foo {
    Baz(Baz),
    Qux(Qux),
}

struct AEntity {
    id: String,
}

#[Object(name = "Entity")]
impl AEntity {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    async fn data(&self) -> Foo {
        data_of(&self.id)
    }
}

struct AQuery;

#[Object]
impl AQuery {
    async fn a(&self) -> AEntity {
        AEntity { id: "e2".into() }
    }
    #[graphql(entity)]
    async fn find_entity(&self, id: ID) -> AEntity {
        AEntity { id: id.0 }
    }
}

struct BEntity {
    id: String,
    data: Option<Value>,
}

#[Object(name = "Entity")]
impl BEntity {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    /// What the representation carried: `foo`, and `qux` only for a Qux.
    async fn requirer(&self) -> String {
        let data = self.data.as_ref().unwrap_or(&Value::Null);
        let qux = data.get("qux").and_then(Value::as_str).unwrap_or("-");
        format!("{}_requirer_{qux}", data["foo"].as_str().unwrap_or("?"))
    }
}

struct BQuery;

#[Object]
impl BQuery {
    async fn b(&self) -> BEntity {
        BEntity {
            id: "e1".into(),
            data: None,
        }
    }
    async fn bb(&self) -> BEntity {
        BEntity {
            id: "e2".into(),
            data: None,
        }
    }
    #[graphql(entity)]
    async fn find_entity(&self, #[graphql(key)] id: ID, data: Option<Json<Value>>) -> BEntity {
        BEntity {
            id: id.0,
            data: data.map(|d| d.0),
        }
    }
}

#[tokio::test]
async fn an_inaccessible_runtime_type_is_null_for_clients_and_still_required() {
    let a = serve_subgraph(
        Schema::build(AQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let b = serve_subgraph(
        Schema::build(BQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let supergraph = compose(&[
        Subgraph {
            name: "a",
            url: a,
            sdl: A_SDL,
        },
        Subgraph {
            name: "b",
            url: b,
            sdl: B_SDL,
        },
    ]);
    let router = start_router(&supergraph).await;
    let cases = [
        (
            "{ b { id data { __typename } } bb { id data { __typename } } }",
            json!({"b": {"id": "e1", "data": null}, "bb": {"id": "e2", "data": {"__typename": "Qux"}}}),
        ),
        (
            "{ b { data { __typename } requirer } }",
            json!({"b": {"data": null, "requirer": "b1-foo_requirer_-"}}),
        ),
        (
            "{ bb { data { __typename ... on Qux { qux } } requirer } }",
            json!({"bb": {"data": {"__typename": "Qux", "qux": "q1-qux"}, "requirer": "q1-foo_requirer_q1-qux"}}),
        ),
        (
            "{ a { requirer } }",
            json!({"a": {"requirer": "q1-foo_requirer_q1-qux"}}),
        ),
    ];
    for (operation, data) in cases {
        let body = query(&router, operation, json!({})).await;
        assert_eq!(body, json!({ "data": data }), "{operation}");
    }
}
