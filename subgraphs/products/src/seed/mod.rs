//! Loads the demo catalogue. Ids are derived from the sku (and the category
//! slug), rows are inserted only when missing: seeding twice changes nothing.

mod catalogue;

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mart_service::{Database, DbError, ServiceConfig, StartError};
use uuid::Uuid;

use crate::emit;
use crate::storage::rows::{NewCategoryRow, NewProductRow, ProductRow};
use crate::storage::schema::{categories, products};

/// The v5 namespace of seeded ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x6d61_7274_2d70_726f_6475_6374_732d_7631);

pub fn category_id(slug: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("category:{slug}").as_bytes())
}

pub fn product_id(sku: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("product:{sku}").as_bytes())
}

/// Opens (and migrates) the products database and inserts what is missing of the
/// demo catalogue, emitting `product.created` for each new product (the relay
/// publishes them when the service runs). Returns the ids of the catalogue's
/// products, in catalogue order.
pub async fn seed(config: &ServiceConfig) -> Result<Vec<Uuid>, StartError> {
    let db = Database::open(
        config,
        crate::SERVICE,
        &[&mart_events::MIGRATIONS, &crate::MIGRATIONS],
    )
    .await?;
    let mut conn = db.conn().await.map_err(StartError::from)?;
    let ids = conn
        .transaction::<_, DbError, _>(async |c| Ok(seed_in(c).await?))
        .await?;
    tracing::info!(products = ids.len(), "catalogue seeded");
    Ok(ids)
}

async fn seed_in(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Uuid>> {
    let new_categories: Vec<NewCategoryRow> = catalogue::CATEGORIES
        .iter()
        .map(|c| NewCategoryRow {
            id: category_id(c.slug),
            name: c.name.to_string(),
            slug: c.slug.to_string(),
            description: c.description.to_string(),
        })
        .collect();
    diesel::insert_into(categories::table)
        .values(&new_categories)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    // A category made by hand with a seed slug keeps its own id.
    let slugs: Vec<&str> = catalogue::CATEGORIES.iter().map(|c| c.slug).collect();
    let category_ids: HashMap<String, Uuid> = categories::table
        .filter(categories::slug.eq_any(&slugs))
        .select((categories::slug, categories::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();

    for product in catalogue::PRODUCTS {
        let row = NewProductRow {
            id: product_id(product.sku),
            sku: product.sku.to_string(),
            slug: crate::domain::validate::slug_from_name(product.name),
            name: product.name.to_string(),
            description: product.description.to_string(),
            price_amount_minor: product.price_cents,
            price_currency: catalogue::CURRENCY.to_string(),
            weight_grams: product.weight_grams,
            length_mm: product.dimensions.map(|d| d.0),
            width_mm: product.dimensions.map(|d| d.1),
            height_mm: product.dimensions.map(|d| d.2),
            category_id: category_ids.get(product.category).copied(),
        };
        let inserted: Option<ProductRow> = diesel::insert_into(products::table)
            .values(&row)
            .on_conflict_do_nothing()
            .returning(ProductRow::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        if let Some(inserted) = inserted {
            emit::created(conn, &inserted).await?;
        }
    }

    let skus: Vec<&str> = catalogue::PRODUCTS.iter().map(|p| p.sku).collect();
    let by_sku: HashMap<String, Uuid> = products::table
        .filter(products::sku.eq_any(&skus))
        .select((products::sku, products::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(skus
        .iter()
        .filter_map(|sku| by_sku.get(*sku).copied())
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::catalogue::{CATEGORIES, PRODUCTS};
    use crate::domain::{DimensionsInput, MoneyInput, NewProduct};

    #[test]
    fn the_catalogue_is_large_unique_and_valid() {
        assert!(PRODUCTS.len() >= 50);
        assert!(CATEGORIES.len() >= 5);
        let skus: HashSet<_> = PRODUCTS.iter().map(|p| p.sku).collect();
        assert_eq!(skus.len(), PRODUCTS.len(), "duplicate sku");
        let slugs: HashSet<_> = PRODUCTS
            .iter()
            .map(|p| crate::domain::validate::slug_from_name(p.name))
            .collect();
        assert_eq!(slugs.len(), PRODUCTS.len(), "duplicate slug");
        for p in PRODUCTS {
            assert!(CATEGORIES.iter().any(|c| c.slug == p.category), "{}", p.sku);
            let input = NewProduct {
                sku: p.sku.into(),
                slug: None,
                name: p.name.into(),
                description: Some(p.description.into()),
                price: MoneyInput {
                    amount_minor: p.price_cents,
                    currency: super::catalogue::CURRENCY.into(),
                },
                weight_grams: p.weight_grams,
                dimensions: p.dimensions.map(|(l, w, h)| DimensionsInput {
                    length_mm: l,
                    width_mm: w,
                    height_mm: h,
                }),
                category_id: None,
            };
            input.validate(super::product_id(p.sku)).unwrap();
        }
    }
}
