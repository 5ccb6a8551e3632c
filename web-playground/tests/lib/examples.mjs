// Checks the playground's example tabs against the schema the router serves.
import { buildClientSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { exampleTabs } from '../../src/examples.js';
import { graphql } from './harness.mjs';

export function operationName(query) {
  return parse(query).definitions.find((d) => d.kind === 'OperationDefinition')?.name?.value;
}

// Operation name → validation messages, for every example the schema refuses.
export async function invalidExamples(baseUrl) {
  const schema = buildClientSchema(await graphql(baseUrl, getIntrospectionQuery()));
  const invalid = {};
  for (const tab of exampleTabs) {
    const errors = validate(schema, parse(tab.query));
    if (errors.length > 0) invalid[operationName(tab.query)] = errors.map((e) => e.message);
  }
  return invalid;
}
