//! Business rules of carts, independent of GraphQL: what a cart holds and who may
//! touch it ([`cart`]), what it costs now ([`pricing`]), and the use cases
//! ([`carts`]).

mod address;
pub mod cart;
pub mod carts;
mod codes;
pub mod complete;
pub mod discount;
mod error;
pub mod pricing;
mod rates;
pub mod tax;

pub use cart::{Cart, CartLine, CartStatus};
pub use carts::{CartSettings, Carts, Services};
pub use codes::give_back_use;
pub use complete::{CheckoutRequest, Completion};
pub use discount::{DiscountCode, Off};
pub use error::CheckoutError;
pub use pricing::{PricedCart, PricedLine};
pub use tax::TaxRate;
