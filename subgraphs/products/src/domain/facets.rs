//! A listing's total and facets, from one tally of its matches.

use uuid::Uuid;

use super::search::PRICE_BANDS;
use crate::storage::search::TallyRow;

/// Prices from `min_minor` to `max_minor` inclusive (no upper end when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceBand {
    pub min_minor: i64,
    pub max_minor: Option<i64>,
    pub count: i64,
}

/// How a listing's matches spread. Each facet ignores the listing's own filter of its
/// kind (the category facet counts every category within the price range; the price
/// facet counts every band within the category), so a shopper who picked one still
/// sees the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Matches of the whole filter.
    pub total: i64,
    /// Matches per category, most first (`None`: uncategorised); empty ones left out.
    pub categories: Vec<(Option<Uuid>, i64)>,
    /// Every band of [`PRICE_BANDS`], cheapest first, zero counts included (the bands
    /// stay put while the results change).
    pub price_bands: Vec<PriceBand>,
}

impl Tally {
    /// `rows` counted the matches of the text and status; `category` is the listing's
    /// category filter (its price range is in each row's `in_range`).
    pub fn of(rows: &[TallyRow], category: Option<Uuid>) -> Self {
        let in_category = |row: &TallyRow| category.is_none() || row.category_id == category;
        let total = rows
            .iter()
            .filter(|r| r.in_range && in_category(r))
            .map(|r| r.n)
            .sum();
        let mut categories: Vec<(Option<Uuid>, i64)> = Vec::new();
        for row in rows.iter().filter(|r| r.in_range) {
            match categories.iter_mut().find(|(id, _)| *id == row.category_id) {
                Some((_, n)) => *n += row.n,
                None => categories.push((row.category_id, row.n)),
            }
        }
        categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let price_bands = PRICE_BANDS
            .iter()
            .enumerate()
            .map(|(i, &min)| PriceBand {
                min_minor: min,
                max_minor: PRICE_BANDS.get(i + 1).map(|next| next - 1),
                count: rows
                    .iter()
                    .filter(|r| in_category(r) && usize::try_from(r.band) == Ok(i))
                    .map(|r| r.n)
                    .sum(),
            })
            .collect();
        Self {
            total,
            categories,
            price_bands,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(category: Option<Uuid>, band: i32, in_range: bool, n: i64) -> TallyRow {
        TallyRow {
            category_id: category,
            band,
            in_range,
            n,
        }
    }

    #[test]
    fn each_facet_ignores_its_own_filter() {
        let (a, b) = (Some(Uuid::from_u128(1)), Some(Uuid::from_u128(2)));
        let rows = [
            row(a, 1, true, 3),
            row(a, 3, false, 4),
            row(b, 1, true, 5),
            row(None, 0, false, 1),
        ];
        let tally = Tally::of(&rows, a);
        assert_eq!(tally.total, 3);
        // In the price range, every category.
        assert_eq!(tally.categories, [(b, 5), (a, 3)]);
        // In the category, every price.
        let counts: Vec<i64> = tally.price_bands.iter().map(|b| b.count).collect();
        assert_eq!(counts, [0, 3, 0, 4, 0, 0]);
        assert_eq!(tally.price_bands[1].min_minor, 1_000);
        assert_eq!(tally.price_bands[1].max_minor, Some(2_499));
        assert_eq!(tally.price_bands[5].max_minor, None);

        let everything = Tally::of(&rows, None);
        assert_eq!(everything.total, 8);
        assert_eq!(everything.price_bands[0].count, 1);
    }
}
