//! The fixture subgraphs' SDL, as the composition tool reads it.
use std::path::Path;

pub const ACCOUNTS: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { me: User users: [User] user(id: ID!): User }
type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }
"#;

pub const PRODUCTS: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { topProducts(first: Int = 5): [Product] }
type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
"#;

pub const REVIEWS: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@provides", "@shareable"])
type Review @key(fields: "id") { id: ID! body: String author: User @provides(fields: "username") product: Product }
type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
type Product @key(fields: "upc") { upc: String! reviews: [Review] }
"#;

pub const INVENTORY: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])
type Product @key(fields: "upc") { upc: String! weight: Int @external price: Int @external inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }
"#;

/// `<dir>/<name>.graphql` for each subgraph and `<dir>/subgraphs.json` naming their URLs.
pub fn write(dir: &Path, ports: &[u16]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let names = ["accounts", "products", "reviews", "inventory"];
    let sdls = [ACCOUNTS, PRODUCTS, REVIEWS, INVENTORY];
    let mut entries = Vec::new();
    for ((name, sdl), port) in names.iter().zip(sdls).zip(ports) {
        std::fs::write(dir.join(format!("{name}.graphql")), sdl)?;
        entries.push(serde_json::json!({
            "name": name,
            "url": format!("http://127.0.0.1:{port}/graphql"),
            "sdl": format!("{name}.graphql"),
        }));
    }
    let manifest = serde_json::json!({ "subgraphs": entries });
    std::fs::write(dir.join("subgraphs.json"), manifest.to_string())?;
    Ok(())
}
