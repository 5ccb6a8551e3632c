//! Fetch nodes: root fetches merge at the top of the data; entity fetches (Flatten, and
//! BatchFetch with several aliases) send each distinct representation once and merge every
//! returned entity back into all the places it came from.
use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};

use crate::json::{Object, Value};
use bytes::Bytes;
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::SelectionSet;
use hive_router_query_planner::planner::plan_nodes::{
    BatchFetchNode, FetchNode, FetchRewrite, FlattenNodePath, FlattenNodePathSegment,
};

use super::ExecutionContext;
use super::data::{
    RequiresShape, Target, apply_rewrites, deep_merge, for_each_target, path_prefix, plain_fields,
    representation, requires_shape, response_path, typename, visit_entities,
    write_plain_representation,
};
use crate::graphql_error::{GraphQLError, PathSegment};
use crate::schema::index::{SchemaIndex, TypeKind};
use crate::subgraph::client::SubgraphRequest;
use crate::subgraph::response::{
    SubgraphResponse, convert_error, decode, fetch_failed, plain_path, request_failed,
};
use crate::value::write_json_str;

/// One `_entities` selection of an entity fetch.
struct EntityJob<'p> {
    alias: &'p str,
    variable: &'p str,
    paths: Vec<&'p [FlattenNodePathSegment]>,
    requires: Option<&'p SelectionSet>,
    input_rewrites: Option<&'p [FetchRewrite]>,
    output_rewrites: Option<&'p [FetchRewrite]>,
}

/// Where the entities of a job were found and which representation each one sent.
#[derive(Default)]
struct Gathered {
    /// JSON array of the distinct representations.
    representations: Vec<u8>,
    count: u32,
    /// (path index, start and length in `indices`, representation index)
    entities: Vec<(u16, u32, u32, u32)>,
    indices: Vec<u32>,
}

impl Gathered {
    fn entity_indices(&self, entity: &(u16, u32, u32, u32)) -> &[u32] {
        &self.indices[entity.1 as usize..(entity.1 + entity.2) as usize]
    }
}

