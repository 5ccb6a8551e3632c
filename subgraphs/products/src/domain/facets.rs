//! A listing's total and facets, from one tally of its matches: all of them, or for a
//! search matching most of a large catalogue, a sample.
//!
//! Counting every match costs a scan of every matching row: a word in 98,000 of
//! 100,000 products took 25 ms to tally beside the 25 ms its ranked page took, and with
//! both on two shared cores the search's p99 was 63–69 ms (bench/search.sh). Above
//! [`COUNT_EXACTLY_UP_TO`] matches the tally reads a sample of the table's pages sized
//! to hold about [`SAMPLED_MATCHES`] of them, and the counts are estimates, marked as
//! such and rounded to two significant digits: the "about 98,000 results" of search
//! engines (Elasticsearch counts exactly only up to 10,000 hits by default; Algolia
//! flags facet counts it did not count exhaustively). A category with only a few
//! matches among so many may be missing from an estimate.

use uuid::Uuid;

use super::search::PRICE_BANDS;
use crate::storage::search::{SampleSize, TallyRow};

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
    /// Whether every match was counted; else the counts are estimates from a sample.
    pub exact: bool,
}

/// Up to how many matches a tally counts them all.
pub const COUNT_EXACTLY_UP_TO: f64 = 20_000.0;
/// How many matches a sample should hold: enough for the total within ~1 % and each
/// category holding a fiftieth of the matches within ~15 %.
pub const SAMPLED_MATCHES: f64 = 10_000.0;

/// The percentage of the table's pages to tally for a listing the planner expects
/// `estimated` matches of; `None` to count them all.
pub fn sample_percent(estimated: f64) -> Option<f32> {
    (estimated > COUNT_EXACTLY_UP_TO)
        .then(|| (100.0 * SAMPLED_MATCHES / estimated).clamp(1.0, 100.0) as f32)
}

/// How many of the table's rows each row of a sample stands for: the table's rows over
/// the rows the sample read, or when PostgreSQL has not counted the table yet, the
/// inverse of the share of pages asked for.
pub fn sample_scale(size: SampleSize, percent: f32) -> f64 {
    if size.table > 0.0 && size.read > 0 {
        size.table / size.read as f64
    } else {
        100.0 / f64::from(percent)
    }
}

/// Whether a sample's matches (`sampled`, each standing for `scale` rows) really stand
/// for more than [`COUNT_EXACTLY_UP_TO`]: the planner's estimate can be far off, and a
/// listing it overrated is counted exactly after all.
pub fn sample_stands(sampled: i64, scale: f64) -> bool {
    sampled as f64 * scale > COUNT_EXACTLY_UP_TO
}

/// A count scaled up from a sample, to two significant digits (97,050 → 97,000).
fn estimate(counted: i64, scale: f64) -> i64 {
    let x = counted as f64 * scale;
    if x < 100.0 {
        return x.round() as i64;
    }
    let unit = 10f64.powi(x.log10().floor() as i32 - 1);
    ((x / unit).round() * unit) as i64
}

impl Tally {
    /// `rows` counted the matches of the text and status, in all of the table or in a
    /// sample whose rows each stand for `scale` rows of it; `category` is the listing's
    /// category filter (its price range is in each row's `in_range`).
    pub fn of(rows: &[TallyRow], category: Option<Uuid>, scale: Option<f64>) -> Self {
        let count = |n: i64| scale.map_or(n, |scale| estimate(n, scale));
        let in_category = |row: &TallyRow| category.is_none() || row.category_id == category;
        let total = rows
            .iter()
            .filter(|r| r.in_range && in_category(r))
            .map(|r| r.n)
            .sum::<i64>();
        let mut categories: Vec<(Option<Uuid>, i64)> = Vec::new();
        for row in rows.iter().filter(|r| r.in_range) {
            match categories.iter_mut().find(|(id, _)| *id == row.category_id) {
                Some((_, n)) => *n += row.n,
                None => categories.push((row.category_id, row.n)),
            }
        }
        for (_, n) in &mut categories {
            *n = count(*n);
        }
        categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let price_bands = PRICE_BANDS
            .iter()
            .enumerate()
            .map(|(i, &min)| PriceBand {
                min_minor: min,
                max_minor: PRICE_BANDS.get(i + 1).map(|next| next - 1),
                count: count(
                    rows.iter()
                        .filter(|r| in_category(r) && usize::try_from(r.band) == Ok(i))
                        .map(|r| r.n)
                        .sum(),
                ),
            })
            .collect();
        Self {
            total: count(total),
            categories,
            price_bands,
            exact: scale.is_none(),
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
        let tally = Tally::of(&rows, a, None);
        assert_eq!(tally.total, 3);
        // In the price range, every category.
        assert_eq!(tally.categories, [(b, 5), (a, 3)]);
        // In the category, every price.
        let counts: Vec<i64> = tally.price_bands.iter().map(|b| b.count).collect();
        assert_eq!(counts, [0, 3, 0, 4, 0, 0]);
        assert_eq!(tally.price_bands[1].min_minor, 1_000);
        assert_eq!(tally.price_bands[1].max_minor, Some(2_499));
        assert_eq!(tally.price_bands[5].max_minor, None);

        let everything = Tally::of(&rows, None, None);
        assert_eq!(everything.total, 8);
        assert_eq!(everything.price_bands[0].count, 1);
        assert!(everything.exact);
    }

    #[test]
    fn a_sample_is_scaled_up_and_rounded_to_two_digits() {
        let (a, b) = (Some(Uuid::from_u128(1)), Some(Uuid::from_u128(2)));
        let rows = [
            row(a, 1, true, 9_000),
            row(a, 2, true, 705),
            row(b, 2, true, 7),
        ];
        // A tenth of the rows.
        let tally = Tally::of(&rows, None, Some(10.0));
        assert!(!tally.exact);
        assert_eq!(tally.total, 97_000, "97,120 to two digits");
        assert_eq!(tally.categories, [(a, 97_000), (b, 70)]);
        let counts: Vec<i64> = tally.price_bands.iter().map(|b| b.count).collect();
        assert_eq!(counts, [0, 90_000, 7_100, 0, 0, 0]);
    }

    #[test]
    fn only_listings_expected_to_match_many_are_sampled() {
        assert_eq!(sample_percent(COUNT_EXACTLY_UP_TO), None);
        assert_eq!(sample_percent(2_500.0), None);
        assert_eq!(sample_percent(98_000.0), Some(10.204082));
        // A catalogue of millions still reads at least a hundredth of its pages.
        assert_eq!(sample_percent(5_000_000.0), Some(1.0));
        // The sample confirms the estimate, or the listing is counted exactly.
        assert!(sample_stands(9_800, 10.0));
        assert!(!sample_stands(150, 10.0));
    }

    #[test]
    fn a_sample_stands_for_its_share_of_the_rows() {
        // Asked for 10 % of the pages, it read 11,118 of the 100,000 rows.
        let size = |read, table| SampleSize { read, table };
        assert_eq!(
            sample_scale(size(11_118, 100_000.0), 10.0),
            100_000.0 / 11_118.0
        );
        // A table never counted (or a sample of nothing): the share of pages.
        assert_eq!(sample_scale(size(11_118, -1.0), 10.0), 10.0);
        assert_eq!(sample_scale(size(0, 100_000.0), 12.5), 8.0);
    }
}
