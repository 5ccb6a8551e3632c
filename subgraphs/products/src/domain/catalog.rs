//! The catalogue's operations. Each change runs in one transaction together with
//! the event it emits; the outbox relay is woken once it has committed.

use std::sync::Arc;

use diesel_async::AsyncConnection;
use mart_events::OutboxSignal;
use mart_service::Database;
use uuid::Uuid;

use super::facets::{self, Tally};
use super::listing::{ListRequest, PageQuery};
use super::product::{NewCategory, NewProduct, ProductPatch, ProductStatus};
use super::search::{After, TextQuery};
use super::{Category, Product, ProductsError, validate};
use crate::emit;
use crate::storage::products::ProductKey;
use crate::storage::rows::ProductChanges;
use crate::storage::search::{self, Filter};
use crate::storage::{Violation, categories, products, violation};

/// One way of naming a product.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductLookup {
    Id(Uuid),
    Sku(String),
    Slug(String),
}

/// One page of the listing.
#[derive(Debug)]
pub struct Page {
    /// Each product with the cursor that continues after it.
    pub products: Vec<(String, Product)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    /// What the page matched, for its total and facets.
    pub filter: Arc<Filter>,
    /// The words searched for instead of the request's, when those matched nothing.
    pub corrected: Option<String>,
}

#[derive(Clone)]
pub struct Catalog {
    db: Database,
    outbox: OutboxSignal,
}

