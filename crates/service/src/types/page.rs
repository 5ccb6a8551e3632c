use std::borrow::Cow;

use async_graphql::{OutputType, SimpleObject, TypeName};

/// A type pages are made of: its GraphQL name gives the connection's and the
/// edge's (`Order` → `OrderConnection`, `OrderEdge`).
pub trait Node: OutputType {
    const NAME: &'static str;
}

/// A page of results (a Relay connection). Cursors are opaque: pass the last
/// one as `after` for the next page.
#[derive(SimpleObject)]
#[graphql(name_type)]
pub struct Connection<N: Node> {
    pub edges: Vec<Edge<N>>,
    pub page_info: PageInfo,
}

/// One result of a page, and the cursor that continues after it.
#[derive(SimpleObject)]
#[graphql(name_type)]
pub struct Edge<N: Node> {
    pub cursor: String,
    pub node: N,
}

impl<N: Node> TypeName for Connection<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::NAME).into()
    }
}

impl<N: Node> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::NAME).into()
    }
}

impl<N: Node> Connection<N> {
    /// The page of `edges` (cursor and node, in order).
    pub fn new(
        edges: impl IntoIterator<Item = (String, N)>,
        has_next_page: bool,
        has_previous_page: bool,
    ) -> Self {
        let edges: Vec<Edge<N>> = edges
            .into_iter()
            .map(|(cursor, node)| Edge { cursor, node })
            .collect();
        let page_info = PageInfo::of(
            edges.iter().map(|e| &e.cursor),
            has_next_page,
            has_previous_page,
        );
        Self { edges, page_info }
    }
}

#[derive(SimpleObject, Clone, Debug, Default, PartialEq, Eq)]
#[graphql(shareable)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The page whose edges carry `cursors`, in order.
    pub fn of<'a>(
        mut cursors: impl DoubleEndedIterator<Item = &'a String>,
        has_next_page: bool,
        has_previous_page: bool,
    ) -> Self {
        let start_cursor = cursors.next().cloned();
        let end_cursor = cursors
            .next_back()
            .cloned()
            .or_else(|| start_cursor.clone());
        Self {
            has_next_page,
            has_previous_page,
            start_cursor,
            end_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_and_end_are_the_first_and_last_cursor() {
        let cursors = ["a".to_string(), "b".to_string(), "c".to_string()];
        let page = PageInfo::of(cursors.iter(), true, false);
        assert_eq!(page.start_cursor.as_deref(), Some("a"));
        assert_eq!(page.end_cursor.as_deref(), Some("c"));
        let one = PageInfo::of(cursors[..1].iter(), false, false);
        assert_eq!(one.end_cursor.as_deref(), Some("a"));
        assert_eq!(PageInfo::of([].iter(), false, false), PageInfo::default());
    }
}
