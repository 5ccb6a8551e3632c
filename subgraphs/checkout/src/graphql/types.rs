//! Output types: a cart, priced once per request however many of its fields ask.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use mart_events::catalog::AddressPayload;
use mart_service::ApiResultExt;
use mart_service::types::Money;
use tokio::sync::OnceCell;

use crate::domain::{self, Carts, PricedCart};

/// A product, resolved by the products subgraph.
#[derive(SimpleObject)]
#[graphql(unresolvable = "id")]
pub struct Product {
    pub id: ID,
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::CartStatus")]
pub enum CartStatus {
    /// Being filled.
    Active,
    /// Adopted into a customer's cart at sign-in.
    Merged,
    /// Checked out: an order was made from it.
    Ordered,
}

pub struct Cart {
    cart: domain::Cart,
    priced: OnceCell<PricedCart>,
}

impl Cart {
    pub fn new(cart: domain::Cart) -> Self {
        Self {
            cart,
            priced: OnceCell::new(),
        }
    }

    /// The cart at today's prices: one call to the products service, made when a
    /// field needs a price.
    async fn priced(&self, ctx: &Context<'_>) -> Result<&PricedCart> {
        let carts = ctx.data_unchecked::<Carts>();
        self.priced
            .get_or_try_init(|| async { carts.price(&self.cart).await.gql() })
            .await
    }
}

fn money(price: &domain::pricing::Price) -> Money {
    Money::new(price.amount_minor, price.currency.clone())
}

/// What a guest or customer is about to buy, at today's prices.
#[Object]
impl Cart {
    async fn status(&self) -> CartStatus {
        self.cart.status.into()
    }

    /// For a guest's cart, the only key to it.
    async fn id(&self) -> ID {
        ID(self.cart.id.to_string())
    }

    /// Oldest first.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<CartLine>> {
        // Stock only when a line's `inStock` is asked for: one call to inventory.
        let stock = if ctx.look_ahead().field("inStock").exists() {
            let carts = ctx.data_unchecked::<Carts>();
            Some(carts.stock(&self.cart).await.gql()?)
        } else {
            None
        };
        Ok(self
            .priced(ctx)
            .await?
            .lines
            .iter()
            .map(|line| CartLine {
                available: stock
                    .as_ref()
                    .map(|s| s.get(&line.product_id).copied().unwrap_or(0)),
                line: line.clone(),
            })
            .collect())
    }

    /// Items that can be bought now (lines of products no longer sold do not count).
    async fn item_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(self.priced(ctx).await?.item_count)
    }

    /// The sum of the lines at today's prices; null for a cart with nothing to buy.
    async fn subtotal(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        Ok(self.priced(ctx).await?.subtotal.as_ref().map(money))
    }

    /// The discount code on the cart, as typed in upper case.
    async fn discount_code(&self) -> Option<&str> {
        self.cart.discount_code.as_deref()
    }

    /// What the discount code takes off the subtotal; null without one, or when it does
    /// not apply now (`discountProblem` says why).
    async fn discount(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        Ok(self.priced(ctx).await?.discount.as_ref().map(money))
    }

    /// Why the cart's discount code does not apply now (expired, used up, below its
    /// minimum subtotal…); null when it applies or there is none.
    async fn discount_problem(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.priced(ctx).await?.discount_problem.clone())
    }

    /// Tax on the lines at the destination's rates (prices are tax-exclusive); null until
    /// the cart has an address.
    async fn tax(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        Ok(self.priced(ctx).await?.tax.as_ref().map(money))
    }

    /// Shipping to the cart's address for what it weighs; null until the cart has an
    /// address, or when nothing ships there.
    async fn shipping(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        Ok(self.priced(ctx).await?.shipping.as_ref().map(money))
    }

    /// Subtotal less discount, plus tax and shipping as far as they are known; null
    /// for a cart with nothing to buy.
    async fn total(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        Ok(self.priced(ctx).await?.total.as_ref().map(money))
    }

    /// Where it goes; null until given (`setCartAddress`).
    async fn shipping_address(&self) -> Option<CartAddress> {
        self.cart.shipping_address.clone().map(CartAddress::from)
    }

    /// Whether a customer keeps it (false: a guest's).
    async fn has_owner(&self) -> bool {
        self.cart.user_id.is_some()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.cart.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.cart.updated_at
    }

    /// When it expires unless changed before (each change moves it forward).
    async fn expires_at(&self) -> DateTime<Utc> {
        self.cart.expires_at
    }
}

pub struct CartLine {
    line: domain::PricedLine,
    /// Units of the product that can be ordered now, when asked for.
    available: Option<i32>,
}

/// One product in a cart.
#[Object]
impl CartLine {
    async fn product(&self) -> Product {
        Product {
            id: ID(self.line.product_id.to_string()),
        }
    }

    async fn quantity(&self) -> i32 {
        self.line.quantity
    }

    /// Today's price; null when the product is no longer sold (remove the line).
    async fn unit_price(&self) -> Option<Money> {
        self.line.unit_price.as_ref().map(money)
    }

    /// Unit price × quantity; null when the product is no longer sold.
    async fn line_total(&self) -> Option<Money> {
        self.line.total().as_ref().map(money)
    }

