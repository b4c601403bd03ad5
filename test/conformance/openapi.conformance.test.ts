import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { marketOperation, marketRoot, noteSpecSkip, specAvailable } from '../helpers/spec.js';
import { diff, normalize, parameters } from './openapi-diff.js';

noteSpecSkip();

/** Every accepted difference from Market's spec, each with its reason. */
const ALLOW_FILE = path.resolve('test/conformance/openapi-allowlist.json');

describe.skipIf(!specAvailable)("/openapi.json against Market's official spec", () => {
  let t: TestApp;
  let doc: any;
  beforeAll(async () => {
    t = await buildTestApp();
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => t.close());

  it('differs from Market only where the allow-list says why (paths, parameters, bodies, responses)', () => {
    const found: string[] = [];
    for (const [apiPath, item] of Object.entries<any>(doc.paths)) {
      for (const [method, ours] of Object.entries<any>(item)) {
        const id = `${ours.operationId} ${method.toUpperCase()} ${apiPath}`;
        const market = marketOperation(apiPath, method);
        if (!market) {
          found.push(`${id}: Market has no such operation`);
          continue;
        }
        expect(ours.operationId).toBe(market.operationId);
        diff(parameters(ours.parameters), parameters(market.parameters), `${ours.operationId} parameters`, found);
        diff(normalize(ours.requestBody), normalize(market.requestBody), `${ours.operationId} requestBody`, found);
        const codes = (r: object) => Object.keys(r ?? {}).sort();
        diff(codes(ours.responses), codes(market.responses), `${ours.operationId} responses`, found);
        for (const code of codes(ours.responses).filter((c) => c in (market.responses ?? {}))) {
          diff(normalize(ours.responses[code].content), normalize(market.responses[code].content), `${ours.operationId} response ${code}`, found);
        }
      }
    }
    const allowed: Record<string, string> = JSON.parse(fs.readFileSync(ALLOW_FILE, 'utf8'));
    for (const [entry, reason] of Object.entries(allowed)) expect(reason.trim().length, `no reason given for ${entry}`).toBeGreaterThan(10);
    const unexplained = found.filter((d) => !(d in allowed));
    const stale = Object.keys(allowed).filter((d) => !found.includes(d));
    expect(unexplained, 'differences from Market not in the allow-list').toEqual([]);
    expect(stale, 'allow-list entries that are no longer differences').toEqual([]);
  });

  it('declares servers, a license, and OAuth as Market does (oauth2, scope market:partner-api)', () => {
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.info.license?.name).toBeTruthy();
    const market = marketRoot().components.securitySchemes;
    expect(doc.components.securitySchemes.ApiKey).toEqual(market.ApiKey);
    const { 'x-inline': _inline, ...oauth } = market.OAuth;
    expect(doc.components.securitySchemes.OAuth).toEqual(oauth);
    for (const item of Object.values<any>(doc.paths)) {
      for (const op of Object.values<any>(item)) expect(op.security).toEqual([{ ApiKey: [] }, { OAuth: ['market:partner-api'] }]);
    }
  });
});
