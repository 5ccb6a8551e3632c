//! The GraphQL face of checkout: carts for guests (`createCart` without signing in;
//! the id is the key) and customers (`myCart`, `mergeCart` at sign-in). Resolvers call
//! the domain only.

mod checkout;
mod types;

use async_graphql::{
    Context, EmptySubscription, ID, Object, Result, SDLExportOptions, Schema, SchemaBuilder,
};
use mart_service::identity::{access_token, identity, require_admin, require_user};
use mart_service::types::id_arg;
use mart_service::upstream::UpstreamError;
use mart_service::{ApiError, ApiResultExt, DbError};
use uuid::Uuid;

use crate::domain::{Carts, CheckoutError, CheckoutRequest};
use checkout::CheckoutResult;
use types::{Cart, CartAddressInput, DiscountCode, DiscountCodeInput, TaxRate};

pub type CheckoutSchema = Schema<Query, Mutation, EmptySubscription>;

impl From<CheckoutError> for ApiError {
    fn from(e: CheckoutError) -> Self {
        match e {
            CheckoutError::BadInput { field, message } => ApiError::bad_input(field, message),
            CheckoutError::NoCart(_) => ApiError::NotFound(e.to_string()),
            CheckoutError::CodeTaken(_) | CheckoutError::AlreadyOrdered(_) => {
                ApiError::Conflict(e.to_string())
            }
            CheckoutError::Internal(e) => ApiError::Internal(e),
            CheckoutError::SignInRequired => ApiError::Unauthenticated,
            CheckoutError::Products(UpstreamError::Unavailable { .. }) => {
                ApiError::ServiceUnavailable("prices are unavailable; try again shortly".into())
            }
            CheckoutError::Products(e) => ApiError::Internal(e.to_string()),
            // diesel's NotFound stays NOT_FOUND; other storage errors are internal
            // or SERVICE_UNAVAILABLE.
            CheckoutError::Storage(DbError::Query(e)) => e.into(),
            CheckoutError::Storage(e) => e.into(),
        }
    }
}

/// The signed-in caller, if any.
fn caller(ctx: &Context<'_>) -> Option<Uuid> {
    identity(ctx).user().map(|u| u.id)
}

/// The `cartId` and `productId` arguments of a change to a line.
fn line_ids(cart_id: &ID, product_id: &ID) -> Result<(Uuid, Uuid)> {
    Ok((id_arg("cartId", cart_id)?, id_arg("productId", product_id)?))
}

pub struct Query;

#[Object]
impl Query {
    /// A cart by its id: a guest's to anyone holding the id, a customer's to that
    /// customer only. `NOT_FOUND` for any other, and once it expired.
    async fn cart(&self, ctx: &Context<'_>, id: ID) -> Result<Cart> {
        let id = id_arg("id", &id)?;
        let carts = ctx.data_unchecked::<Carts>();
        Ok(Cart::new(carts.get(id, caller(ctx)).await.gql()?))
    }

    /// The signed-in customer's cart; null when they have none.
    async fn my_cart(&self, ctx: &Context<'_>) -> Result<Option<Cart>> {
        let user = require_user(ctx).gql()?;
        let carts = ctx.data_unchecked::<Carts>();
        Ok(carts.mine(user.id).await.gql()?.map(Cart::new))
    }

    /// Staff only: every discount code, newest first.
    #[graphql(requires_scopes = "admin")]
    async fn discount_codes(&self, ctx: &Context<'_>) -> Result<Vec<DiscountCode>> {
        require_admin(ctx).gql()?;
        let carts = ctx.data_unchecked::<Carts>();
        let codes = carts.codes().await.gql()?;
        Ok(codes.into_iter().map(DiscountCode).collect())
    }

    /// Staff only: every tax rate, by country (the country's own rate first).
    #[graphql(requires_scopes = "admin")]
    async fn tax_rates(&self, ctx: &Context<'_>) -> Result<Vec<TaxRate>> {
        require_admin(ctx).gql()?;
        let carts = ctx.data_unchecked::<Carts>();
        let rates = carts.tax_rates().await.gql()?;
        Ok(rates.into_iter().map(TaxRate::from).collect())
    }
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// A new cart. Without signing in: a guest's cart, whose id is the only key to it
    /// (keep it like a password). Signed in: the customer's cart (the one they have,
    /// if any: a customer has one).
    async fn create_cart(&self, ctx: &Context<'_>) -> Result<Cart> {
        let carts = ctx.data_unchecked::<Carts>();
        Ok(Cart::new(carts.create(caller(ctx)).await.gql()?))
    }