impl ExecutionContext<'_> {
    pub(super) async fn root_fetch(&self, fetch: &FetchNode) {
        let service = fetch.service_name.as_str();
        let body = self.request_body(
            &fetch.operation.document_str,
            fetch.variable_usages.as_ref(),
            &[],
        );
        let is_mutation = fetch
            .operation_kind
            .as_ref()
            .is_some_and(|k| k.is_mutation());
        let response = self.send(service, body, !is_mutation).await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                let path = first_root_key(&fetch.operation.document.operation.selection_set);
                self.lock().errors.push(error.at(path));
                return;
            }
        };
        self.merge_root_response(fetch, response);
    }

    /// Merges a root fetch's response at the top of the data (a subscription event arrives
    /// this way too).
    pub fn merge_root_response(&self, fetch: &FetchNode, response: SubgraphResponse) {
        let SubgraphResponse { data, errors } = response;
        let mut state = self.lock();
        if let Some(mut data) = data.filter(|d| d.is_object()) {
            if let Some(rewrites) = &fetch.output_rewrites {
                apply_rewrites(&mut data, rewrites, &self.supergraph.index);
            }
            deep_merge(&mut state.data, data);
        }
        for raw in errors.unwrap_or_default() {
            state
                .errors
                .push(convert_error(raw, &fetch.service_name, &plain_path));
        }
    }

    pub(super) async fn flatten_fetch(&self, path: &FlattenNodePath, fetch: &FetchNode) {
        let job = EntityJob {
            alias: "_entities",
            variable: "representations",
            paths: vec![path.as_slice()],
            requires: fetch.requires.as_ref(),
            input_rewrites: fetch.input_rewrites.as_deref(),
            output_rewrites: fetch.output_rewrites.as_deref(),
        };
        self.entity_fetch(
            &fetch.service_name,
            &fetch.operation.document_str,
            fetch.variable_usages.as_ref(),
            vec![job],
        )
        .await;
    }

    pub(super) async fn batch_fetch(&self, batch: &BatchFetchNode) {
        let jobs = batch
            .entity_batch
            .aliases
            .iter()
            .map(|alias| EntityJob {
                alias: &alias.alias,
                variable: &alias.representations_variable_name,
                paths: alias.merge_paths.iter().map(|p| p.as_slice()).collect(),
                requires: Some(&alias.requires),
                input_rewrites: alias.input_rewrites.as_deref(),
                output_rewrites: alias.output_rewrites.as_deref(),
            })
            .collect();
        self.entity_fetch(
            &batch.service_name,
            &batch.operation.document_str,
            batch.variable_usages.as_ref(),
            jobs,
        )
        .await;
    }

    async fn entity_fetch(
        &self,
        service: &str,
        query: &str,
        variable_usages: Option<&BTreeSet<String>>,
        jobs: Vec<EntityJob<'_>>,
    ) {
        let gathered: Vec<Gathered> = {
            let state = self.lock();
            jobs.iter()
                .map(|job| self.gather(&state.data, job, service))
                .collect()
        };
        if gathered.iter().all(|g| g.count == 0) {
            return;
        }
        let representations: Vec<(&str, &[u8])> = jobs
            .iter()
            .zip(&gathered)
            .map(|(job, g)| (job.variable, g.representations.as_slice()))
            .collect();
        let body = self.request_body(query, variable_usages, &representations);
        let response = self.send(service, body, true).await;
        let mut state = self.lock();
        let SubgraphResponse { data, errors } = match response {
            Ok(response) => response,
            Err(error) => {
                let path = jobs
                    .first()
                    .and_then(|job| job.paths.first())
                    .map(|p| path_prefix(p))
                    .unwrap_or_default();
                state.errors.push(error.at(path));
                return;
            }
        };
        let mut data = match data {
            Some(Value::Object(data)) => data,
            _ => Object::new(),
        };
        // Representations that came back null, per job: where index-less errors belong.
        let mut failed: Vec<Vec<u32>> = Vec::with_capacity(jobs.len());
        for (job, gathered) in jobs.iter().zip(&gathered) {
            let mut results = match data.remove(job.alias) {
                Some(Value::Array(results)) => results,
                _ => Vec::new(),
            };
            failed.push(
                (0..gathered.count)
                    .filter(|i| results.get(*i as usize).is_none_or(Value::is_null))
                    .collect(),
            );
            if let Some(rewrites) = job.output_rewrites {
                for result in &mut results {
                    apply_rewrites(result, rewrites, &self.supergraph.index);
                }
            }
            merge_entities(
                &self.supergraph.index,
                &mut state.data,
                job,
                gathered,
                results,
            );
        }
        let mut failed_cursor = vec![0usize; jobs.len()];
        for raw in errors.unwrap_or_default() {
            let root = &state.data;
            let target = error_target(&raw, &jobs, &failed, &mut failed_cursor);
            let repath = |path: &[serde_json::Value]| {
                repath_entity_error(path, target, &jobs, &gathered, root)
            };
            let error = convert_error(raw, service, &repath);
            state.errors.push(error);
        }
    }

    /// Builds the distinct representations of every entity the job's paths reach. An entity
    /// whose key fields are null is left out: `service` could not resolve it, and its
    /// fields stay unresolved while its siblings' are fetched.
    fn gather(&self, data: &Value, job: &EntityJob<'_>, service: &str) -> Gathered {
        let schema = &self.supergraph.index;
        let keys = &self.supergraph.keys;
        let mut gathered = Gathered::default();
        gathered.representations.push(b'[');
        let mut seen: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut indices = Vec::new();
        let mut scratch = Vec::new();
        // Input rewrites work on a built map.
        let shape = match (job.requires, job.input_rewrites) {
            (Some(requires), None) => requires_shape(requires),
            _ => RequiresShape::General,
        };
        for (path_index, path) in job.paths.iter().enumerate() {
            visit_entities(data, path, schema, &mut indices, &mut |entity, at| {
                let Some(requires) = job.requires else {
                    return;
                };
                scratch.clear();
                match plain_fields(entity, requires, shape, schema) {
                    // The common case (`__typename` and key fields): written straight to JSON.
                    Ok(Some(fields)) => {
                        let type_name = typename(entity).unwrap_or("");
                        if !keys.can_resolve_projected(type_name, service, entity, fields)
                            || !write_plain_representation(entity, fields, &mut scratch)
                        {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(()) => {
                        let Some(rep) = representation(entity, requires, schema) else {
                            return;
                        };
                        let mut rep = Value::Object(rep);
                        if let Some(rewrites) = job.input_rewrites {
                            apply_rewrites(&mut rep, rewrites, schema);
                        }
                        let resolvable = rep.as_object().is_some_and(|object| {
                            let type_name = typename(object).unwrap_or("");
                            keys.can_resolve(type_name, service, object)
                        });
                        if !resolvable || serde_json::to_writer(&mut scratch, &rep).is_err() {
                            return;
                        }
                    }
                }
                let serialized = scratch.as_slice();
                let next = gathered.count;
                let rep_index = match seen.get(serialized) {
                    Some(index) => *index,
                    None => {
                        if next > 0 {
                            gathered.representations.push(b',');
                        }
                        gathered.representations.extend_from_slice(serialized);
                        seen.insert(serialized.to_vec(), next);
                        next
                    }
                };
                if rep_index == next {
                    gathered.count += 1;
                }
                let start = gathered.indices.len() as u32;
                gathered.indices.extend_from_slice(at);
                gathered
                    .entities
                    .push((path_index as u16, start, at.len() as u32, rep_index));
            });
        }
        gathered.representations.push(b']');
        gathered
    }

    /// `{"query":…,"variables":{…}}` with the client's variables this fetch uses.
    pub fn request_body(
        &self,
        query: &str,
        variable_usages: Option<&BTreeSet<String>>,
        representations: &[(&str, &[u8])],
    ) -> Bytes {
        let mut body = Vec::with_capacity(
            query.len()
                + 64
                + representations
                    .iter()
                    .map(|(_, r)| r.len() + 24)
                    .sum::<usize>(),
        );
        body.extend_from_slice(b"{\"query\":");
        write_json_str(&mut body, query);
        body.extend_from_slice(b",\"variables\":{");
        let mut first = true;
        for (name, reps) in representations {
            if !first {
                body.push(b',');
            }
            first = false;
            write_json_str(&mut body, name);
            body.push(b':');
            body.extend_from_slice(reps);
        }
        for name in variable_usages.into_iter().flatten() {
            let Some(value) = self.variables.get(name) else {
                continue;
            };
            if !first {
                body.push(b',');
            }
            first = false;
            write_json_str(&mut body, name);
            body.push(b':');
            // Writing a serde_json::Value into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut body, value);
        }
        body.extend_from_slice(b"}}");
        Bytes::from(body)
    }

    async fn send(
        &self,
        service: &str,
        body: Bytes,
        may_deduplicate: bool,
    ) -> Result<SubgraphResponse, GraphQLError> {
        let Some(endpoint) = self.supergraph.endpoints.get(service) else {
            return Err(request_failed(service, "no URL is known for this subgraph"));
        };
        let Some(url) = &endpoint.uri else {
            return Err(request_failed(
                service,
                "the subgraph URL is not a valid URL",
            ));
        };
        let (span, own_traceparent) = crate::trace::fetch_span(service);
        let request = SubgraphRequest {
            service,
            url,
            body,
            headers: self.headers.for_subgraph(service),
            traceparent: own_traceparent
                .as_ref()
                .or(self.headers.traceparent.as_ref()),
            timeout: endpoint.timeout,
            deduplicate: may_deduplicate && self.deduplicate,
        };
        let bytes = tracing::Instrument::instrument(self.client.execute(request), span)
            .await
            .map_err(|e| fetch_failed(service, &e))?;
        decode(&bytes, service)
    }
}

fn merge_entities(
    schema: &SchemaIndex,
    root: &mut Value,
    job: &EntityJob<'_>,
    gathered: &Gathered,
    mut results: Vec<Value>,
) {
    let mut uses = vec![0u32; gathered.count as usize];
    for entity in &gathered.entities {
        uses[entity.3 as usize] += 1;
    }
    let mut merge = |target: &mut Object, entity: usize| {
        let rep = gathered.entities[entity].3 as usize;
        let Some(slot) = results.get_mut(rep) else {
            return;
        };
        uses[rep] -= 1;
        let result = if uses[rep] == 0 {
            std::mem::take(slot)
        } else {
            slot.clone()
        };
        let Value::Object(mut result) = result else {
            return;
        };
        // An @interfaceObject subgraph answers with the interface's name: keep the concrete
        // type already known, but let a concrete type replace an interface name.
        let reports_object_type = result
            .get("__typename")
            .and_then(Value::as_str)
            .is_some_and(|t| schema.kind(t) == Some(TypeKind::Object));
        if !reports_object_type && target.contains_key("__typename") {
            result.remove("__typename");
        }
        for (key, value) in result {
            match target.get_mut(&key) {
                Some(existing) => deep_merge(existing, value),
                None => {
                    target.insert(key, value);
                }
            }
        }
    };
    // Entities were gathered path by path, each path's in visit order.
    let mut rest = &gathered.entities[..];
    let mut first = 0;
    while let Some(entity) = rest.first() {
        let path_index = entity.0;
        let run = rest.iter().take_while(|e| e.0 == path_index).count();
        let targets: Vec<Target<'_>> = (first..first + run)
            .map(|i| (gathered.entity_indices(&gathered.entities[i]), i))
            .collect();
        for_each_target(root, job.paths[path_index as usize], &targets, &mut merge);
        rest = &rest[run..];
        first += run;
    }
}

/// The (job, representation, path entries consumed) an entity error belongs to:
/// `[alias, i, …]` names it; some subgraphs omit the index (`[alias, field]`), then the next
/// representation that came back null is the best guess.
fn error_target(
    raw: &serde_json::Value,
    jobs: &[EntityJob<'_>],
    failed: &[Vec<u32>],
    cursor: &mut [usize],
) -> Option<(usize, u32, usize)> {
    let path = raw.get("path")?.as_array()?;
    let alias = path.first()?.as_str()?;
    let job = jobs.iter().position(|j| j.alias == alias)?;
    if let Some(index) = path.get(1).and_then(serde_json::Value::as_u64) {
        return Some((job, index as u32, 2));
    }
    let rep = *failed[job].get(cursor[job])?;
    cursor[job] += 1;
    Some((job, rep, 1))
}

/// The error's path from the first entity that sent the representation, plus the rest of
/// the subgraph's path.
fn repath_entity_error(
    path: &[serde_json::Value],
    target: Option<(usize, u32, usize)>,
    jobs: &[EntityJob<'_>],
    gathered: &[Gathered],
    root: &Value,
) -> Option<Vec<PathSegment>> {
    let Some((job, rep, consumed)) = target else {
        let names_an_alias = path
            .first()
            .and_then(serde_json::Value::as_str)
            .is_some_and(|first| jobs.iter().any(|j| j.alias == first));
        return if names_an_alias {
            jobs.first()
                .and_then(|j| j.paths.first())
                .map(|p| path_prefix(p))
        } else {
            plain_path(path)
        };
    };
    let gathered = &gathered[job];
    let entity = gathered.entities.iter().find(|e| e.3 == rep)?;
    let mut repathed = response_path(
        jobs[job].paths[entity.0 as usize],
        gathered.entity_indices(entity),
        root,
    );
    let rest = &path[consumed.min(path.len())..];
    repathed.extend(rest.iter().filter_map(PathSegment::from_json));
    Some(repathed)
}

fn first_root_key(selection: &SelectionSet) -> Vec<PathSegment> {
    selection
        .items
        .iter()
        .find_map(|item| match item {
            SelectionItem::Field(f) => {
                Some(vec![PathSegment::Key(f.selection_identifier().to_string())])
            }
            _ => None,
        })
        .unwrap_or_default()
}
