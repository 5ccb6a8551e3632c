//! `mart-bench search`: catalogue searches through the router, as a shop's search page
//! sends them, against the generated catalogue of bench/prefill/products.sql. Each of
//! `--connections` clients sends one search after another, cycling through the kinds
//! below with words drawn from the catalogue's vocabularies; prints latency percentiles
//! per kind and over all, and the mean number of matches of each kind.
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// Searches against the generated catalogue: latency per kind of search.
#[derive(clap::Args)]
pub struct Args {
    /// GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql
    #[arg(long)]
    pub url: String,
    /// Concurrent clients, each with its own keep-alive connection
    #[arg(long, default_value_t = 1)]
    pub connections: usize,
    /// How long to search: 30s, 500ms, 2m
    #[arg(long, default_value = "30s", value_parser = crate::parse_duration)]
    pub duration: Duration,
}

// The vocabularies of bench/prefill/products.sql (names are adjective, material, noun).
const NOUNS: &[&str] = &[
    "kettle",
    "mug",
    "skillet",
    "knife",
    "notebook",
    "lamp",
    "desk",
    "chair",
    "backpack",
    "tent",
    "lantern",
    "speaker",
    "headphones",
    "cable",
    "planner",
    "pen",
    "grinder",
    "teapot",
    "jar",
    "bowl",
    "plate",
    "tray",
    "shelf",
    "organizer",
    "blanket",
    "pillow",
    "towel",
    "apron",
    "bottle",
    "thermos",
    "cooler",
    "hammock",
    "stool",
    "clock",
    "mirror",
    "vase",
    "planter",
    "basket",
    "rack",
    "stand",
];
const ADJECTIVES: &[&str] = &[
    "classic",
    "compact",
    "deluxe",
    "ergonomic",
    "everyday",
    "foldable",
    "heavy",
    "insulated",
    "large",
    "lightweight",
    "minimal",
    "modern",
    "portable",
    "premium",
    "rugged",
    "sleek",
    "slim",
    "small",
    "smart",
    "sturdy",
    "vintage",
    "wireless",
    "handmade",
    "organic",
    "recycled",
    "stainless",
    "bamboo",
    "ceramic",
    "walnut",
    "copper",
];
const MATERIALS: &[&str] = &[
    "oak",
    "steel",
    "glass",
    "leather",
    "cotton",
    "linen",
    "wool",
    "aluminium",
    "cork",
    "marble",
    "stoneware",
    "enamel",
];

const PAGE: &str = "query($filter: ProductFilter, $sort: ProductSort) { \
    products(filter: $filter, sort: $sort, first: 20) { \
      edges { node { id name price { amountMinor currency } } } pageInfo { hasNextPage endCursor } } }";
const WITH_FACETS: &str = "query($filter: ProductFilter) { \
    products(filter: $filter, first: 20) { \
      edges { node { id name price { amountMinor currency } } } totalCount \
      facets { categories { category { name } count } priceBands { minPrice maxPrice count } } } }";

/// The kinds of search, in the order they are sent.
const KINDS: &[&str] = &[
    "one word",
    "prefix",
    "two words",
    "three words",
    "typo",
    "with facets",
    "filtered",
    "by price",
    "broad + facets",
];

/// The request of the `n`th search: its kind and body.
fn search(n: usize) -> (&'static str, Value) {
    let kind = KINDS[n % KINDS.len()];
    // A different word each round, spread over the vocabularies.
    let round = n / KINDS.len();
    let noun = NOUNS[(round * 7) % NOUNS.len()];
    let adjective = ADJECTIVES[(round * 11) % ADJECTIVES.len()];
    let material = MATERIALS[(round * 5) % MATERIALS.len()];
    let page = |filter: Value| json!({ "query": PAGE, "variables": { "filter": filter } });
    let body = match kind {
        "one word" => page(json!({ "search": noun })),
        "prefix" => page(json!({ "search": &noun[..noun.len().min(3)] })),
        "two words" => page(json!({ "search": format!("{adjective} {noun}") })),
        "three words" => page(json!({ "search": format!("{adjective} {material} {noun}") })),
        "typo" => {
            // Two letters swapped in the middle: "ketlte".
            let mut letters: Vec<char> = noun.chars().collect();
            let i = letters.len() / 2;
            letters.swap(i - 1, i);
            page(json!({ "search": letters.into_iter().collect::<String>() }))
        }
        "with facets" => {
            json!({ "query": WITH_FACETS, "variables": { "filter": { "search": noun } } })
        }
        "filtered" => page(json!({ "search": material, "minPrice": 2_500, "maxPrice": 9_999 })),
        "by price" => json!({ "query": PAGE, "variables": {
            "filter": { "search": adjective }, "sort": "PRICE_ASCENDING" } }),
        // A word of every description: ranking and counting the whole catalogue.
        _ => json!({ "query": WITH_FACETS, "variables": { "filter": { "search": "designed" } } }),
    };
    (kind, body)
}

