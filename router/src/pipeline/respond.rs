//! Respond: the executed data shaped exactly like the client's selection (aliases, order,
//! `__typename`, null propagation, denied fields), serialized once.
use super::request::ReadyOperation;
use crate::execution::ExecutionState;
use crate::graphql_error::GraphQLError;
use crate::response::shape::shape_data;

/// The `data` JSON and the errors.
pub fn respond(ready: &ReadyOperation, executed: ExecutionState) -> (Vec<u8>, Vec<GraphQLError>) {
    let ExecutionState { data, mut errors } = executed;
    let data = shape_data(
        &ready.prepared.operation,
        &data,
        &ready.supergraph().index,
        &ready.variables,
        &ready.denied,
        &mut errors,
    );
    (data, errors)
}
