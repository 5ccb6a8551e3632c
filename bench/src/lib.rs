//! What the load generator and the system tests share: a GraphQL client that
//! drives the shop through the router as any client would ([`shop`]), and a
//! subscriber of live order updates over WebSocket ([`subscriber`]).

pub mod shop;
pub mod subscriber;