#[derive(Default)]
struct Kind {
    latencies_us: Vec<u32>,
    matches: u64,
    counted: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.connections == 0 {
        bail!("--connections must be at least 1");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let results = runtime.block_on(async {
        let end = Instant::now() + args.duration;
        let workers: Vec<_> = (0..args.connections)
            .map(|w| {
                let url = args.url.clone();
                tokio::spawn(async move { client(&url, w, end).await })
            })
            .collect();
        let mut results = Vec::new();
        for worker in workers {
            results.push(worker.await??);
        }
        anyhow::Ok(results)
    })?;
    let mut kinds: BTreeMap<&str, Kind> = BTreeMap::new();
    for result in results {
        for (kind, k) in result {
            let into = kinds.entry(kind).or_default();
            into.latencies_us.extend(k.latencies_us);
            into.matches += k.matches;
            into.counted += k.counted;
        }
    }
    println!("url: {}  connections: {}", args.url, args.connections);
    println!(
        "{:<16} {:>8} {:>9} {:>9} {:>9} {:>12}",
        "search", "requests", "p50 ms", "p95 ms", "p99 ms", "mean matches"
    );
    let mut all = Vec::new();
    for name in KINDS {
        let Some(kind) = kinds.get_mut(name) else {
            continue;
        };
        kind.latencies_us.sort_unstable();
        all.extend_from_slice(&kind.latencies_us);
        let matches = if kind.counted > 0 {
            format!("{:.0}", kind.matches as f64 / kind.counted as f64)
        } else {
            "-".into()
        };
        print_row(name, &kind.latencies_us, &matches);
    }
    all.sort_unstable();
    print_row("all", &all, "");
    println!(
        "searches/s: {:.1}",
        all.len() as f64 / args.duration.as_secs_f64()
    );
    Ok(())
}

fn print_row(name: &str, sorted: &[u32], matches: &str) {
    println!(
        "{:<16} {:>8} {:>9.1} {:>9.1} {:>9.1} {:>12}",
        name,
        sorted.len(),
        percentile(sorted, 50.0),
        percentile(sorted, 95.0),
        percentile(sorted, 99.0),
        matches
    );
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

/// One client: searches until `end`, each client starting at its own place in the cycle.
async fn client(
    url: &str,
    worker: usize,
    end: Instant,
) -> anyhow::Result<BTreeMap<&'static str, Kind>> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()?;
    let mut kinds: BTreeMap<&'static str, Kind> = BTreeMap::new();
    let mut n = worker * 101;
    while Instant::now() < end {
        let (kind, body) = search(n);
        n += 1;
        let started = Instant::now();
        let response = http.post(url).json(&body).send().await?;
        let status = response.status();
        let answer: Value = response.json().await.context("answer is not JSON")?;
        let elapsed = started.elapsed();
        if !status.is_success() || answer.get("errors").is_some() {
            bail!("{kind} search failed (HTTP {status}): {answer}");
        }
        let entry = kinds.entry(kind).or_default();
        entry
            .latencies_us
            .push(elapsed.as_micros().min(u32::MAX as u128) as u32);
        if let Some(total) = answer["data"]["products"]["totalCount"].as_u64() {
            entry.matches += total;
            entry.counted += 1;
        }
    }
    Ok(kinds)
}
