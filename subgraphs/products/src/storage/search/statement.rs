//! Writing a listing's statement: its conditions and its search, each value bound.

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Float4, Text, Timestamptz};

use super::{After, Filter, TextQuery};

/// Which filters a statement leaves out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Leave {
    Nothing,
    CategoryAndPrice,
}

/// The search's SQL, its words already bound.
pub(super) struct TextSql {
    /// Matches a product.
    pub matches: String,
    /// Ranks it.
    pub score: String,
}

/// A statement being written: its text is assembled by the caller, its binds are
/// numbered here in the order they are made.
pub(super) struct Statement {
    query: BoxedSqlQuery<'static, Pg, SqlQuery>,
    binds: usize,
}

impl Statement {
    pub(super) fn new() -> Self {
        Self {
            query: diesel::sql_query("").into_boxed(),
            binds: 0,
        }
    }

    /// Binds `value`; returns its placeholder.
    pub(super) fn param<ST, V>(&mut self, value: V) -> String
    where
        Pg: diesel::sql_types::HasSqlType<ST>,
        V: diesel::serialize::ToSql<ST, Pg> + Send + 'static,
        ST: Send + 'static,
    {
        let query = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = query.bind::<ST, V>(value);
        self.binds += 1;
        format!("${}", self.binds)
    }

    pub(super) fn finish(self, text: String) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        self.query.sql(text)
    }

    pub(super) fn text(&mut self, text: &TextQuery) -> TextSql {
        if text.words.is_empty() {
            return TextSql {
                matches: "FALSE".into(),
                score: "0::real".into(),
            };
        }
        // Each word as a prefix, stemmed (english) or as typed (simple: stop words
        // and single letters are words too); all words must match.
        let words: Vec<String> = text
            .words
            .iter()
            .map(|w| {
                let p = self.param::<Text, _>(format!("{w}:*"));
                format!("(to_tsquery('english', {p}) || to_tsquery('simple', {p}))")
            })
            .collect();
        let query = format!("({})", words.join(" && "));
        TextSql {
            matches: format!("search_document @@ {query}"),
            score: format!("ts_rank(search_document, {query})"),
        }
    }

    pub(super) fn conditions(
        &mut self,
        filter: &Filter,
        text: Option<&TextSql>,
        leave: Leave,
    ) -> Vec<String> {
        let mut conditions = vec![];
        if let Some(status) = filter.status {
            conditions.push(format!("status = {}", self.param::<Text, _>(status)));
        }
        if let Some(text) = text {
            conditions.push(text.matches.clone());
        }
        if leave == Leave::Nothing {
            if let Some(id) = filter.category_id {
                let p = self.param::<diesel::sql_types::Uuid, _>(id);
                conditions.push(format!("category_id = {p}"));
            }
            if let Some(min) = filter.min_price_minor {
                let p = self.param::<BigInt, _>(min);
                conditions.push(format!("price_amount_minor >= {p}"));
            }
            if let Some(max) = filter.max_price_minor {
                let p = self.param::<BigInt, _>(max);
                conditions.push(format!("price_amount_minor <= {p}"));
            }
        }
        if conditions.is_empty() {
            conditions.push("TRUE".into());
        }
        conditions
    }

    /// Rows after `after` in its order (row comparisons walk the sort indexes).
    pub(super) fn keyset(&mut self, after: &After, score: &str) -> String {
        match *after {
            After::Oldest(at, id) | After::Newest(at, id) => {
                let (at, id) = (
                    self.param::<Timestamptz, _>(at),
                    self.param::<diesel::sql_types::Uuid, _>(id),
                );
                let op = if matches!(after, After::Oldest(..)) {
                    ">"
                } else {
                    "<"
                };
                format!("(created_at, id) {op} ({at}, {id})")
            }
            After::PriceAscending(price, id) | After::PriceDescending(price, id) => {
                let (price, id) = (
                    self.param::<BigInt, _>(price),
                    self.param::<diesel::sql_types::Uuid, _>(id),
                );
                let op = if matches!(after, After::PriceAscending(..)) {
                    ">"
                } else {
                    "<"
                };
                format!("(price_amount_minor, id) {op} ({price}, {id})")
            }
            After::Relevance(s, id) => {
                let (s, id) = (
                    self.param::<Float4, _>(s),
                    self.param::<diesel::sql_types::Uuid, _>(id),
                );
                format!("({score} < {s} OR ({score} = {s} AND id > {id}))")
            }
        }
    }
}
