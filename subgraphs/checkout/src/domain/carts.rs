//! The cart use cases. Every change locks its cart row first, so two changes to one
//! cart happen one after the other, and pushes the cart's expiry forward.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use mart_events::OutboxSignal;
use mart_events::catalog::AddressPayload;
use mart_service::Database;
use mart_service::payment_token::TokenSeal;
use mart_service::upstream::{ProductsClient, ShippingClient, UsersClient};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::CheckoutError;
use super::cart::{Cart, CartLine, CartStatus, check_quantity};
use super::discount::NotApplicable;
use super::pricing::{Price, PricedCart, price, with_destination, with_discount};
use crate::orders::OrdersClient;
use crate::stock::InventoryClient;
use crate::storage::carts;
use crate::storage::rows::CartRow;

#[derive(Debug, Clone, Copy)]
pub struct CartSettings {
    /// How long an untouched cart lives (`MART_CART_TTL_SECS`, default 30 days).
    pub ttl: Duration,
    /// How often expired carts are deleted. Default 1 minute.
    pub sweep_every: Duration,
}

impl Default for CartSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(30 * 24 * 3600),
            sweep_every: Duration::from_secs(60),
        }
    }
}

#[derive(Clone)]
pub struct Carts {
    pub(super) db: Database,
    pub(super) services: Arc<Services>,
    settings: CartSettings,
}

/// What carts use beyond their database: the subgraphs they ask (products for prices,
/// shipping for rates, inventory for stock, users for a customer's saved address,
/// orders for a checked-out cart's order), the outbox's wake-up and the payment-token
/// seal for checkouts.
pub struct Services {
    pub products: ProductsClient,
    pub shipping: ShippingClient,
    pub inventory: InventoryClient,
    pub users: UsersClient,
    pub orders: OrdersClient,
    pub outbox: OutboxSignal,
    /// Seals the customer's payment token for payments' eyes only.
    pub seal: TokenSeal,
}

impl Carts {
    pub fn new(db: Database, services: Services, settings: CartSettings) -> Self {
        Self {
            db,
            services: Arc::new(services),
            settings,
        }
    }

    /// Units of each of the cart's products that can be ordered now: one call to the
    /// inventory service.
    pub async fn stock(&self, cart: &Cart) -> Result<HashMap<Uuid, i32>, CheckoutError> {
        if cart.lines.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = cart.lines.iter().map(|l| l.product_id).collect();
        Ok(self.services.inventory.available(&ids).await?)
    }

    fn expiry(&self) -> DateTime<Utc> {
        Utc::now() + self.settings.ttl
    }