    /// The line's share of the cart's discount (in proportion to its total).
    async fn discount(&self) -> Option<Money> {
        let currency = self.line.unit_price.as_ref()?.currency.clone();
        Some(Money::new(self.line.discount_minor, currency))
    }

    /// The line's tax (rounded on its own, half away from zero); null until the cart has
    /// an address, and for a product no longer sold.
    async fn tax(&self) -> Option<Money> {
        let currency = self.line.unit_price.as_ref()?.currency.clone();
        self.line.tax_minor.map(|t| Money::new(t, currency))
    }

    /// Whether the stock covers the line now (inventory's units that can be ordered,
    /// over every warehouse, against its quantity). Stock is held only when the order
    /// is placed.
    async fn in_stock(&self) -> bool {
        self.available.is_some_and(|a| a >= self.line.quantity)
    }

    /// Whether the product can still be bought.
    async fn available(&self) -> bool {
        self.line.unit_price.is_some()
    }
}

/// Where a cart goes.
#[derive(SimpleObject)]
pub struct CartAddress {
    /// Who the parcel is for.
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
}

impl From<AddressPayload> for CartAddress {
    fn from(a: AddressPayload) -> Self {
        Self {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

/// A postal address, as orders takes it.
#[derive(InputObject)]
pub struct CartAddressInput {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
}

impl From<CartAddressInput> for AddressPayload {
    fn from(a: CartAddressInput) -> Self {
        Self {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

/// A tax rate staff keep.
#[derive(SimpleObject)]
pub struct TaxRate {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The category it is for; null: the country's rate for every other product.
    pub category_id: Option<ID>,
    /// 2100 = 21 %.
    pub basis_points: i32,
}

impl From<domain::TaxRate> for TaxRate {
    fn from(r: domain::TaxRate) -> Self {
        Self {
            country: r.country,
            category_id: r.category_id.map(|id| ID(id.to_string())),
            basis_points: r.basis_points,
        }
    }
}

/// A discount code, as staff see it.
pub struct DiscountCode(pub domain::DiscountCode);

#[Object]
impl DiscountCode {
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Basis points off the subtotal (1500 = 15 %); null for an amount off.
    async fn percent_off(&self) -> Option<i32> {
        match self.0.off {
            domain::Off::Percent(bp) => Some(bp),
            domain::Off::Amount { .. } => None,
        }
    }

    /// An amount off the subtotal; null for a percentage.
    async fn amount_off(&self) -> Option<Money> {
        match &self.0.off {
            domain::Off::Amount { minor, currency } => Some(Money::new(*minor, currency.clone())),
            domain::Off::Percent(_) => None,
        }
    }

    /// The least subtotal it applies to, in minor units.
    async fn min_subtotal(&self) -> i64 {
        self.0.min_subtotal_minor
    }

    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }

    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }

    async fn max_uses(&self) -> Option<i32> {
        self.0.max_uses
    }

    async fn max_uses_per_customer(&self) -> Option<i32> {
        self.0.max_uses_per_customer
    }

    /// Uses taken at checkout so far.
    async fn uses(&self) -> i32 {
        self.0.uses
    }
}

/// A new discount code: exactly one of `percentOff` and `amountOff`.
#[derive(InputObject)]
pub struct DiscountCodeInput {
    /// 3 to 32 letters, digits, `-` or `_`; stored upper-cased (shoppers type any case).
    pub code: String,
    /// Basis points off the subtotal, 1 to 10000 (1500 = 15 %).
    pub percent_off: Option<i32>,
    /// An amount off the subtotal (at most the subtotal is taken).
    pub amount_off: Option<MoneyInput>,
    /// The least subtotal it applies to, in minor units (default 0).
    pub min_subtotal: Option<i64>,
    /// Default: now.
    pub starts_at: Option<DateTime<Utc>>,
    /// Default: never ends.
    pub ends_at: Option<DateTime<Utc>>,
    /// Uses in all; default unlimited.
    pub max_uses: Option<i32>,
    /// Uses per customer; default unlimited.
    pub max_uses_per_customer: Option<i32>,
}

/// An amount in minor units of an ISO 4217 currency.
#[derive(InputObject)]
#[graphql(name = "DiscountAmountInput")]
pub struct MoneyInput {
    pub amount_minor: i64,
    pub currency: String,
}

impl DiscountCodeInput {
    pub fn into_domain(self) -> std::result::Result<domain::DiscountCode, mart_service::ApiError> {
        let off = match (self.percent_off, self.amount_off) {
            (Some(bp), None) => domain::Off::Percent(bp),
            (None, Some(m)) => domain::Off::Amount {
                minor: m.amount_minor,
                currency: m.currency,
            },
            _ => {
                return Err(mart_service::ApiError::bad_input(
                    "percentOff",
                    "give exactly one of percentOff and amountOff",
                ));
            }
        };
        Ok(domain::DiscountCode {
            code: self.code,
            off,
            min_subtotal_minor: self.min_subtotal.unwrap_or(0),
            starts_at: self.starts_at.unwrap_or_else(Utc::now),
            ends_at: self.ends_at,
            max_uses: self.max_uses,
            max_uses_per_customer: self.max_uses_per_customer,
            uses: 0,
        })
    }
}
