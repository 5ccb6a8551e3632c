//! The system's subgraphs: the one list `mart up`, `mart serve`,
//! `mart schema export` and the system tests (`tests/it/shop`) read. Adding a subgraph is one line here (and its
//! `ServiceName`, which gives it a port and a database).

use mart_service::{ServiceName, Subgraph};

/// Every subgraph, in start order.
pub const SUBGRAPHS: [Subgraph; 8] = [
    mart_products::SUBGRAPH,
    mart_inventory::SUBGRAPH,
    mart_users::SUBGRAPH,
    mart_orders::SUBGRAPH,
    mart_payments::SUBGRAPH,
    mart_shipping::SUBGRAPH,
    mart_notifications::SUBGRAPH,
    mart_checkout::SUBGRAPH,
];

/// The subgraph called `name`, if any.
pub fn subgraph(name: ServiceName) -> Option<&'static Subgraph> {
    SUBGRAPHS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subgraph_service_is_registered_once() {
        let registered: Vec<_> = SUBGRAPHS.iter().map(|s| s.name).collect();
        let services: Vec<_> = ServiceName::subgraphs().collect();
        assert_eq!(registered, services);
    }

    #[test]
    fn each_registered_sdl_is_its_own_subgraphs() {
        for subgraph in &SUBGRAPHS {
            let sdl = (subgraph.sdl)();
            assert!(
                sdl.contains("@link"),
                "{} serves a Federation v2 SDL",
                subgraph.name
            );
        }
    }
}
