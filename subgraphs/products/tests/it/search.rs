//! Searching the catalogue as a shop's search page does: words, typos, sorts, facets.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{CREATE_CATEGORY, TestService, create_product, product_input};

const LIST: &str = r#"
query($filter: ProductFilter, $sort: ProductSort, $first: Int, $after: String) {
  products(filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { cursor node { sku } }
    pageInfo { hasNextPage endCursor }
    correctedSearch
  }
}"#;

const FACETS: &str = r#"
query($filter: ProductFilter) {
  products(filter: $filter, first: 1) {
    totalCount
    facets {
      categories { category { name } count }
      priceBands { minPrice maxPrice count }
    }
  }
}"#;

/// A small shop: two categories, five products with their own words.
struct Shop {
    service: TestService,
    kitchen: Value,
}

async fn shop(label: &str) -> Shop {
    let service = TestService::start(label).await;
    let category = async |name: &str| {
        service
            .ok(CREATE_CATEGORY, json!({ "input": { "name": name } }))
            .await["createCategory"]["id"]
            .clone()
    };
    let kitchen = category("Kitchen").await;
    let stationery = category("Stationery").await;
    for (sku, name, description, price, category) in [
        (
            "K1",
            "Gooseneck Kettle",
            "Pour-over kettle with a thermometer",
            4500,
            &kitchen,
        ),
        ("K2", "Cast Iron Skillet", "Seasoned pan", 3900, &kitchen),
        ("M1", "Blue Mug", "Stoneware", 1500, &kitchen),
        (
            "N1",
            "Dotted Notebook",
            "Pairs well with a mug of coffee",
            1200,
            &stationery,
        ),
        ("P1", "Fountain Pen", "Steel nib", 8900, &stationery),
    ] {
        let mut input = product_input(sku, name, price);
        input["description"] = json!(description);
        input["categoryId"] = category.clone();
        create_product(&service, input).await;
    }
    Shop { service, kitchen }
}