    /// A new cart for a guest (`caller` `None`); for a customer, their active cart,
    /// made if they have none.
    pub async fn create(&self, caller: Option<Uuid>) -> Result<Cart, CheckoutError> {
        let mut conn = self.db.conn().await?;
        if let Some(user) = caller
            && let Some(cart) = self.customer_cart(&mut conn, user).await?
        {
            return Ok(cart);
        }
        match carts::insert(&mut conn, Uuid::new_v4(), caller, self.expiry()).await {
            Ok(row) => Ok(assemble(row, vec![])),
            // Two first carts of one customer at once: the other insert won.
            Err(e) if caller.is_some() && is_unique_violation(&e) => {
                let user = caller.expect("checked above");
                self.customer_cart(&mut conn, user)
                    .await?
                    .ok_or(CheckoutError::from(e))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The cart `id` if `caller` may see it.
    pub async fn get(&self, id: Uuid, caller: Option<Uuid>) -> Result<Cart, CheckoutError> {
        let mut conn = self.db.conn().await?;
        let row = carts::find(&mut conn, id).await?;
        let cart = match row {
            Some(row) => load(&mut conn, row).await?,
            None => return Err(CheckoutError::NoCart(id)),
        };
        visible(cart, caller)
    }

    /// The cart `id` whoever's and however it is (merged, checked out, expired).
    pub(super) async fn any_cart(&self, id: Uuid) -> Result<Cart, CheckoutError> {
        let mut conn = self.db.conn().await?;
        match carts::find(&mut conn, id).await? {
            Some(row) => load(&mut conn, row).await,
            None => Err(CheckoutError::NoCart(id)),
        }
    }

    /// The customer's active cart, if they have one.
    pub async fn mine(&self, user: Uuid) -> Result<Option<Cart>, CheckoutError> {
        let mut conn = self.db.conn().await?;
        self.customer_cart(&mut conn, user).await
    }

    async fn customer_cart(
        &self,
        conn: &mut AsyncPgConnection,
        user: Uuid,
    ) -> Result<Option<Cart>, CheckoutError> {
        match carts::active_of(conn, user).await? {
            Some(row) if row.expires_at > Utc::now() => Ok(Some(load(conn, row).await?)),
            _ => Ok(None),
        }
    }

    /// Adds `quantity` of a product the shop sells now.
    pub async fn add(
        &self,
        id: Uuid,
        caller: Option<Uuid>,
        product_id: Uuid,
        quantity: i32,
    ) -> Result<Cart, CheckoutError> {
        check_quantity("quantity", quantity, 1)?;
        // The product and the cart's lines priced in one call, before the cart is
        // locked (no call to another service while holding the lock).
        let current = self.get(id, caller).await?;
        let mut ids: Vec<Uuid> = current.lines.iter().map(|l| l.product_id).collect();
        if !ids.contains(&product_id) {
            ids.push(product_id);
        }
        let quotes = self.services.products.quotes(&ids).await?;
        let currency = &quotes
            .get(&product_id)
            .filter(|q| q.active)
            .ok_or_else(|| {
                CheckoutError::bad_input(
                    "productId",
                    format!("no product for sale with id {product_id}"),
                )
            })?
            .currency;
        // A new line must be in the cart's currency.
        if current.quantity_of(product_id) == 0
            && let Some(subtotal) = price(&current.lines, &quotes).subtotal
            && subtotal.currency != *currency
        {
            return Err(CheckoutError::bad_input(
                "productId",
                format!(
                    "the cart is in {}; this product is sold in {currency}",
                    subtotal.currency
                ),
            ));
        }
        self.change(id, caller, Edit::Add(product_id, quantity))
            .await
    }

    /// Sets the quantity of a product in the cart; 0 removes it.
    pub async fn set_quantity(
        &self,
        id: Uuid,
        caller: Option<Uuid>,
        product_id: Uuid,
        quantity: i32,
    ) -> Result<Cart, CheckoutError> {
        check_quantity("quantity", quantity, 0)?;
        self.change(id, caller, Edit::Set(product_id, quantity))
            .await
    }

    /// Removes a product from the cart (removing one that is not there changes nothing).
    pub async fn remove(
        &self,
        id: Uuid,
        caller: Option<Uuid>,
        product_id: Uuid,
    ) -> Result<Cart, CheckoutError> {
        self.change(id, caller, Edit::Set(product_id, 0)).await
    }

    /// At sign-in: the guest's cart joins the customer's. Without an active cart the
    /// customer adopts the guest's as it is; otherwise its lines are added to theirs
    /// and it is seen no more. Merging a cart already merged into theirs answers their
    /// cart again.
    pub async fn merge(&self, guest_cart: Uuid, user: Uuid) -> Result<Cart, CheckoutError> {
        let mut conn = self.db.conn().await?;
        let now = Utc::now();
        let expires_at = self.expiry();
        let target = conn
            .transaction::<_, CheckoutError, _>(async |c| {
                let guest = carts::lock(c, guest_cart)
                    .await?
                    .ok_or(CheckoutError::NoCart(guest_cart))?;
                let mine = carts::active_of(c, user).await?;
                if let Some(mine) = &mine
                    && mine.id == guest.id
                {
                    return Ok(mine.id);
                }
                let guest = load(c, guest).await?;
                if guest.user_id.is_some() || !guest.visible_to(None, now) {
                    return Err(CheckoutError::NoCart(guest_cart));
                }
                let Some(mine) = mine else {
                    carts::adopt(c, guest.id, user).await?;
                    carts::touch(c, guest.id, expires_at).await?;
                    return Ok(guest.id);
                };
                let mine = carts::lock(c, mine.id).await?.expect("found just now");
                let mine = load(c, mine).await?;
                for line in mine.merged_lines(&guest.lines) {
                    if line.quantity != mine.quantity_of(line.product_id) {
                        carts::set_line(c, mine.id, line.product_id, line.quantity).await?;
                    }
                }
                carts::mark_merged(c, guest.id).await?;
                carts::touch(c, mine.id, expires_at).await?;
                Ok(mine.id)
            })
            .await?;
        let row = carts::find(&mut conn, target)
            .await?
            .ok_or(CheckoutError::NoCart(target))?;
        load(&mut conn, row).await
    }

    /// The cart at today's prices: one call to the products service for all its lines;
    /// with an address, its tax (the destination's rates) and shipping (one call to the
    /// shipping service for its weight).
    pub async fn price(&self, cart: &Cart) -> Result<PricedCart, CheckoutError> {
        if cart.lines.is_empty() {
            return Ok(price(&[], &Default::default()));
        }
        let ids: Vec<Uuid> = cart.lines.iter().map(|l| l.product_id).collect();
        let quotes = self.services.products.quotes(&ids).await?;
        let mut priced = price(&cart.lines, &quotes);
        if let Some(code) = &cart.discount_code
            && let Some(code) = self.discount_code(code).await?
        {
            priced = match self.used_by_owner(cart, &code).await? {
                true => PricedCart {
                    discount_problem: Some(NotApplicable::UsedByYou.to_string()),
                    ..priced
                },
                false => with_discount(priced, &code, Utc::now()),
            };
        }
        let (Some(address), Some(subtotal)) = (&cart.shipping_address, &priced.subtotal) else {
            return Ok(priced);
        };
        let rates = self.rates_of(&address.country).await?;
        let shipping = self
            .services
            .shipping
            .quote(&address.country, priced.weight_grams(), &subtotal.currency)
            .await?
            .map(|q| Price {
                amount_minor: q.amount_minor,
                currency: q.currency,
            });
        Ok(with_destination(priced, &rates, shipping))
    }

    /// Makes `edit` to the locked cart `id` (if `caller` may change it), pushes its
    /// expiry forward and answers the cart as changed.
    pub(super) async fn change(
        &self,
        id: Uuid,
        caller: Option<Uuid>,
        edit: Edit,
    ) -> Result<Cart, CheckoutError> {
        let mut conn = self.db.conn().await?;
        let expires_at = self.expiry();
        conn.transaction::<_, CheckoutError, _>(async |c| {
            let row = carts::lock(c, id).await?.ok_or(CheckoutError::NoCart(id))?;
            let cart = visible(load(c, row).await?, caller)?;
            match edit {
                Edit::Add(product, quantity) => {
                    let total = cart.after_adding(product, quantity)?;
                    carts::set_line(c, id, product, total).await?;
                }
                Edit::Set(product, 0) => carts::remove_line(c, id, product).await?,
                Edit::Discount(code) => carts::set_discount_code(c, id, code.as_deref()).await?,
                Edit::Address(address) => {
                    let json = serde_json::to_value(&address).expect("addresses serialize");
                    carts::set_address(c, id, json).await?;
                }
                Edit::Set(product, quantity) => {
                    if cart.quantity_of(product) == 0 {
                        return Err(CheckoutError::bad_input(
                            "productId",
                            "the cart has no line for this product; add it first",
                        ));
                    }
                    carts::set_line(c, id, product, quantity).await?;
                }
            }
            carts::touch(c, id, expires_at).await?;
            let row = carts::find(c, id).await?.ok_or(CheckoutError::NoCart(id))?;
            load(c, row).await
        })
        .await
    }

    /// Deletes expired carts every [`CartSettings::sweep_every`] until `shutdown`.
    pub async fn run_expiry(self, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.settings.sweep_every) => {}
            }
            match self.sweep().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(carts = n, "deleted expired carts"),
                Err(e) => tracing::warn!(error = %e, "deleting expired carts failed; will retry"),
            }
        }
    }

    /// Deletes every cart expired by now, a thousand at a time; returns how many.
    pub async fn sweep(&self) -> Result<usize, CheckoutError> {
        let mut conn = self.db.conn().await?;
        let mut deleted = 0;
        loop {
            let n = carts::delete_expired(&mut conn, Utc::now(), 1_000).await?;
            deleted += n;
            if n < 1_000 {
                return Ok(deleted);
            }
        }
    }
}

