//! The load: orders placed through the router on a fixed schedule.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::Args;
use crate::shop::{Customer, Gql};

/// An order to place, for one customer.
pub struct Order {
    pub customer: usize,
}

impl Order {
    pub fn each_customer(customers: usize) -> Vec<Order> {
        (0..customers).map(|customer| Order { customer }).collect()
    }
}

/// One placeOrder call.
pub struct Placed {
    pub customer: usize,
    pub order_id: Option<String>,
    pub failure: Option<String>,
}

/// Places `orders` on schedule at `rate` per second (open loop: a slow answer does not
/// delay the next order, up to 256 in flight).
#[allow(clippy::too_many_arguments)]
pub async fn place_all(
    args: &Args,
    gql: &Arc<Gql>,
    customers: &Arc<Vec<Customer>>,
    products: &[String],
    run: &str,
    phase: &str,
    orders: &[Order],
    rate: f64,
) -> Vec<Placed> {
    let in_flight = Arc::new(Semaphore::new(256));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(orders.len());
    for (i, order) in orders.iter().enumerate() {
        let due = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let permit = in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        let (gql, customers) = (gql.clone(), customers.clone());
        let product = products[i % products.len()].clone();
        let payment_token = args.payment_token.clone();
        let key = format!("fanout-{run}-{phase}-{i}");
        let customer = order.customer;
        tasks.push(tokio::spawn(async move {
            let answer = gql
                .place_order(&customers[customer].token, &product, &payment_token, &key)
                .await;
            drop(permit);
            match answer {
                Ok(id) => Placed {
                    customer,
                    order_id: Some(id),
                    failure: None,
                },
                Err(e) => Placed {
                    customer,
                    order_id: None,
                    failure: Some(format!("{e:#}")),
                },
            }
        }));
    }
    let mut placed = Vec::with_capacity(tasks.len());
    for task in tasks {
        if let Ok(p) = task.await {
            placed.push(p);
        }
    }
    placed
}
