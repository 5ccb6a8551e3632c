//! A page of the product listing, with what a shop's search page shows beside it: the
//! total and the facets. Both come from one tally of the matches, made only when either
//! is asked for and shared by both.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, SimpleObject};
use mart_service::types::{Connection, Edge, PageInfo};
use tokio::sync::OnceCell;

use super::ApiResultExt;
use super::loaders::CategoryLoader;
use super::types::{Category, Product};
use crate::domain::{Catalog, ListRequest, Page, Tally};
use crate::storage::search::Filter;

pub struct ProductConnection {
    page: Connection<Product>,
    corrected: Option<String>,
    tally: Arc<LazyTally>,
}

/// The tally of a page's filter, made once however many fields need it.
struct LazyTally {
    filter: Arc<Filter>,
    tally: OnceCell<Tally>,
}

impl LazyTally {
    async fn get(&self, ctx: &Context<'_>) -> Result<&Tally> {
        let catalog = ctx.data_unchecked::<Catalog>();
        self.tally
            .get_or_try_init(|| async { catalog.tally(&self.filter).await.gql() })
            .await
    }
}

impl ProductConnection {
    /// Reads the page `request` asks for, and its tally when the query selects the
    /// total or the facets.
    pub async fn list(ctx: &Context<'_>, request: &ListRequest) -> Result<Self> {
        let look = ctx.look_ahead();
        let wanted = ["totalCount", "facets", "countsAreExact"]
            .iter()
            .any(|field| look.field(field).exists());
        let (page, tally) = ctx
            .data_unchecked::<Catalog>()
            .list(request, wanted)
            .await
            .gql()?;
        Ok(Self::new(page, tally))
    }

    fn new(page: Page, tally: Option<Tally>) -> Self {
        Self {
            page: Connection::new(
                page.products.into_iter().map(|(c, p)| (c, Product(p))),
                page.has_next_page,
                page.has_previous_page,
            ),
            corrected: page.corrected,
            tally: Arc::new(LazyTally {
                filter: page.filter,
                tally: OnceCell::new_with(tally),
            }),
        }
    }
}

/// A page of products. Cursors are opaque: pass the last one as `after` for the next
/// page of the listing in the same order.
#[Object]
impl ProductConnection {
    async fn edges(&self) -> &[Edge<Product>] {
        &self.page.edges
    }

    async fn page_info(&self) -> &PageInfo {
        &self.page.page_info
    }

    /// The words searched for instead of `filter.search`, when its own words matched
    /// nothing and the catalogue had close ones ("skillet" for "skilet"); null otherwise.
    async fn corrected_search(&self) -> Option<&str> {
        self.corrected.as_deref()
    }

    /// How many products match, on all pages (an estimate when `countsAreExact` is
    /// false).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.tally.get(ctx).await?.total)
    }

    /// Whether `totalCount` and `facets` counted every match. A search matching more
    /// than 20,000 products is counted on a sample of the catalogue instead: its counts
    /// are estimates rounded to two significant digits ("about 98,000 results"), and a
    /// category with very few of those matches may be missing from the facets.
    async fn counts_are_exact(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.tally.get(ctx).await?.exact)
    }

    /// How the matches spread over categories and price bands.
    async fn facets(&self) -> ProductFacets {
        ProductFacets(self.tally.clone())
    }
}

pub struct ProductFacets(Arc<LazyTally>);

/// Counts of the listing's matches. Each ignores the listing's own filter of its kind:
/// with a category chosen, the other categories still show what they hold.
#[Object]
impl ProductFacets {
    /// Categories with matches, most first; `category` is null for uncategorised products.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<CategoryFacet>> {
        let counts = &self.0.get(ctx).await?.categories;
        let loader = ctx.data_unchecked::<DataLoader<CategoryLoader>>();
        let found = loader
            .load_many(counts.iter().filter_map(|(id, _)| *id))
            .await?;
        Ok(counts
            .iter()
            .map(|&(id, count)| CategoryFacet {
                category: id
                    .and_then(|id| found.get(&id).cloned())
                    .map(Category::from),
                count,
            })
            .collect())
    }

    /// Fixed price bands in minor units, cheapest first, each with its matches (zero
    /// included). A band's bounds can be passed as `minPrice` and `maxPrice` as they are.
    async fn price_bands(&self, ctx: &Context<'_>) -> Result<Vec<PriceBandFacet>> {
        let bands = &self.0.get(ctx).await?.price_bands;
        Ok(bands
            .iter()
            .map(|b| PriceBandFacet {
                min_price: b.min_minor,
                max_price: b.max_minor,
                count: b.count,
            })
            .collect())
    }
}

pub struct CategoryFacet {
    category: Option<Category>,
    count: i64,
}

/// The matches in one category.
#[Object]
impl CategoryFacet {
    async fn category(&self) -> Option<&Category> {
        self.category.as_ref()
    }

    async fn count(&self) -> i64 {
        self.count
    }
}

/// The matches in one price band.
#[derive(SimpleObject)]
pub struct PriceBandFacet {
    /// Lowest price of the band in minor units, inclusive.
    min_price: i64,
    /// Highest price of the band in minor units, inclusive; null for the last band.
    max_price: Option<i64>,
    count: i64,
}
