//! Customers with an account in the shop's users service, for what needs one
//! (saved addresses).

use serde_json::{Value, json};
use uuid::Uuid;

use super::support::{Customer, Shop};

impl Shop {
    /// A customer who registered and logged in with the users service.
    pub async fn account(&self, name: &str) -> Customer {
        let email = format!(
            "{}-{}@example.test",
            name.to_lowercase(),
            mart_service::testkit::unique_suffix()
        );
        let password = "correct horse battery";
        let vars = json!({ "email": email, "password": password, "name": name });
        let body = self
            .gql(
                &self.users_url,
                None,
                "mutation($email: String!, $password: String!, $name: String!) { register(email: $email, password: $password, name: $name) { id } }",
                vars,
            )
            .await;
        assert!(body.get("errors").is_none(), "register failed: {body:#}");
        let body = self
            .gql(
                &self.users_url,
                None,
                "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken user { id } } }",
                json!({ "email": email, "password": password }),
            )
            .await;
        let login = &body["data"]["login"];
        assert!(login.is_object(), "login failed: {body:#}");
        Customer {
            id: Uuid::parse_str(login["user"]["id"].as_str().unwrap()).unwrap(),
            token: login["accessToken"].as_str().unwrap().to_string(),
        }
    }

    /// Saves `address` (an `AddressInput`) to `who`'s account; returns its id.
    pub async fn save_address(&self, who: &Customer, address: Value) -> String {
        let body = self
            .gql(
                &self.users_url,
                Some(who),
                "mutation($a: AddressInput!) { addAddress(input: $a) { id } }",
                json!({ "a": address }),
            )
            .await;
        let id = body["data"]["addAddress"]["id"].as_str();
        id.unwrap_or_else(|| panic!("addAddress failed: {body:#}"))
            .to_string()
    }
}
