/**
 * The public API is a deliberate surface: api/backend-link.api.md lists every name of both entry points with
 * its kind, and this test fails when the entry points export something else. Change the surface on purpose:
 * edit lib/index.ts or gateway-runtime/src/index.ts, run `npm run api:report`, commit both.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  API_REPORT_FILE,
  ApiReportError,
  EntryPointApi,
  apiReportText,
  diffApiReports,
  readApi,
} from '../../scripts/support/api-report';

// One TypeScript program over both entry points (about 3 s).
jest.setTimeout(60_000);

describe('the public API report', () => {
  let api: EntryPointApi[];
  beforeAll(() => {
    api = readApi();
  });
  const names = (specifier: string) => api.find((e) => e.specifier === specifier)!.names;

  test('the committed api/backend-link.api.md lists exactly what the entry points export', () => {
    const committed = readFileSync(API_REPORT_FILE, 'utf8');
    const current = apiReportText(api);
    const diff = diffApiReports(committed, current);
    if (diff !== '' || committed !== current) {
      throw new Error(
        `The exported API differs from the committed api/backend-link.api.md (+ exported now, - no longer):\n${diff}\n\n` +
          'If the change is deliberate, run `npm run api:report` and commit api/backend-link.api.md with it.',
      );
    }
  });

  // An independent reading: the values the compiled modules really export at run time.
  test.each([
    ['backend-link', '../../lib'],
    ['backend-link/runtime', '../../gateway-runtime/src'],
  ])('THEN the value exports of %s are the names the report lists as values', (specifier, path) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = Object.keys(require(path) as object).sort();
    const values = names(specifier)
      .filter((n) => !n.typeOnly && !/^(interface|type)$/.test(n.kind))
      .map((n) => n.name)
      .sort();
    expect(loaded).toEqual(values);
  });

  test('THEN the internal helpers the review named are not exported', () => {
    const main = names('backend-link').map((n) => n.name);
    for (const internal of [
      'checkFlowLogsProps',
      'parsePlatformAttributes',
      'toPortRange',
      'buildRuntimeCode',
      'LAMBDA_LEFT_OUT',
      'SubnetFlowLogsContext',
      'InterfaceEndpointsContext',
      'PublicEgressContext',
      'validatePublicEgress',
      'checkAlarmSubscriptions',
      'HARDENED_TUNNEL_OPTIONS',
    ]) {
      expect(main).not.toContain(internal);
    }
    const runtime = names('backend-link/runtime').map((n) => n.name);
    for (const internal of [
      'ROOT_FIELDS',
      'SCHEME_FIELDS',
      'cidrProblem',
      'withDefaults',
      'DEFAULT_CONNECT_TIMEOUT_MS',
    ]) {
      expect(runtime).not.toContain(internal);
    }
  });

  test('THEN what the READMEs and examples import is exported, with its kind', () => {
    const kinds = Object.fromEntries(names('backend-link').map((n) => [n.name, n.kind]));
    expect(kinds).toMatchObject({
      GatewayPlatform: 'class',
      CustomerBackendLink: 'class',
      CustomerBackendLinkProps: 'interface',
      BackendSecurity: 'class',
      SecretSource: 'const',
      AlarmSubscription: 'const',
      configureS3State: 'function',
      ValidationError: 'class',
      validateConfig: 'function',
      GatewayConfig: 'type',
    });
    const runtime = Object.fromEntries(names('backend-link/runtime').map((n) => [n.name, n.kind]));
    expect(runtime).toMatchObject({
      validateConfig: 'function',
      createLambdaHandler: 'function',
      startServer: 'function',
      GatewayConfig: 'type',
      GatewayError: 'class',
    });
  });
});

describe('diffApiReports', () => {
  const report = (lines: string[]) =>
    apiReportText([
      { specifier: 'backend-link', source: 'lib/index.ts', names: [], unexportedReferences: [] },
    ]).replace('```\n```', ['```', ...lines, '```'].join('\n'));

  test('names what was added, what was removed and a changed kind, one line each', () => {
    const before = report([
      'class GatewayPlatform',
      'function checkFlowLogsProps',
      'interface RuntimeOptions',
    ]);
    const after = report(['class GatewayPlatform', 'type RuntimeOptions', 'function configureS3State']);
    expect(diffApiReports(before, after).split('\n')).toEqual([
      '  - backend-link: function checkFlowLogsProps',
      '  - backend-link: interface RuntimeOptions',
      '  + backend-link: type RuntimeOptions',
      '  + backend-link: function configureS3State',
    ]);
  });

  test('is empty for the same surface', () => {
    const same = report(['class GatewayPlatform']);
    expect(diffApiReports(same, same)).toBe('');
  });
});

describe('readApi', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-report-'));
    writeFileSync(join(dir, 'a.ts'), 'export const a = 1;\nexport interface B { readonly b: number }\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('fails when an entry point exports a whole module, naming the line', () => {
    writeFileSync(join(dir, 'index.ts'), "export * from './a';\n");
    expect(() => readApi([{ specifier: 'x', source: join(dir, 'index.ts') }])).toThrow(ApiReportError);
    expect(() => readApi([{ specifier: 'x', source: join(dir, 'index.ts') }])).toThrow(
      "`export * from './a';` exports a whole module: name each export (an internal helper is not API)",
    );
  });

  test('reads named and type-only exports with their kinds', () => {
    writeFileSync(join(dir, 'index.ts'), "export { a } from './a';\nexport type { B } from './a';\n");
    expect(readApi([{ specifier: 'x', source: join(dir, 'index.ts') }])[0].names).toEqual([
      { name: 'B', kind: 'interface', typeOnly: false },
      { name: 'a', kind: 'const', typeOnly: false },
    ]);
  });

  test('marks a value exported with `export type` as type-only', () => {
    writeFileSync(join(dir, 'index.ts'), "export type { a, B } from './a';\n");
    expect(readApi([{ specifier: 'x', source: join(dir, 'index.ts') }])[0].names).toEqual([
      { name: 'B', kind: 'interface', typeOnly: false },
      { name: 'a', kind: 'const', typeOnly: true },
    ]);
  });
});