/// A change to a cart's lines.
#[derive(Debug, Clone)]
pub(super) enum Edit {
    /// Add this many of the product.
    Add(Uuid, i32),
    /// Hold this many of a product already in the cart; 0 removes it.
    Set(Uuid, i32),
    /// Send it here (validated).
    Address(AddressPayload),
    /// Carry this discount code (checked), or none.
    Discount(Option<String>),
}

fn visible(cart: Cart, caller: Option<Uuid>) -> Result<Cart, CheckoutError> {
    if cart.visible_to(caller, Utc::now()) {
        Ok(cart)
    } else {
        Err(CheckoutError::NoCart(cart.id))
    }
}

pub(super) async fn load(
    conn: &mut AsyncPgConnection,
    row: CartRow,
) -> Result<Cart, CheckoutError> {
    let lines = carts::lines(conn, row.id).await?;
    Ok(assemble(
        row,
        lines
            .into_iter()
            .map(|l| CartLine {
                product_id: l.product_id,
                quantity: l.quantity,
            })
            .collect(),
    ))
}

fn assemble(row: CartRow, lines: Vec<CartLine>) -> Cart {
    Cart {
        id: row.id,
        user_id: row.user_id,
        status: CartStatus::from_column(&row.status),
        lines,
        created_at: row.created_at,
        updated_at: row.updated_at,
        expires_at: row.expires_at,
        // Written by this service from a validated address; unreadable means absent.
        shipping_address: row
            .shipping_address
            .and_then(|json| serde_json::from_value(json).ok()),
        discount_code: row.discount_code,
        checkout: row.order_id.zip(row.checkout_key),
    }
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
