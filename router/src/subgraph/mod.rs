//! Talking to subgraphs: queries and mutations over HTTP ([`client`]), subscriptions over a
//! WebSocket ([`websocket`]), and what their responses mean ([`response`]).
pub mod client;
pub mod response;
pub mod tls;
pub mod websocket;
