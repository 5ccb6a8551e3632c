//! The exported SDL: what composition sees.

use serde_json::json;

use crate::support::Harness;

#[tokio::test(flavor = "multi_thread")]
async fn the_sdl_exports_the_subscription_and_the_user_extension() {
    let sdl = mart_notifications::sdl();
    for expected in [
        "type Subscription",
        "notifications: Notification!",
        "type User @key(fields: \"id\")",
        "notifications(first: Int! = 20, after: String, unreadOnly: Boolean! = false): NotificationConnection!",
        "markNotificationRead(id: ID!): Notification!",
        "enum NotificationKind",
        "type PageInfo @shareable",
    ] {
        assert!(sdl.contains(expected), "{expected:?} missing from:\n{sdl}");
    }
    let h = Harness::start("notify_sdl").await;
    let served = h.gql(None, "{ _service { sdl } }", json!({})).await;
    assert_eq!(served["data"]["_service"]["sdl"], json!(sdl));
}