    /// Adds `quantity` (1 to 100; at most 100 of a product in all, 50 products a
    /// cart) of a product for sale.
    async fn add_to_cart(
        &self,
        ctx: &Context<'_>,
        cart_id: ID,
        product_id: ID,
        quantity: i32,
    ) -> Result<Cart> {
        let (cart_id, product_id) = line_ids(&cart_id, &product_id)?;
        let carts = ctx.data_unchecked::<Carts>();
        let cart = carts
            .add(cart_id, caller(ctx), product_id, quantity)
            .await
            .gql()?;
        Ok(Cart::new(cart))
    }

    /// Sets how many of a product already in the cart it holds (0 to 100; 0 removes it).
    async fn set_cart_quantity(
        &self,
        ctx: &Context<'_>,
        cart_id: ID,
        product_id: ID,
        quantity: i32,
    ) -> Result<Cart> {
        let (cart_id, product_id) = line_ids(&cart_id, &product_id)?;
        let carts = ctx.data_unchecked::<Carts>();
        let cart = carts
            .set_quantity(cart_id, caller(ctx), product_id, quantity)
            .await
            .gql()?;
        Ok(Cart::new(cart))
    }

    /// Removes a product from the cart; removing one it does not hold changes nothing.
    async fn remove_from_cart(
        &self,
        ctx: &Context<'_>,
        cart_id: ID,
        product_id: ID,
    ) -> Result<Cart> {
        let (cart_id, product_id) = line_ids(&cart_id, &product_id)?;
        let carts = ctx.data_unchecked::<Carts>();
        let cart = carts.remove(cart_id, caller(ctx), product_id).await.gql()?;
        Ok(Cart::new(cart))
    }

    /// Where the cart goes: a postal `address`, or (signed in) one of the customer's
    /// saved addresses by `savedAddressId` (copied as it is now); exactly one. Its
    /// shipping cost and tax follow from it.
    async fn set_cart_address(
        &self,
        ctx: &Context<'_>,
        cart_id: ID,
        address: Option<CartAddressInput>,
        saved_address_id: Option<ID>,
    ) -> Result<Cart> {
        let cart_id = id_arg("cartId", &cart_id)?;
        let carts = ctx.data_unchecked::<Carts>();
        let cart = match (address, saved_address_id) {
            (Some(address), None) => {
                carts
                    .set_address(cart_id, caller(ctx), &address.into())
                    .await
            }
            (None, Some(saved)) => {
                let user = require_user(ctx).gql()?;
                let saved = id_arg("savedAddressId", &saved)?;
                let token = access_token(ctx).ok_or(ApiError::Unauthenticated).gql()?;
                carts
                    .set_saved_address(cart_id, user.id, token, saved)
                    .await
            }
            _ => {
                return Err(ApiError::bad_input(
                    "address",
                    "give exactly one of address and savedAddressId",
                ))
                .gql();
            }
        };
        Ok(Cart::new(cart.gql()?))
    }

    /// Puts a discount code on the cart, if it applies to it now (otherwise
    /// `BAD_USER_INPUT` on `code` says why). It is checked again whenever the cart is
    /// priced; a use is taken only at checkout.
    async fn apply_discount_code(
        &self,
        ctx: &Context<'_>,
        cart_id: ID,
        code: String,
    ) -> Result<Cart> {
        let cart_id = id_arg("cartId", &cart_id)?;
        let carts = ctx.data_unchecked::<Carts>();
        Ok(Cart::new(
            carts.apply_code(cart_id, caller(ctx), &code).await.gql()?,
        ))
    }

    /// Takes the discount code off the cart.
    async fn remove_discount_code(&self, ctx: &Context<'_>, cart_id: ID) -> Result<Cart> {
        let cart_id = id_arg("cartId", &cart_id)?;
        let carts = ctx.data_unchecked::<Carts>();
        Ok(Cart::new(
            carts.remove_code(cart_id, caller(ctx)).await.gql()?,
        ))
    }

