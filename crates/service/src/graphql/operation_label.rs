//! Naming an unnamed operation for `/metrics`.

use std::sync::Arc;

/// Where [`OperationLabel`] leaves the first field of an unnamed operation, for `/metrics`.
#[derive(Clone, Default)]
pub(super) struct FirstField(pub(super) Arc<std::sync::OnceLock<String>>);

/// What `/metrics` calls an operation without a name (the router names none of its
/// fetches): its first field, such as `_entities` or `placeOrder`, read from the document
/// async-graphql has just parsed rather than parsing it again.
pub(super) struct OperationLabel;

impl async_graphql::extensions::ExtensionFactory for OperationLabel {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        Arc::new(OperationLabel)
    }
}

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for OperationLabel {
    async fn parse_query(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        query: &str,
        variables: &async_graphql::Variables,
        next: async_graphql::extensions::NextParseQuery<'_>,
    ) -> async_graphql::ServerResult<async_graphql::parser::types::ExecutableDocument> {
        use async_graphql::parser::types::{DocumentOperations, Selection};
        let document = next.run(ctx, query, variables).await?;
        if let Some(slot) = ctx.data_opt::<FirstField>() {
            let operation = match &document.operations {
                DocumentOperations::Single(op) => Some(op),
                DocumentOperations::Multiple(ops) => ops.values().next(),
            };
            let first = operation.and_then(|op| {
                op.node
                    .selection_set
                    .node
                    .items
                    .iter()
                    .find_map(|item| match &item.node {
                        Selection::Field(field) => Some(field.node.name.node.to_string()),
                        _ => None,
                    })
            });
            if let Some(first) = first {
                let _ = slot.0.set(first);
            }
        }
        Ok(document)
    }
}
