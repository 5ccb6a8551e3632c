//! How a committed notification reaches people: published on the user's Redis
//! channel (`publisher`, over the connections in `channels`), received by the
//! instance's one Redis subscription (`hub`) and streamed to the user's open
//! subscriptions (`live`), and handed to the senders beyond the app (`sender`:
//! email, SMS, push).

pub(crate) mod channels;

pub use channels::client as redis_client;
pub(crate) mod hub;
pub(crate) mod live;
pub(crate) mod publisher;
pub mod sender;
