//! Products and categories as the use cases hand them out.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ProductStatus;
use crate::storage::rows::{CategoryRow, ProductRow};

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: Uuid,
    /// Stock-keeping unit: unique, never changes.
    pub sku: String,
    /// Unique, URL-safe name.
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price: Price,
    pub weight_grams: i32,
    /// Unknown for products nobody measured.
    pub dimensions: Option<Dimensions>,
    pub category_id: Option<Uuid>,
    pub status: ProductStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A price in minor units (cents) of `currency` (ISO 4217).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimensions {
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
}

impl From<ProductRow> for Product {
    fn from(row: ProductRow) -> Self {
        let dimensions = row.length_mm.zip(row.width_mm).zip(row.height_mm).map(
            |((length_mm, width_mm), height_mm)| Dimensions {
                length_mm,
                width_mm,
                height_mm,
            },
        );
        Self {
            id: row.id,
            sku: row.sku,
            slug: row.slug,
            name: row.name,
            description: row.description,
            price: Price {
                amount_minor: row.price_amount_minor,
                currency: row.price_currency,
            },
            weight_grams: row.weight_grams,
            dimensions,
            category_id: row.category_id,
            status: ProductStatus::from_column(&row.status),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: Uuid,
    pub name: String,
    /// Unique, URL-safe name.
    pub slug: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CategoryRow> for Category {
    fn from(row: CategoryRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            slug: row.slug,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
