//! An orders instance that can die like a crashed process: it runs on its own
//! runtime, and killing it drops every task and socket it holds at once, with
//! no graceful shutdown and no closing handshake.

use mart_service::ServiceConfig;
use tokio_util::sync::CancellationToken;

pub struct KillableOrders {
    runtime: Option<tokio::runtime::Runtime>,
    pub url: String,
}

impl KillableOrders {
    /// Another orders instance on `config` (the shop's database and topics).
    pub async fn start(config: &ServiceConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the orders instance");
        let config = config.clone();
        let started = runtime.spawn(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let handle = mart_orders::start(&config, listener, CancellationToken::new())
                .await
                .unwrap_or_else(|e| panic!("orders starts: {e}"));
            // The tasks live as long as the runtime; the handle is not needed.
            format!("http://{}/graphql", handle.addr)
        });
        let url = started.await.expect("the orders instance starts");
        Self {
            runtime: Some(runtime),
            url,
        }
    }

    pub fn kill(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for KillableOrders {
    fn drop(&mut self) {
        self.kill();
    }
}
