//! What a shopper's search text means, how results are sorted, and the cursors that
//! continue a sorted listing.
//!
//! The text is cut into words (letters and digits; everything else separates them),
//! lowercased. Each word matches as a prefix of a word in the product's name, sku,
//! category or description, stemmed ("mugs" finds "Mug") or as typed ("s" finds
//! "Skillet", though "s" alone is an English stop word); all words must match. When
//! nothing matches, each word is replaced by the closest word of the catalogue
//! (trigram similarity: "skilet" becomes "skillet") and the search runs again; the
//! listing says so (`correctedSearch`).
//!
//! The values themselves are plain data of the storage layer ([`crate::storage::search`]),
//! which builds the SQL from them; what they mean and how they are made is here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use mart_service::types::cursor;
use uuid::Uuid;

use super::ProductsError;
pub use crate::storage::search::{After, PRICE_BANDS, ProductSort, TextQuery};

/// Words past this many are ignored: a search box's text, not a document.
pub const MAX_WORDS: usize = 8;
/// A word longer than any in the catalogue's vocabulary is cut to this many characters.
pub const MAX_WORD_CHARS: usize = 40;

impl TextQuery {
    pub fn parse(text: &str) -> Self {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(|w| {
                w.chars()
                    .take(MAX_WORD_CHARS)
                    .collect::<String>()
                    .to_lowercase()
            })
            .collect();
        Self::from_words(words)
    }

    pub fn from_words(words: Vec<String>) -> Self {
        let phrase = words.join(" ");
        Self { words, phrase }
    }
}

impl ProductSort {
    /// The order a request gets: relevance when it searches, oldest first when it does
    /// not (and relevance without a search means oldest first).
    pub fn effective(requested: Option<Self>, searching: bool) -> Self {
        match (requested, searching) {
            (Some(Self::Relevance) | None, true) => Self::Relevance,
            (Some(Self::Relevance) | None, false) => Self::Oldest,
            (Some(other), _) => other,
        }
    }
}

const VERSION: &str = "s1";

impl After {
    /// The cursor of `product` in a listing sorted by `sort`, whose score was `score`.
    pub fn of(sort: ProductSort, product: &super::Product, score: f32) -> Self {
        let id = product.id;
        match sort {
            ProductSort::Oldest => Self::Oldest(product.created_at, id),
            ProductSort::Newest => Self::Newest(product.created_at, id),
            ProductSort::PriceAscending => Self::PriceAscending(product.price.amount_minor, id),
            ProductSort::PriceDescending => Self::PriceDescending(product.price.amount_minor, id),
            ProductSort::Relevance => Self::Relevance(score, id),
        }
    }

    pub fn encode(&self) -> String {
        let (kind, value, id) = match *self {
            Self::Oldest(at, id) => return cursor::encode((at, id)),
            Self::Newest(at, id) => ("n", at.timestamp_micros().to_string(), id),
            Self::PriceAscending(p, id) => ("pa", p.to_string(), id),
            Self::PriceDescending(p, id) => ("pd", p.to_string(), id),
            Self::Relevance(s, id) => ("r", s.to_bits().to_string(), id),
        };
        URL_SAFE_NO_PAD.encode(format!("{VERSION}:{kind}:{value}:{}", id.simple()))
    }

    /// The cursor `after` of a listing sorted by `sort`: `BAD_USER_INPUT` for anything
    /// [`After::encode`] did not make, or made for another order.
    pub fn decode(sort: ProductSort, raw: &str) -> Result<Self, ProductsError> {
        let bad = |message: &str| ProductsError::bad_input("after", message.to_string());
        if raw.len() > cursor::MAX_LEN {
            return Err(bad("after is not a cursor from this listing"));
        }
        let after = if let Some((at, id)) = cursor::decode(raw) {
            Self::Oldest(at, id)
        } else {
            Self::parse(raw).ok_or_else(|| bad("after is not a cursor from this listing"))?
        };
        if after.sort() != sort {
            return Err(bad(
                "after is a cursor of a listing in another order; start again without it",
            ));
        }
        Ok(after)
    }

    fn parse(raw: &str) -> Option<Self> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        let mut parts = text.split(':');
        let (version, kind, value, id) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version != VERSION || parts.next().is_some() {
            return None;
        }
        let id = Uuid::try_parse(id).ok()?;
        Some(match kind {
            "n" => Self::Newest(DateTime::from_timestamp_micros(value.parse().ok()?)?, id),
            "pa" => Self::PriceAscending(value.parse().ok()?, id),
            "pd" => Self::PriceDescending(value.parse().ok()?, id),
            "r" => Self::Relevance(f32::from_bits(value.parse().ok()?), id),
            _ => return None,
        })
    }

    pub fn sort(&self) -> ProductSort {
        match self {
            Self::Oldest(..) => ProductSort::Oldest,
            Self::Newest(..) => ProductSort::Newest,
            Self::PriceAscending(..) => ProductSort::PriceAscending,
            Self::PriceDescending(..) => ProductSort::PriceDescending,
            Self::Relevance(..) => ProductSort::Relevance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_into_lowercase_words() {
        let q = TextQuery::parse("  Gooseneck KETTLE, 1.2l; (steel) ");
        assert_eq!(q.words, ["gooseneck", "kettle", "1", "2l", "steel"]);
        assert_eq!(q.phrase, "gooseneck kettle 1 2l steel");
        assert!(TextQuery::parse("%_'&|!:*").words.is_empty());
        let many = TextQuery::parse(&"a ".repeat(50));
        assert_eq!(many.words.len(), MAX_WORDS);
        let long = TextQuery::parse(&"x".repeat(500));
        assert_eq!(long.words[0].len(), MAX_WORD_CHARS);
    }

    #[test]
    fn relevance_needs_a_search() {
        use ProductSort::*;
        assert_eq!(ProductSort::effective(None, true), Relevance);
        assert_eq!(ProductSort::effective(None, false), Oldest);
        assert_eq!(ProductSort::effective(Some(Relevance), false), Oldest);
        assert_eq!(
            ProductSort::effective(Some(PriceDescending), true),
            PriceDescending
        );
    }

    #[test]
    fn cursors_round_trip_and_belong_to_their_order() {
        let id = Uuid::now_v7();
        let at = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap();
        for after in [
            After::Oldest(at, id),
            After::Newest(at, id),
            After::PriceAscending(1999, id),
            After::PriceDescending(0, id),
            After::Relevance(0.123_456_79, id),
        ] {
            let raw = after.encode();
            assert!(raw.len() <= cursor::MAX_LEN, "{raw}");
            assert_eq!(After::decode(after.sort(), &raw).unwrap(), after);
            let other = if after.sort() == ProductSort::Newest {
                ProductSort::Oldest
            } else {
                ProductSort::Newest
            };
            assert!(After::decode(other, &raw).is_err());
        }
        // The default listing's cursors are the ones every Mart connection makes.
        assert_eq!(After::Oldest(at, id).encode(), cursor::encode((at, id)));
        for bad in ["", "nope", &URL_SAFE_NO_PAD.encode("s1:r:x:y")] {
            assert!(After::decode(ProductSort::Relevance, bad).is_err());
        }
    }
}
