//! Choosing the warehouses that cover an order: a pure function over the locked
//! stock levels, so the rule can be read and tested on its own.

use std::collections::BTreeMap;

use mart_events::catalog::Shortage;
use uuid::Uuid;

use super::StockLevel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub quantity: i32,
}

/// Covers each wanted quantity from the warehouses with the most available
/// first (fewest parcels), ties broken by warehouse id. All or nothing: if any
/// product is short, every shortage is returned and nothing is allocated.
pub fn allocate(
    wanted: &BTreeMap<Uuid, i32>,
    levels: &[StockLevel],
) -> Result<Vec<Allocation>, Vec<Shortage>> {
    let mut allocations = Vec::new();
    let mut shortages = Vec::new();
    for (&product_id, &quantity) in wanted {
        let mut candidates: Vec<&StockLevel> = levels
            .iter()
            .filter(|l| l.product_id == product_id && l.available() > 0)
            .collect();
        candidates.sort_by(|a, b| {
            b.available()
                .cmp(&a.available())
                .then(a.warehouse_id.cmp(&b.warehouse_id))
        });
        let available: i64 = candidates.iter().map(|l| i64::from(l.available())).sum();
        if available < i64::from(quantity) {
            shortages.push(Shortage {
                product_id,
                requested: quantity,
                available: i32::try_from(available).unwrap_or(i32::MAX),
            });
            continue;
        }
        let mut missing = quantity;
        for level in candidates {
            if missing == 0 {
                break;
            }
            let take = missing.min(level.available());
            allocations.push(Allocation {
                product_id,
                warehouse_id: level.warehouse_id,
                quantity: take,
            });
            missing -= take;
        }
    }
    if shortages.is_empty() {
        Ok(allocations)
    } else {
        Err(shortages)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn level(product: u128, warehouse: u128, on_hand: i32, reserved: i32) -> StockLevel {
        StockLevel {
            product_id: Uuid::from_u128(product),
            warehouse_id: Uuid::from_u128(warehouse),
            on_hand,
            reserved,
            updated_at: Utc::now(),
        }
    }

    fn wanted(lines: &[(u128, i32)]) -> BTreeMap<Uuid, i32> {
        lines
            .iter()
            .map(|&(p, q)| (Uuid::from_u128(p), q))
            .collect()
    }

    #[test]
    fn takes_from_the_fullest_warehouse_first_and_splits_when_needed() {
        let levels = [level(1, 10, 5, 0), level(1, 11, 9, 2), level(1, 12, 3, 3)];
        let plan = allocate(&wanted(&[(1, 9)]), &levels).unwrap();
        assert_eq!(
            plan,
            vec![
                Allocation {
                    product_id: Uuid::from_u128(1),
                    warehouse_id: Uuid::from_u128(11),
                    quantity: 7
                },
                Allocation {
                    product_id: Uuid::from_u128(1),
                    warehouse_id: Uuid::from_u128(10),
                    quantity: 2
                },
            ]
        );
    }

    #[test]
    fn one_short_line_refuses_the_whole_order_and_names_every_shortage() {
        let levels = [level(1, 10, 5, 0), level(2, 10, 4, 3)];
        let shortages = allocate(&wanted(&[(1, 2), (2, 2), (3, 1)]), &levels).unwrap_err();
        assert_eq!(
            shortages,
            vec![
                Shortage {
                    product_id: Uuid::from_u128(2),
                    requested: 2,
                    available: 1
                },
                Shortage {
                    product_id: Uuid::from_u128(3),
                    requested: 1,
                    available: 0
                },
            ]
        );
    }

    #[test]
    fn exactly_the_available_quantity_can_be_taken() {
        let levels = [level(1, 10, 5, 4)];
        assert_eq!(allocate(&wanted(&[(1, 1)]), &levels).unwrap().len(), 1);
        assert!(allocate(&wanted(&[(1, 2)]), &levels).is_err());
    }
}