fn skus(page: &Value) -> Vec<String> {
    page["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["sku"].as_str().unwrap().to_string())
        .collect()
}

async fn search(service: &TestService, filter: Value) -> Vec<String> {
    skus(&service.ok(LIST, json!({ "filter": filter })).await)
}

fn set(skus: &[&str]) -> BTreeSet<String> {
    skus.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn words_match_by_prefix_stem_category_and_despite_typos() {
    let Shop { service, kitchen } = shop("products_search_words").await;

    // Ranked: exact order matters.
    for (text, expected) in [
        ("kett", vec!["K1"]),
        // Stemmed, and a name match ranks above a description match.
        ("mugs", vec!["M1", "N1"]),
        // Typos: one word, one word of two, two letters swapped.
        ("skilet", vec!["K2"]),
        ("gooseneck kettel", vec!["K1"]),
        ("ketlte", vec!["K1"]),
        // Every word must match, in any order.
        ("steel pen", vec!["P1"]),
        ("PEN, steel!", vec!["P1"]),
        ("steel kettle", vec![]),
        // Nothing to search for matches nothing.
        ("%%", vec![]),
    ] {
        let found = search(&service, json!({ "search": text })).await;
        assert_eq!(found, expected, "search {text:?}");
    }

    // A corrected search says what it searched for instead.
    let corrected = |text: &'static str| {
        let service = &service;
        async move {
            service
                .ok(LIST, json!({ "filter": { "search": text } }))
                .await["products"]["correctedSearch"]
                .clone()
        }
    };
    assert_eq!(corrected("gooseneck kettel").await, "gooseneck kettle");
    assert_eq!(corrected("mugs").await, Value::Null);
    assert_eq!(corrected("steel kettle").await, Value::Null);

    // Same rank: compared as sets.
    for (filter, expected) in [
        // The category's name is searched.
        (json!({ "search": "kitchen" }), set(&["K1", "K2", "M1"])),
        // A single letter (an English stop word) is a prefix like any other.
        (json!({ "search": "s" }), set(&["K2", "M1", "N1", "P1"])),
        // Filters narrow a search.
        (
            json!({ "search": "kitchen", "maxPrice": 4000 }),
            set(&["K2", "M1"]),
        ),
        (
            json!({ "search": "s", "categoryId": kitchen }),
            set(&["K2", "M1"]),
        ),
    ] {
        let found: BTreeSet<String> = search(&service, filter.clone()).await.into_iter().collect();
        assert_eq!(found, expected, "filter {filter}");
    }
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_sort_pages_through_all_matches_once_in_order() {
    let Shop { service, .. } = shop("products_search_sorts").await;
    let by_price = ["N1", "M1", "K2", "K1", "P1"];
    let mut newest = ["K1", "K2", "M1", "N1", "P1"];
    newest.reverse();
    for (sort, filter, expected) in [
        ("PRICE_ASCENDING", json!(null), by_price.to_vec()),
        (
            "PRICE_DESCENDING",
            json!(null),
            by_price.iter().rev().copied().collect(),
        ),
        ("NEWEST", json!(null), newest.to_vec()),
        ("OLDEST", json!(null), vec!["K1", "K2", "M1", "N1", "P1"]),
        // Without a search, relevance means oldest first.
        ("RELEVANCE", json!(null), vec!["K1", "K2", "M1", "N1", "P1"]),
        ("RELEVANCE", json!({ "search": "mug" }), vec!["M1", "N1"]),
        (
            "PRICE_ASCENDING",
            json!({ "search": "s" }),
            vec!["N1", "M1", "K2", "P1"],
        ),
    ] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let vars = json!({ "filter": filter, "sort": sort, "first": 2, "after": after });
            let page = service.ok(LIST, vars).await;
            seen.extend(skus(&page));
            let info = &page["products"]["pageInfo"];
            if info["hasNextPage"] == false {
                break;
            }
            after = info["endCursor"].as_str().map(str::to_string);
            assert!(
                seen.len() <= expected.len(),
                "{sort} {filter}: runs past the end"
            );
        }
        assert_eq!(seen, expected, "{sort} {filter}");
    }

    // A cursor belongs to its order.
    let page = service
        .ok(LIST, json!({ "sort": "PRICE_ASCENDING", "first": 1 }))
        .await;
    let cursor = page["products"]["pageInfo"]["endCursor"].clone();
    let (code, field) = service
        .error(LIST, json!({ "sort": "NEWEST", "after": cursor }))
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("after"))
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn totals_and_facets_count_matches_ignoring_their_own_filter() {
    let Shop { service, kitchen } = shop("products_search_facets").await;
    let facets = |filter: Value| {
        let service = &service;
        async move { service.ok(FACETS, json!({ "filter": filter })).await["products"].clone() }
    };
    let bands = |counts: [i64; 6]| {
        let bounds = [(0, Some(999)), (1000, Some(2499)), (2500, Some(4999))];
        let upper = [(5000, Some(9999)), (10000, Some(24999)), (25000, None)];
        bounds
            .into_iter()
            .chain(upper)
            .zip(counts)
            .map(|((min, max), count)| json!({ "minPrice": min, "maxPrice": max, "count": count }))
            .collect::<Vec<_>>()
    };

    // Words starting with "s" in a kitchen: K2 and M1. The category facet still counts
    // the stationery's two; the price bands count what the category holds.
    let found = facets(json!({ "search": "s", "categoryId": kitchen })).await;
    assert_eq!(found["totalCount"], 2);
    assert_eq!(
        found["facets"]["categories"],
        json!([
            { "category": { "name": "Kitchen" }, "count": 2 },
            { "category": { "name": "Stationery" }, "count": 2 },
        ])
    );
    assert_eq!(
        found["facets"]["priceBands"],
        json!(bands([0, 1, 1, 0, 0, 0]))
    );

    // A price range: the bands ignore it, the categories honour it.
    let found = facets(json!({ "search": "s", "minPrice": 2000 })).await;
    assert_eq!(found["totalCount"], 2);
    let categories = &found["facets"]["categories"];
    assert_eq!(
        categories.as_array().unwrap().len(),
        2,
        "one each: {categories}"
    );
    assert_eq!(
        found["facets"]["priceBands"],
        json!(bands([0, 2, 1, 1, 0, 0]))
    );

    // A corrected search counts what it found, not the typo's nothing.
    let found = facets(json!({ "search": "skilet" })).await;
    assert_eq!(found["totalCount"], 1);
    assert_eq!(
        found["facets"]["priceBands"],
        json!(bands([0, 0, 1, 0, 0, 0]))
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_search_follows_edits_and_leaves_archived_products_out() {
    let Shop { service, .. } = shop("products_search_edits").await;
    let id = service
        .ok(r#"query { product(sku: "K1") { id } }"#, json!({}))
        .await["product"]["id"]
        .clone();
    service
        .ok(
            "mutation($id: ID!) { updateProduct(id: $id, input: { name: \"Electric Kettle\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        search(&service, json!({ "search": "electric" })).await,
        ["K1"]
    );
    assert!(
        search(&service, json!({ "search": "gooseneck" }))
            .await
            .is_empty()
    );

    service
        .ok(
            "mutation($id: ID!) { archiveProduct(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(
        search(&service, json!({ "search": "kettle" }))
            .await
            .is_empty()
    );
    let archived = search(
        &service,
        json!({ "search": "kettle", "status": "ARCHIVED" }),
    )
    .await;
    assert_eq!(archived, ["K1"]);
    service.stop().await;
}

/// A search matching most of a large catalogue is counted on a sample: its counts are
/// estimates, said to be so, close to the truth and the same on every request; a
/// narrow search in the same catalogue is still counted exactly.
#[tokio::test(flavor = "multi_thread")]
async fn broad_searches_of_a_large_catalogue_are_counted_on_a_sample() {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let service = TestService::start("products_search_sampled").await;
    // bench/search.sh's generated catalogue (its psql variable written in): every
    // description says "Designed for…", a noun is in about a fortieth of the names.
    let catalogue =
        include_str!("../../../../bench/prefill/products.sql").replace(":rows", "30000");
    let mut conn = service.db.conn().await.unwrap();
    conn.batch_execute(&catalogue).await.unwrap();
    conn.batch_execute("ANALYZE products").await.unwrap();
    let active_matching = async |pattern: &str| -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM products WHERE status = 'ACTIVE' AND description ILIKE $1",
        )
        .bind::<diesel::sql_types::Text, _>(pattern)
        .get_result(&mut service.db.conn().await.unwrap())
        .await
        .unwrap();
        count.n
    };
    const COUNTS: &str = r#"
    query($filter: ProductFilter) {
      products(filter: $filter, first: 3) {
        edges { node { sku } }
        totalCount
        countsAreExact
        facets { categories { count } priceBands { count } }
      }
    }"#;
    let counts = async |filter: Value| {
        service.ok(COUNTS, json!({ "filter": filter })).await["products"].clone()
    };
    let sum = |facet: &Value| -> i64 {
        facet
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["count"].as_i64().unwrap())
            .sum()
    };

    let truth = active_matching("%designed%").await;
    assert!(truth > 29_000, "{truth}");
    let broad = counts(json!({ "search": "designed" })).await;
    assert_eq!(broad["countsAreExact"], false, "{broad}");
    assert_eq!(
        skus(&json!({ "products": broad })).len(),
        3,
        "the page is whole"
    );
    let total = broad["totalCount"].as_i64().unwrap();
    assert!(
        (total - truth).abs() * 20 < truth,
        "an estimate within 5 %: {total} for {truth}"
    );
    assert_eq!(total % 1_000, 0, "to two significant digits: {total}");
    for facet in ["categories", "priceBands"] {
        let counted = sum(&broad["facets"][facet]);
        assert!(
            (counted - truth).abs() * 5 < truth,
            "{facet} add up to about the total: {counted} for {truth}"
        );
    }
    assert_eq!(
        counts(json!({ "search": "designed" })).await,
        broad,
        "the same sample every time"
    );

    let kettles = active_matching("%kettle%").await;
    let narrow = counts(json!({ "search": "kettle" })).await;
    assert_eq!(narrow["countsAreExact"], true, "{narrow}");
    assert_eq!(narrow["totalCount"], kettles);
    assert_eq!(sum(&narrow["facets"]["categories"]), kettles);
    service.stop().await;
}