    /// Staff only: a new discount code. `CONFLICT` when the code exists.
    #[graphql(requires_scopes = "admin")]
    async fn create_discount_code(
        &self,
        ctx: &Context<'_>,
        input: DiscountCodeInput,
    ) -> Result<DiscountCode> {
        require_admin(ctx).gql()?;
        let code = input.into_domain().gql()?;
        let carts = ctx.data_unchecked::<Carts>();
        Ok(DiscountCode(carts.create_code(&code).await.gql()?))
    }

    /// Staff only: the tax rate of a destination country in basis points (2100 =
    /// 21 %, 0 to 10000), for one product category or, without `categoryId`, for every
    /// category without its own. Replaces the rate it had.
    #[graphql(requires_scopes = "admin")]
    async fn set_tax_rate(
        &self,
        ctx: &Context<'_>,
        country: String,
        category_id: Option<ID>,
        basis_points: i32,
    ) -> Result<TaxRate> {
        require_admin(ctx).gql()?;
        let category_id = category_id
            .map(|id| id_arg("categoryId", &id))
            .transpose()?;
        let carts = ctx.data_unchecked::<Carts>();
        let rate = crate::domain::TaxRate {
            country,
            category_id,
            basis_points,
        };
        Ok(carts.set_tax_rate(&rate).await.gql()?.into())
    }

    /// Staff only: removes a rate (a category's: the country's own applies again; the
    /// country's: no tax). Whether there was one.
    #[graphql(requires_scopes = "admin")]
    async fn remove_tax_rate(
        &self,
        ctx: &Context<'_>,
        country: String,
        category_id: Option<ID>,
    ) -> Result<bool> {
        require_admin(ctx).gql()?;
        let category_id = category_id
            .map(|id| id_arg("categoryId", &id))
            .transpose()?;
        let carts = ctx.data_unchecked::<Carts>();
        carts.remove_tax_rate(&country, category_id).await.gql()
    }

    /// Places the signed-in customer's cart as an order. The cart is priced again now:
    /// if its total is not `expectedTotal` (minor units, the total the customer was
    /// shown), nothing is placed and the outcome is `PRICE_CHANGED` with the new
    /// figures. Otherwise the discount code's use is taken (a code with no use left is
    /// a price change too), the cart becomes ORDERED and the order goes through the
    /// same saga as `placeOrder`, with the cart's discount and tax recorded on it. The
    /// same `idempotencyKey` again answers the same order; the cart checked out under
    /// another key is a `CONFLICT`.
    async fn checkout_complete(
        &self,
        ctx: &Context<'_>,
        cart_id: ID,
        payment_token: String,
        idempotency_key: String,
        expected_total: i64,
    ) -> Result<CheckoutResult> {
        let user = require_user(ctx).gql()?;
        let cart_id = id_arg("cartId", &cart_id)?;
        let carts = ctx.data_unchecked::<Carts>();
        let request = CheckoutRequest {
            payment_token,
            idempotency_key,
            expected_total_minor: expected_total,
        };
        let done = carts
            .complete(cart_id, user.id, access_token(ctx), &request)
            .await
            .gql()?;
        Ok(CheckoutResult(done))
    }

    /// After signing in: the guest cart `guestCartId` joins the customer's cart (their
    /// quantities of one product add up, to 100 at most) and is gone; without a cart of
    /// their own the customer keeps the guest's. Answers the customer's cart.
    async fn merge_cart(&self, ctx: &Context<'_>, guest_cart_id: ID) -> Result<Cart> {
        let user = require_user(ctx).gql()?;
        let guest = id_arg("guestCartId", &guest_cart_id)?;
        let carts = ctx.data_unchecked::<Carts>();
        Ok(Cart::new(carts.merge(guest, user.id).await.gql()?))
    }
}

pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    mart_service::graphql::harden(
        Schema::build(Query, Mutation, EmptySubscription).enable_federation(),
        12,
    )
}

pub fn schema(carts: Carts) -> CheckoutSchema {
    builder().data(carts).finish()
}

pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}
