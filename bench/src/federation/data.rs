//! The fixture's data: users, products and the reviews that tie them, fixed and generated
//! so that the nested query's answer is about 90 KB, like the public benchmark's.
use std::sync::OnceLock;

pub struct User {
    pub id: String,
    pub name: String,
    pub username: String,
    pub birthday: i32,
}

pub struct Product {
    pub upc: String,
    pub name: String,
    pub price: i32,
    pub weight: i32,
}

pub struct Review {
    pub id: String,
    pub body: String,
    pub author: usize,
    pub product: usize,
}

pub struct Data {
    pub users: Vec<User>,
    pub products: Vec<Product>,
    pub reviews: Vec<Review>,
}

const USERS: usize = 6;
const PRODUCTS: usize = 8;
/// Each user reviews this many products.
const REVIEWS_PER_USER: usize = 4;

pub fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let users = (0..USERS)
            .map(|i| User {
                id: (i + 1).to_string(),
                name: format!("User {}", i + 1),
                username: format!("user{}", i + 1),
                birthday: 1_000_000 + i as i32,
            })
            .collect();
        let products = (0..PRODUCTS)
            .map(|i| Product {
                upc: (i + 1).to_string(),
                name: format!("Product {}", i + 1),
                price: 100 * (i as i32 + 1),
                weight: 10 * (i as i32 + 1),
            })
            .collect();
        let reviews = (0..USERS * REVIEWS_PER_USER)
            .map(|i| Review {
                id: (i + 1).to_string(),
                body: format!("Review {} of a product I bought", i + 1),
                author: i / REVIEWS_PER_USER,
                product: (i * 5 + i / REVIEWS_PER_USER) % PRODUCTS,
            })
            .collect();
        Data {
            users,
            products,
            reviews,
        }
    })
}