impl Catalog {
    pub fn new(db: Database, outbox: OutboxSignal) -> Self {
        Self { db, outbox }
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub async fn product(&self, lookup: &ProductLookup) -> Result<Option<Product>, ProductsError> {
        let key = match lookup {
            ProductLookup::Id(id) => ProductKey::Id(*id),
            ProductLookup::Sku(sku) => {
                ProductKey::Sku(validate::lookup_key("sku", sku, validate::SKU_MAX)?)
            }
            ProductLookup::Slug(slug) => {
                ProductKey::Slug(validate::lookup_key("slug", slug, validate::SLUG_MAX)?)
            }
        };
        let mut conn = self.db.conn().await?;
        Ok(products::find(&mut conn, key).await?.map(Product::from))
    }

    /// A page of the listing; with `tally`, its total and facets too, counted on a
    /// second connection while the page is read (a broad search's page and tally each
    /// scan most of the catalogue: side by side rather than one after the other).
    pub async fn list(
        &self,
        request: &ListRequest,
        tally: bool,
    ) -> Result<(Page, Option<Tally>), ProductsError> {
        let query = request.validate()?;
        let counting = async {
            match tally {
                true => self.tally(&query.filter).await.map(Some),
                false => Ok(None),
            }
        };
        let (page, counted) = tokio::join!(self.page(query.clone()), counting);
        let page = page?;
        // A corrected search counts the corrected words.
        let counted = match (page.corrected.is_some(), counted?) {
            (true, Some(_)) => Some(self.tally(&page.filter).await?),
            (_, counted) => counted,
        };
        Ok((page, counted))
    }

    async fn page(&self, mut query: PageQuery) -> Result<Page, ProductsError> {
        let mut conn = self.db.conn().await?;
        let mut rows = page_rows(&mut conn, &query).await?;
        // No product has the words: a typo? Search again with each word replaced by
        // the catalogue's closest. Decided on every page, so later pages match like the
        // first. (An empty first page means nothing matched; an empty later one may be
        // the end.)
        let mut corrected = None;
        if rows.is_empty()
            && let Some(text) = &query.filter.text
            && (query.after.is_none() || !search::any_match(&mut conn, &query.filter).await?)
        {
            let words = search::correct(&mut conn, &text.words).await?;
            if words != text.words {
                let text = TextQuery::from_words(words);
                corrected = Some(text.phrase.clone());
                query.filter.text = Some(text);
                rows = page_rows(&mut conn, &query).await?;
            }
        }
        let has_next_page = rows.len() as i64 > query.size;
        rows.truncate(query.size as usize);
        let products = rows
            .into_iter()
            .map(|row| {
                let product = Product::from(row.product);
                let cursor = After::of(query.sort, &product, row.score).encode();
                (cursor, product)
            })
            .collect();
        Ok(Page {
            products,
            has_next_page,
            has_previous_page: query.after.is_some(),
            filter: Arc::new(query.filter),
            corrected,
        })
    }

    /// A listing's total and facets (the filter as its page matched): exact, or
    /// estimated from a sample when the search matches most of a large catalogue
    /// (`domain::facets`).
    pub async fn tally(&self, filter: &Filter) -> Result<Tally, ProductsError> {
        let mut conn = self.db.conn().await?;
        let estimated = search::estimated_tally_matches(&mut conn, filter).await?;
        if let Some(percent) = facets::sample_percent(estimated) {
            let counted = search::tally(&mut conn, filter, Some(percent)).await?;
            if let Some(size) = counted.sample {
                let scale = facets::sample_scale(size, percent);
                let matches = counted.rows.iter().map(|r| r.n).sum();
                if facets::sample_stands(matches, scale) {
                    return Ok(Tally::of(&counted.rows, filter.category_id, Some(scale)));
                }
            }
        }
        let counted = search::tally(&mut conn, filter, None).await?;
        Ok(Tally::of(&counted.rows, filter.category_id, None))
    }

    /// The products with any of `ids` or `skus` (for the data loader).
    pub async fn products_by_keys(
        &self,
        ids: &[Uuid],
        skus: &[String],
    ) -> Result<Vec<Product>, ProductsError> {
        let mut conn = self.db.conn().await?;
        let rows = products::load_by_keys(&mut conn, ids, skus).await?;
        Ok(rows.into_iter().map(Product::from).collect())
    }

    /// The categories among `ids` that exist (for the data loader).
    pub async fn categories_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Category>, ProductsError> {
        let mut conn = self.db.conn().await?;
        let rows = categories::by_ids(&mut conn, ids).await?;
        Ok(rows.into_iter().map(Category::from).collect())
    }

    pub async fn categories(&self) -> Result<Vec<Category>, ProductsError> {
        let mut conn = self.db.conn().await?;
        let rows = categories::all(&mut conn).await?;
        Ok(rows.into_iter().map(Category::from).collect())
    }

    pub async fn category_by_slug(&self, slug: &str) -> Result<Option<Category>, ProductsError> {
        validate::lookup_key("slug", slug, validate::SLUG_MAX)?;
        let mut conn = self.db.conn().await?;
        Ok(categories::by_slug(&mut conn, slug)
            .await?
            .map(Category::from))
    }

    pub async fn create_product(&self, input: &NewProduct) -> Result<Product, ProductsError> {
        let row = input.validate(Uuid::now_v7())?;
        let mut conn = self.db.conn().await?;
        let created = conn
            .transaction::<_, ProductsError, _>(async |c| {
                let created = products::insert(c, &row)
                    .await
                    .map_err(|e| write_error(e, &row.sku, &row.slug, row.category_id))?;
                emit::created(c, &created).await?;
                Ok(created)
            })
            .await?;
        self.outbox.committed();
        Ok(created.into())
    }

    pub async fn update_product(
        &self,
        id: Uuid,
        patch: &ProductPatch,
    ) -> Result<Product, ProductsError> {
        let mut conn = self.db.conn().await?;
        let (updated, emitted) = conn
            .transaction::<_, ProductsError, _>(async |c| {
                let current = products::lock(c, id)
                    .await?
                    .ok_or(ProductsError::NoProduct(id))?;
                let changes = patch.changes_to(&current)?;
                if changes.fields.is_empty() {
                    return Ok((current, false));
                }
                let slug = changes.columns.slug.as_deref().unwrap_or(&current.slug);
                let category = changes.columns.category_id.flatten();
                let updated = products::update(c, id, &changes.columns)
                    .await
                    .map_err(|e| write_error(e, &current.sku, slug, category))?;
                emit::updated(c, &updated, &changes.fields).await?;
                Ok((updated, true))
            })
            .await?;
        if emitted {
            self.outbox.committed();
        }
        Ok(updated.into())
    }

    /// Archiving an archived product changes nothing and emits nothing.
    pub async fn archive_product(&self, id: Uuid) -> Result<Product, ProductsError> {
        let mut conn = self.db.conn().await?;
        let (archived, emitted) = conn
            .transaction::<_, ProductsError, _>(async |c| {
                let current = products::lock(c, id)
                    .await?
                    .ok_or(ProductsError::NoProduct(id))?;
                if ProductStatus::from_column(&current.status) == ProductStatus::Archived {
                    return Ok((current, false));
                }
                let changes = ProductChanges {
                    status: Some(ProductStatus::Archived.as_str().to_string()),
                    ..Default::default()
                };
                let archived = products::update(c, id, &changes).await?;
                emit::archived(c, &archived).await?;
                Ok((archived, true))
            })
            .await?;
        if emitted {
            self.outbox.committed();
        }
        Ok(archived.into())
    }

    pub async fn create_category(&self, input: &NewCategory) -> Result<Category, ProductsError> {
        let row = input.validate(Uuid::now_v7())?;
        let mut conn = self.db.conn().await?;
        categories::insert(&mut conn, &row)
            .await
            .map(Category::from)
            .map_err(|e| match violation(&e) {
                Some(Violation::Unique("categories_slug_key")) => {
                    ProductsError::CategorySlugTaken(row.slug.clone())
                }
                _ => ProductsError::from(e),
            })
    }
}

/// The rows of a page, and one more: it tells whether another page follows.
async fn page_rows(
    conn: &mut diesel_async::AsyncPgConnection,
    query: &PageQuery,
) -> diesel::QueryResult<Vec<search::Scored>> {
    search::page(conn, &query.filter, query.sort, query.after, query.size + 1).await
}

/// Turns the constraint violations the schema raises into what the client did wrong.
fn write_error(
    error: diesel::result::Error,
    sku: &str,
    slug: &str,
    category_id: Option<Uuid>,
) -> ProductsError {
    match violation(&error) {
        Some(Violation::Unique("products_sku_key")) => ProductsError::SkuTaken(sku.to_string()),
        Some(Violation::Unique("products_slug_key")) => ProductsError::SlugTaken(slug.to_string()),
        Some(Violation::ForeignKey("products_category_id_fkey")) => {
            ProductsError::NoCategory(category_id)
        }
        _ => ProductsError::from(error),
    }
}
