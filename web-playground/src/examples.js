// The tabs the playground opens with (used only while the browser has no saved tabs).

// The demo customer `mart seed` creates; it prints the same credentials.
export const DEMO_CUSTOMER = { email: 'customer@mart.example', password: 'mart-customer-demo' };

const browseProducts = `# The catalogue: names and prices come from the
# products subgraph, stock from inventory.
query BrowseProducts {
  products(first: 10) {
    edges {
      node {
        id
        name
        price { amountMinor currency }
        stock { available inStock }
      }
    }
  }
}
`;

const searchProducts = `# Search the catalogue: every word must start a word
# of a product's name, category or description
# ("mug" finds "Mugs"); a typo still finds close
# names. Facets count the matches per category and
# price band (estimated from a sample when a search
# matches more than 20,000 products: countsAreExact
# says which); pass a band's bounds as minPrice and
# maxPrice to narrow the search.
query SearchProducts($filter: ProductFilter, $sort: ProductSort) {
  products(filter: $filter, sort: $sort, first: 10) {
    totalCount
    countsAreExact
    edges {
      node { id name price { amountMinor currency } category { name } }
    }
    facets {
      categories { category { name } count }
      priceBands { minPrice maxPrice count }
    }
  }
}
`;

const searchVariables = { filter: { search: 'kettle' }, sort: 'RELEVANCE' };

const cart = `# A cart, no account needed: run CreateCart, paste its
# id into the variables (it is the only key to a guest's
# cart) and a product id from BrowseProducts, then
# AddToCart, SetCartAddress, ApplyDiscountCode. After
# logging in, MergeCart hands the guest cart to you (or
# adds it to the cart you had), and CheckoutComplete
# places it as an order (paste the total you were shown
# as expectedTotal; watch it in WatchMyOrders).
mutation CreateCart {
  createCart { id expiresAt }
}

mutation AddToCart($cartId: ID!, $productId: ID!) {
  addToCart(cartId: $cartId, productId: $productId, quantity: 1) {
    itemCount
    subtotal { amountMinor currency }
    lines {
      quantity
      lineTotal { amountMinor currency }
      product { name stock { available } }
    }
  }
}

# Where it goes sets tax and shipping (the demo shop
# taxes NL, BE, DE, FR and GB); WELCOME10 takes 10 %
# off a subtotal of 20.00 or more.
mutation SetCartAddress($cartId: ID!) {
  setCartAddress(cartId: $cartId, address: {
    name: "Demo Customer", line1: "1 Example Street",
    city: "Amsterdam", postalCode: "1011 AA", country: "NL"
  }) {
    subtotal { amountMinor currency }
    tax { amountMinor }
    shipping { amountMinor }
    total { amountMinor currency }
  }
}

mutation ApplyDiscountCode($cartId: ID!) {
  applyDiscountCode(cartId: $cartId, code: "WELCOME10") {
    discount { amountMinor }
    discountProblem
    total { amountMinor currency }
  }
}

mutation MergeCart($cartId: ID!) {
  mergeCart(guestCartId: $cartId) { id itemCount subtotal { amountMinor currency } }
}

# PRICE_CHANGED (nothing charged) if the total is no
# longer expectedTotal: the cart shows the new one.
mutation CheckoutComplete($cartId: ID!, $expectedTotal: Int!) {
  checkoutComplete(cartId: $cartId, paymentToken: "tok_ok",
      idempotencyKey: "playground-checkout-1", expectedTotal: $expectedTotal) {
    outcome
    cart { status total { amountMinor currency } discountProblem }
    order { id number status discount { amountMinor } tax { amountMinor } total { amountMinor currency } }
  }
}
`;

const cartVariables = {
  cartId: 'PASTE-THE-CART-ID',
  productId: 'PASTE-A-PRODUCT-ID',
  expectedTotal: 0,
};

const logIn = `# Log in. The form at the top does the same and
# then sends the token with every request.
mutation LogIn($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    accessToken
    refreshToken
    expiresAt
    user { id email name role }
  }
}
`;

const placeOrder = `# Place an order (log in first). Paste a product
# id from BrowseProducts into the variables.
mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id
    number
    status
    total { amountMinor currency }
  }
}
`;

const placeOrderVariables = {
  input: {
    lines: [{ productId: 'PASTE-A-PRODUCT-ID', quantity: 1 }],
    address: {
      name: 'Demo Customer',
      line1: '1 Example Street',
      city: 'Amsterdam',
      postalCode: '1011 AA',
      country: 'NL',
    },
    paymentToken: 'tok_ok',
    idempotencyKey: 'playground-order-1',
  },
};

const watchOrders = `# Watch your orders live (over WebSocket): start
# it, place an order in another tab, and every
# status change appears here.
subscription WatchMyOrders {
  myOrderUpdates {
    order { id number }
    status
    previousStatus
    at
    reason
  }
}
`;

const notifications = `# Your notifications, newest first (log in first).
query MyNotifications {
  me {
    email
    notifications(first: 10) {
      edges {
        node { id kind title body createdAt readAt }
      }
    }
  }
}
`;

const json = (value) => JSON.stringify(value, null, 2);

export const exampleTabs = [
  { query: browseProducts },
  { query: searchProducts, variables: json(searchVariables) },
  { query: cart, variables: json(cartVariables) },
  { query: logIn, variables: json(DEMO_CUSTOMER) },
  { query: placeOrder, variables: json(placeOrderVariables) },
  { query: watchOrders },
  { query: notifications },
];
