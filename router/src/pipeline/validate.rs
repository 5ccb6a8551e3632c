//! Validate: the document against the API schema, then compiled to the operation the
//! router executes and shapes.
use graphql_tools::static_graphql::query::Document;
use graphql_tools::validation::validate::validate as validate_document;

use crate::graphql_error::{GraphQLError, Location, codes};
use crate::operation::{self, Operation};
use crate::schema::Supergraph;

pub fn validate(
    supergraph: &Supergraph,
    document: &Document,
    operation_name: Option<&str>,
) -> Result<Operation, Vec<GraphQLError>> {
    let errors = validate_document(&supergraph.api_schema, document, &supergraph.validation);
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|e| {
                GraphQLError::with_code(e.message, codes::VALIDATION_FAILED).located(
                    e.locations
                        .iter()
                        .map(|p| Location {
                            line: p.line,
                            column: p.column,
                        })
                        .collect(),
                )
            })
            .collect());
    }
    operation::compile(document, operation_name, &supergraph.index)
        .map_err(|m| vec![GraphQLError::with_code(m, codes::VALIDATION_FAILED)])
}
