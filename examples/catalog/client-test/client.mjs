// Drives the unmodified @backstage/catalog-client against a Greenroom catalog API.
// Usage: node client.mjs <backend base URL, e.g. http://127.0.0.1:7007>
// Exits non-zero (printing what went wrong) if any expectation fails. Used by
// host/internal/catalog/api/catalogclient_test.go.
import { CatalogClient } from '@backstage/catalog-client';
import assert from 'node:assert/strict';

const base = process.argv[2];
const client = new CatalogClient({
  discoveryApi: { getBaseUrl: async () => `${base}/api/catalog` },
  fetchApi: { fetch: (...args) => fetch(...args) },
});

const step = async (name, fn) => {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    process.exitCode = 1;
  }
};

await step('getEntities with filter, fields and order', async () => {
  const { items } = await client.getEntities({
    filter: { kind: 'Component', 'spec.lifecycle': 'production' },
    fields: ['metadata.name', 'kind'],
    order: { field: 'metadata.name', order: 'asc' },
  });
  assert.deepEqual(items.map(e => e.metadata.name), ['checkout-service', 'greenroom-portal', 'payments-service', 'storefront-web']);
  assert.deepEqual(Object.keys(items[0]).sort(), ['kind', 'metadata']);
});

await step('getEntities with an OR of filters and an exists condition', async () => {
  const { items } = await client.getEntities({
    filter: [{ kind: 'API' }, { kind: 'Resource', 'spec.system': 'payments' }],
  });
  assert.equal(items.length, 4);
});

await step('getEntityByRef', async () => {
  const e = await client.getEntityByRef('component:default/checkout-service');
  assert.equal(e.spec.owner, 'team-checkout');
  assert.ok(e.metadata.uid && e.metadata.etag);
  assert.ok(e.relations.some(r => r.type === 'ownedBy' && r.targetRef === 'group:default/team-checkout'));
  assert.equal(await client.getEntityByRef('component:default/does-not-exist'), undefined);
});

await step('getEntitiesByRefs keeps order and gives undefined for unknown refs', async () => {
  const { items } = await client.getEntitiesByRefs({
    entityRefs: ['api:default/payments-api', 'component:default/nope', 'group:default/team-payments'],
    fields: ['kind', 'metadata.name'],
  });
  assert.equal(items.length, 3);
  assert.equal(items[0].metadata.name, 'payments-api');
  assert.equal(items[1], undefined);
  assert.equal(items[2].kind, 'Group');
});

await step('queryEntities pages with cursors', async () => {
  const first = await client.queryEntities({
    filter: { kind: 'User' }, limit: 2, orderFields: { field: 'metadata.name', order: 'desc' },
  });
  assert.equal(first.totalItems, 5);
  const names = first.items.map(e => e.metadata.name);
  let cursor = first.pageInfo.nextCursor;
  while (cursor) {
    const page = await client.queryEntities({ cursor, limit: 2 });
    names.push(...page.items.map(e => e.metadata.name));
    cursor = page.pageInfo.nextCursor;
  }
  assert.deepEqual(names, ['margaret', 'linus', 'grace', 'barbara', 'ada']);
});

await step('queryEntities full text filter', async () => {
  const res = await client.queryEntities({ fullTextFilter: { term: 'ledger', fields: ['metadata.name'] } });
  assert.deepEqual(res.items.map(e => e.metadata.name).sort(), ['ledger-events', 'ledger-worker']);
});

await step('getEntityFacets', async () => {
  const { facets } = await client.getEntityFacets({ facets: ['spec.type'], filter: { kind: 'Component' } });
  const byValue = Object.fromEntries(facets['spec.type'].map(f => [f.value, f.count]));
  assert.deepEqual(byValue, { service: 3, website: 2 });
});

await step('getEntityAncestors', async () => {
  const res = await client.getEntityAncestors({ entityRef: 'api:default/checkout-api' });
  assert.equal(res.rootEntityRef, 'api:default/checkout-api');
  assert.equal(res.items.length, 3);
  assert.equal(res.items[0].parentEntityRefs[0], 'location:default/acme-catalog');
});

await step('locations: getLocationByEntity, getLocations', async () => {
  const loc = await client.getLocationByEntity('component:default/checkout-service');
  assert.equal(loc.type, 'file');
  assert.ok(loc.target.endsWith('all.yaml'));
  const byId = await client.getLocationById(loc.id);
  assert.equal(byId.target, loc.target);
  assert.equal(await client.getLocationById('no-such-id'), undefined);
});

await step('addLocation (dry run and real), conflict, removeLocationById', async () => {
  const target = `${base}/remote/catalog-info.yaml`;
  const dry = await client.addLocation({ type: 'url', target, dryRun: true });
  assert.equal(dry.exists, false);
  assert.ok(dry.entities.some(e => e.metadata.name === 'remote-service'));
  const added = await client.addLocation({ type: 'url', target });
  assert.equal(added.location.target, target);
  const e = await client.getEntityByRef('component:default/remote-service');
  assert.equal(e.metadata.annotations['backstage.io/managed-by-location'], `url:${target}`);
  await assert.rejects(client.addLocation({ type: 'url', target }), err => err.name === 'ResponseError' && err.response.status === 409 && err.body.error.name === 'ConflictError');
  await client.removeLocationById(added.location.id);
  assert.equal(await client.getEntityByRef('component:default/remote-service'), undefined);
});

await step('refreshEntity and removeEntityByUid', async () => {
  await client.refreshEntity('component:default/storefront-web');
  const e = await client.getEntityByRef('resource:default/assets-bucket');
  await client.removeEntityByUid(e.metadata.uid);
  assert.equal(await client.getEntityByRef('resource:default/assets-bucket'), undefined);
  await client.refreshEntity('resource:default/orders-queue'); // same file: brings it back
  assert.ok(await client.getEntityByRef('resource:default/assets-bucket'));
});

await step('validateEntity', async () => {
  const ok = await client.validateEntity({
    apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'x' },
    spec: { type: 'service', lifecycle: 'production', owner: 'me' },
  }, 'url:https://example.com/catalog-info.yaml');
  assert.deepEqual(ok, { valid: true });
  const bad = await client.validateEntity({
    apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'no good' }, spec: {},
  }, 'url:https://example.com/catalog-info.yaml');
  assert.equal(bad.valid, false);
  assert.ok(bad.errors.some(e => e.message.includes('"metadata.name" is not valid')));
});

await step('errors surface as ResponseError with Backstage bodies', async () => {
  await assert.rejects(client.getEntities({ filter: { '': 'x' } }), err => err.response.status === 400 && err.body.error.name === 'InputError');
});
