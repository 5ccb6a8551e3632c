//! The demo catalogue `mart seed` loads: prices in euro cents, weights in grams,
//! dimensions (length, width, height) in millimetres.

pub struct SeedCategory {
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

pub struct SeedProduct {
    pub category: &'static str,
    pub sku: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub price_cents: i64,
    pub weight_grams: i32,
    pub dimensions: Option<(i32, i32, i32)>,
}

pub const CURRENCY: &str = "EUR";

pub const CATEGORIES: &[SeedCategory] = &[
    SeedCategory {
        slug: "kitchen",
        name: "Kitchen",
        description: "Cookware, knives and tools for everyday cooking.",
    },
    SeedCategory {
        slug: "coffee-and-tea",
        name: "Coffee & Tea",
        description: "Brewing gear, beans and leaves.",
    },
    SeedCategory {
        slug: "home-office",
        name: "Home Office",
        description: "Desks, lamps and accessories for working from home.",
    },
    SeedCategory {
        slug: "outdoor",
        name: "Outdoor",
        description: "Camping, hiking and garden equipment.",
    },
    SeedCategory {
        slug: "audio",
        name: "Audio",
        description: "Headphones, speakers and cables.",
    },
    SeedCategory {
        slug: "stationery",
        name: "Stationery",
        description: "Notebooks, pens and paper goods.",
    },
];

macro_rules! product {
    ($category:literal, $sku:literal, $name:literal, $description:literal, $price:literal, $weight:literal, ($l:literal, $w:literal, $h:literal)) => {
        SeedProduct {
            category: $category,
            sku: $sku,
            name: $name,
            description: $description,
            price_cents: $price,
            weight_grams: $weight,
            dimensions: Some(($l, $w, $h)),
        }
    };
    ($category:literal, $sku:literal, $name:literal, $description:literal, $price:literal, $weight:literal) => {
        SeedProduct {
            category: $category,
            sku: $sku,
            name: $name,
            description: $description,
            price_cents: $price,
            weight_grams: $weight,
            dimensions: None,
        }
    };
}

pub const PRODUCTS: &[SeedProduct] = &[
    product!(
        "kitchen",
        "KIT-CHEF-20",
        "Chef's Knife 20 cm",
        "Forged stainless steel blade with a full tang and a riveted handle.",
        8900,
        240,
        (330, 50, 25)
    ),
    product!(
        "kitchen",
        "KIT-PAN-28",
        "Cast Iron Skillet 28 cm",
        "Pre-seasoned cast iron pan for searing, baking and frying.",
        4950,
        2800,
        (480, 290, 60)
    ),
    product!(
        "kitchen",
        "KIT-BOARD-L",
        "Oak Cutting Board, Large",
        "End-grain oak board with juice groove.",
        5900,
        2100,
        (450, 300, 35)
    ),
    product!(
        "kitchen",
        "KIT-DUTCH-5",
        "Enamelled Dutch Oven 5 L",
        "Heavy enamelled cast iron pot with a tight lid.",
        12900,
        5200,
        (340, 280, 180)
    ),
    product!(
        "kitchen",
        "KIT-SCALE-D",
        "Digital Kitchen Scale",
        "Weighs up to 5 kg in 1 g steps, with a tare button.",
        2490,
        620,
        (220, 170, 25)
    ),
    product!(
        "kitchen",
        "KIT-PEEL-Y",
        "Y-Peeler",
        "Swivel blade peeler for potatoes and carrots.",
        790,
        45
    ),
    product!(
        "kitchen",
        "KIT-WHISK-30",
        "Balloon Whisk 30 cm",
        "Stainless steel wires in a sealed handle.",
        1290,
        130
    ),
    product!(
        "kitchen",
        "KIT-SPAT-S",
        "Silicone Spatula Set",
        "Three heat-resistant spatulas, up to 260 °C.",
        1590,
        210
    ),
    product!(
        "kitchen",
        "KIT-MIX-3",
        "Mixing Bowls, Set of 3",
        "Nesting stainless steel bowls of 1, 2 and 4 litres.",
        2990,
        980,
        (280, 280, 140)
    ),
    product!(
        "kitchen",
        "KIT-GRATER-B",
        "Box Grater",
        "Four grating surfaces and a non-slip base.",
        1990,
        350,
        (240, 110, 100)
    ),
    product!(
        "coffee-and-tea",
        "COF-POUR-02",
        "Pour-Over Dripper",
        "Ceramic cone dripper for size 02 filters.",
        2400,
        390,
        (140, 120, 90)
    ),
    product!(
        "coffee-and-tea",
        "COF-GRIND-H",
        "Hand Grinder",
        "Steel burr grinder with 40 click settings.",
        8900,
        560,
        (190, 60, 60)
    ),
    product!(
        "coffee-and-tea",
        "COF-KETTLE-G",
        "Gooseneck Kettle 1 L",
        "Stovetop kettle with a thin spout for controlled pouring.",
        4500,
        780,
        (290, 160, 190)
    ),
    product!(
        "coffee-and-tea",
        "COF-PRESS-8",
        "French Press 8 Cups",
        "Borosilicate glass jug in a steel frame, 1 litre.",
        3490,
        690,
        (170, 120, 230)
    ),
    product!(
        "coffee-and-tea",
        "COF-BEAN-ETH",
        "Ethiopia Yirgacheffe Beans 250 g",
        "Washed light roast: jasmine, lemon and bergamot.",
        1390,
        270
    ),
    product!(
        "coffee-and-tea",
        "COF-BEAN-COL",
        "Colombia Huila Beans 250 g",
        "Medium roast: caramel, red apple, milk chocolate.",
        1190,
        270
    ),
    product!(
        "coffee-and-tea",
        "COF-FILTER-02",
        "Paper Filters 02, 100 pcs",
        "Unbleached paper filters for cone drippers.",
        590,
        140
    ),
    product!(
        "coffee-and-tea",
        "TEA-SENCHA-100",
        "Sencha Green Tea 100 g",
        "Japanese steamed green tea, first flush.",
        1450,
        120
    ),
    product!(
        "coffee-and-tea",
        "TEA-POT-CAST",
        "Cast Iron Teapot 0.8 L",
        "Tetsubin-style pot with a stainless steel infuser.",
        5400,
        1350,
        (170, 150, 130)
    ),
    product!(
        "coffee-and-tea",
        "COF-SCALE-T",
        "Brewing Scale with Timer",
        "0.1 g resolution and a built-in shot timer.",
        3900,
        320,
        (150, 130, 30)
    ),
    product!(
        "home-office",
        "OFF-DESK-140",
        "Standing Desk 140 cm",
        "Electric height-adjustable desk, 62 to 127 cm.",
        49900,
        32000,
        (1400, 700, 90)
    ),
    product!(
        "home-office",
        "OFF-CHAIR-ERG",
        "Ergonomic Office Chair",
        "Mesh back, adjustable lumbar support and armrests.",
        34900,
        16500,
        (680, 680, 1150)
    ),
    product!(
        "home-office",
        "OFF-LAMP-LED",
        "LED Desk Lamp",
        "Dimmable lamp with adjustable colour temperature.",
        6900,
        1100,
        (450, 180, 420)
    ),
    product!(
        "home-office",
        "OFF-ARM-MON",
        "Monitor Arm",
        "Gas-spring arm for screens up to 32 inches and 9 kg.",
        11900,
        3400,
        (500, 120, 460)
    ),
    product!(
        "home-office",
        "OFF-MAT-DESK",
        "Felt Desk Mat",
        "Wool felt mat, 90 by 40 cm.",
        3900,
        640,
        (900, 400, 4)
    ),
    product!(
        "home-office",
        "OFF-KEY-MECH",
        "Mechanical Keyboard",
        "Tenkeyless layout, hot-swappable switches, USB-C.",
        12900,
        890,
        (360, 140, 40)
    ),
    product!(
        "home-office",
        "OFF-MOUSE-V",
        "Vertical Mouse",
        "Wireless ergonomic mouse with six buttons.",
        4900,
        135,
        (120, 70, 75)
    ),
    product!(
        "home-office",
        "OFF-WEBCAM-4K",
        "4K Webcam",
        "Autofocus webcam with a privacy shutter.",
        13900,
        160,
        (95, 30, 45)
    ),
    product!(
        "home-office",
        "OFF-HUB-USB",
        "USB-C Hub 7-in-1",
        "HDMI, Ethernet, SD and three USB ports.",
        5900,
        110,
        (115, 45, 15)
    ),
    product!(
        "home-office",
        "OFF-FOOT-R",
        "Footrest",
        "Tilting footrest with a textured surface.",
        3490,
        1800,
        (450, 350, 110)
    ),
    product!(
        "outdoor",
        "OUT-TENT-2P",
        "Backpacking Tent, 2 Person",
        "Freestanding double-wall tent, 1.6 kg packed.",
        32900,
        1600,
        (480, 160, 160)
    ),
    product!(
        "outdoor",
        "OUT-BAG-3S",
        "Three-Season Sleeping Bag",
        "Synthetic fill, comfort rating 2 °C.",
        12900,
        1250,
        (400, 230, 230)
    ),
    product!(
        "outdoor",
        "OUT-PAD-INF",
        "Inflatable Sleeping Pad",
        "R-value 4.2, packs to the size of a water bottle.",
        9900,
        520,
        (230, 110, 110)
    ),
    product!(
        "outdoor",
        "OUT-STOVE-C",
        "Canister Stove",
        "Compact stove for screw-on gas canisters.",
        4900,
        95,
        (80, 50, 50)
    ),
    product!(
        "outdoor",
        "OUT-LAMP-H",
        "Headlamp 400 lm",
        "Rechargeable headlamp with red night mode.",
        3900,
        85
    ),
    product!(
        "outdoor",
        "OUT-PACK-38",
        "Hiking Backpack 38 L",
        "Ventilated back panel and a rain cover.",
        13900,
        1300,
        (620, 320, 220)
    ),
    product!(
        "outdoor",
        "OUT-BOTTLE-1",
        "Insulated Bottle 1 L",
        "Keeps drinks cold for 24 hours or hot for 12.",
        3490,
        430,
        (280, 90, 90)
    ),
    product!(
        "outdoor",
        "OUT-POLES-C",
        "Carbon Trekking Poles",
        "Pair of three-section poles with cork grips.",
        11900,
        460
    ),
    product!(
        "outdoor",
        "OUT-HAMMOCK",
        "Camping Hammock",
        "Parachute nylon hammock with tree straps.",
        4900,
        620,
        (200, 150, 100)
    ),
    product!(
        "outdoor",
        "OUT-FIRST-AID",
        "First Aid Kit",
        "Compact kit for two people on a weekend trip.",
        2490,
        280,
        (180, 120, 60)
    ),
    product!(
        "audio",
        "AUD-HP-ANC",
        "Noise-Cancelling Headphones",
        "Over-ear wireless headphones with 30 h battery.",
        29900,
        250,
        (200, 170, 80)
    ),
    product!(
        "audio",
        "AUD-EAR-TWS",
        "True Wireless Earbuds",
        "Earbuds with a charging case and IPX4 rating.",
        12900,
        55,
        (60, 50, 30)
    ),
    product!(
        "audio",
        "AUD-SPK-BT",
        "Portable Bluetooth Speaker",
        "Waterproof speaker with 12 h battery.",
        8900,
        540,
        (180, 70, 70)
    ),
    product!(
        "audio",
        "AUD-SPK-BOOK",
        "Bookshelf Speakers, Pair",
        "Passive two-way speakers with 5-inch woofers.",
        39900,
        9800,
        (300, 190, 250)
    ),
    product!(
        "audio",
        "AUD-AMP-40",
        "Stereo Amplifier 2x40 W",
        "Class D amplifier with Bluetooth and optical input.",
        19900,
        1900,
        (220, 200, 60)
    ),
    product!(
        "audio",
        "AUD-DAC-USB",
        "USB DAC and Headphone Amp",
        "24-bit/192 kHz converter with a volume knob.",
        14900,
        180,
        (90, 60, 25)
    ),
    product!(
        "audio",
        "AUD-MIC-USB",
        "USB Condenser Microphone",
        "Cardioid microphone with a desk stand.",
        9900,
        620,
        (200, 120, 120)
    ),
    product!(
        "audio",
        "AUD-CABLE-RCA",
        "RCA Cable 2 m",
        "Shielded stereo RCA cable.",
        1490,
        90
    ),
    product!(
        "audio",
        "AUD-STAND-HP",
        "Headphone Stand",
        "Walnut and aluminium stand.",
        3900,
        420,
        (120, 120, 260)
    ),
    product!(
        "audio",
        "AUD-TURN-BT",
        "Turntable with Bluetooth",
        "Belt-drive turntable with a built-in preamp.",
        27900,
        4300,
        (420, 350, 120)
    ),
    product!(
        "stationery",
        "STA-NB-A5-DOT",
        "Dotted Notebook A5",
        "192 pages of 100 g/m² paper, lay-flat binding.",
        1990,
        340,
        (210, 148, 15)
    ),
    product!(
        "stationery",
        "STA-NB-A4-LIN",
        "Lined Notebook A4",
        "120 pages, hard cover, ribbon marker.",
        2290,
        560,
        (297, 210, 14)
    ),
    product!(
        "stationery",
        "STA-PEN-FOUNT",
        "Fountain Pen, Medium Nib",
        "Steel nib, converter and two cartridges included.",
        3900,
        28
    ),
    product!(
        "stationery",
        "STA-INK-BLUE",
        "Blue Ink 50 ml",
        "Water-based fountain pen ink.",
        1290,
        120
    ),
    product!(
        "stationery",
        "STA-GEL-10",
        "Gel Pens, Pack of 10",
        "0.5 mm gel pens in assorted colours.",
        990,
        110
    ),
    product!(
        "stationery",
        "STA-PENCIL-HB",
        "Graphite Pencils HB, 12 pcs",
        "Cedar pencils, pre-sharpened.",
        690,
        95
    ),
    product!(
        "stationery",
        "STA-PLAN-26",
        "Weekly Planner 2026",
        "Week-on-two-pages layout with monthly overviews.",
        2490,
        420,
        (210, 148, 18)
    ),
    product!(
        "stationery",
        "STA-STICKY-6",
        "Sticky Notes, 6 Pads",
        "76 by 76 mm, recycled paper.",
        590,
        180
    ),
    product!(
        "stationery",
        "STA-RULER-30",
        "Steel Ruler 30 cm",
        "Cork-backed ruler with metric markings.",
        790,
        80
    ),
    product!(
        "stationery",
        "STA-ENV-C5",
        "C5 Envelopes, 50 pcs",
        "Self-seal white envelopes.",
        890,
        540
    ),
];
