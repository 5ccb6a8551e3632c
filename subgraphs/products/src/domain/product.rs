//! What a client may ask to create or change, and the rules that turn it into rows.

use uuid::Uuid;

use super::{ProductsError, validate};
use crate::storage::rows::{NewCategoryRow, NewProductRow, ProductChanges, ProductRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductStatus {
    Active,
    Archived,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Archived => "ARCHIVED",
        }
    }

    /// Statuses come from our own column, whose CHECK allows only these two.
    pub fn from_column(value: &str) -> Self {
        if value == Self::Archived.as_str() {
            Self::Archived
        } else {
            Self::Active
        }
    }
}

#[derive(Debug, Clone)]
pub struct MoneyInput {
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy)]
pub struct DimensionsInput {
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
}

/// A change to an optional field: leave it, clear it, or set it.
#[derive(Debug, Clone, Default)]
pub enum FieldUpdate<T> {
    #[default]
    Unchanged,
    Clear,
    Set(T),
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub sku: String,
    /// Derived from the name when absent.
    pub slug: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub price: MoneyInput,
    pub weight_grams: i32,
    pub dimensions: Option<DimensionsInput>,
    pub category_id: Option<Uuid>,
}

impl NewProduct {
    pub fn validate(&self, id: Uuid) -> Result<NewProductRow, ProductsError> {
        let name = validate::text("name", &self.name, validate::NAME_MAX)?;
        let dimensions = self
            .dimensions
            .as_ref()
            .map(validate_dimensions)
            .transpose()?;
        let (price_amount_minor, price_currency) = validate_price(&self.price)?;
        Ok(NewProductRow {
            id,
            sku: validate::sku("sku", &self.sku)?,
            slug: validate::slug_or_derived(self.slug.as_deref(), &name)?,
            name,
            description: validate::optional_text(
                "description",
                self.description.as_deref().unwrap_or(""),
                validate::DESCRIPTION_MAX,
            )?,
            price_amount_minor,
            price_currency,
            weight_grams: validate::weight_grams("weightGrams", self.weight_grams)?,
            length_mm: dimensions.map(|d| d.length_mm),
            width_mm: dimensions.map(|d| d.width_mm),
            height_mm: dimensions.map(|d| d.height_mm),
            category_id: self.category_id,
        })
    }
}

/// Fields to change; the sku is an entity key other services hold, so it never
/// changes.
#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<MoneyInput>,
    pub weight_grams: Option<i32>,
    pub dimensions: FieldUpdate<DimensionsInput>,
    pub category_id: FieldUpdate<Uuid>,
}

/// The columns to write and the (camelCase) names of the fields that really change.
pub struct Changes {
    pub columns: ProductChanges,
    pub fields: Vec<&'static str>,
}

impl ProductPatch {
    pub fn is_empty(&self) -> bool {
        self.slug.is_none()
            && self.name.is_none()
            && self.description.is_none()
            && self.price.is_none()
            && self.weight_grams.is_none()
            && matches!(self.dimensions, FieldUpdate::Unchanged)
            && matches!(self.category_id, FieldUpdate::Unchanged)
    }

    /// Validates the patch and compares it with `current`: fields given with
    /// their current value are not changes.
    pub fn changes_to(&self, current: &ProductRow) -> Result<Changes, ProductsError> {
        if self.is_empty() {
            return Err(ProductsError::bad_input(
                "input",
                "give at least one field to change",
            ));
        }
        let mut columns = ProductChanges::default();
        let mut fields = Vec::new();
        if let Some(name) = &self.name {
            let name = validate::text("name", name, validate::NAME_MAX)?;
            if name != current.name {
                columns.name = Some(name);
                fields.push("name");
            }
        }
        if let Some(slug) = &self.slug {
            let slug = validate::slug("slug", slug)?;
            if slug != current.slug {
                columns.slug = Some(slug);
                fields.push("slug");
            }
        }
        if let Some(description) = &self.description {
            let description =
                validate::optional_text("description", description, validate::DESCRIPTION_MAX)?;
            if description != current.description {
                columns.description = Some(description);
                fields.push("description");
            }
        }
        if let Some(price) = &self.price {
            let (amount, currency) = validate_price(price)?;
            if amount != current.price_amount_minor || currency != current.price_currency {
                columns.price_amount_minor = Some(amount);
                columns.price_currency = Some(currency);
                fields.push("price");
            }
        }
        if let Some(weight) = self.weight_grams {
            let weight = validate::weight_grams("weightGrams", weight)?;
            if weight != current.weight_grams {
                columns.weight_grams = Some(weight);
                fields.push("weightGrams");
            }
        }
        let dimensions = match &self.dimensions {
            FieldUpdate::Unchanged => None,
            FieldUpdate::Clear => Some(None),
            FieldUpdate::Set(d) => Some(Some(validate_dimensions(d)?)),
        };
        if let Some(dimensions) = dimensions {
            let new = dimensions.map(|d| (d.length_mm, d.width_mm, d.height_mm));
            let old = current
                .length_mm
                .zip(current.width_mm)
                .zip(current.height_mm)
                .map(|((l, w), h)| (l, w, h));
            if new != old {
                columns.length_mm = Some(new.map(|d| d.0));
                columns.width_mm = Some(new.map(|d| d.1));
                columns.height_mm = Some(new.map(|d| d.2));
                fields.push("dimensions");
            }
        }
        let category_id = match self.category_id {
            FieldUpdate::Unchanged => None,
            FieldUpdate::Clear => Some(None),
            FieldUpdate::Set(id) => Some(Some(id)),
        };
        if let Some(category_id) = category_id
            && category_id != current.category_id
        {
            columns.category_id = Some(category_id);
            fields.push("categoryId");
        }
        Ok(Changes { columns, fields })
    }
}

fn validate_price(price: &MoneyInput) -> Result<(i64, String), ProductsError> {
    let amount = validate::amount_minor("price.amountMinor", price.amount_minor)?;
    let currency = validate::currency("price.currency", &price.currency)?;
    Ok((amount, currency.as_str().to_string()))
}

fn validate_dimensions(d: &DimensionsInput) -> Result<DimensionsInput, ProductsError> {
    Ok(DimensionsInput {
        length_mm: validate::dimension_mm("dimensions.lengthMm", d.length_mm)?,
        width_mm: validate::dimension_mm("dimensions.widthMm", d.width_mm)?,
        height_mm: validate::dimension_mm("dimensions.heightMm", d.height_mm)?,
    })
}

#[derive(Debug, Clone)]
pub struct NewCategory {
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
}

/// A category name: a navigation label, short by nature.
pub const CATEGORY_NAME_MAX: usize = 100;
/// A category description: a paragraph or two of free text.
pub const CATEGORY_DESCRIPTION_MAX: usize = 2_000;

impl NewCategory {
    pub fn validate(&self, id: Uuid) -> Result<NewCategoryRow, ProductsError> {
        let name = validate::text("name", &self.name, CATEGORY_NAME_MAX)?;
        Ok(NewCategoryRow {
            id,
            slug: validate::slug_or_derived(self.slug.as_deref(), &name)?,
            name,
            description: validate::optional_text(
                "description",
                self.description.as_deref().unwrap_or(""),
                CATEGORY_DESCRIPTION_MAX,
            )?,
        })
    }
}
