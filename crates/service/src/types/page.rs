use async_graphql::SimpleObject;

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
