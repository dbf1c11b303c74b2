import { secretRefsOf, withFilesRelativeTo } from '../../../gateway-runtime/src/config/secret-refs';

describe('withFilesRelativeTo', () => {
  test('GIVEN relative and absolute file references WHEN resolved against the configuration directory THEN only the relative ones change, and the input is not changed', () => {
    const doc = {
      security: { type: 'basic', username: 'svc', password: { file: 'secrets/password', jsonKey: 'p' } },
      backend: { tls: { ca: { file: '/etc/ca.pem' } } },
      server: { tls: { certificate: { file: './tls/server.crt' }, key: { env: 'KEY' } } },
      extraParams: { file: 'not-a-reference' },
    };
    const copy = JSON.parse(JSON.stringify(doc));

    const resolved = withFilesRelativeTo(doc, '/etc/gateway-runtime');

    expect(resolved.security.password).toEqual({
      file: '/etc/gateway-runtime/secrets/password',
      jsonKey: 'p',
    });
    expect(resolved.backend.tls.ca).toEqual({ file: '/etc/ca.pem' });
    expect(resolved.server.tls.certificate).toEqual({ file: '/etc/gateway-runtime/tls/server.crt' });
    expect(resolved.server.tls.key).toEqual({ env: 'KEY' });
    expect(resolved.extraParams).toEqual({ file: 'not-a-reference' });
    expect(doc).toEqual(copy);
    expect(secretRefsOf(resolved).map((r) => r.path)).toEqual([
      'security.password',
      'backend.tls.ca',
      'server.tls.certificate',
      'server.tls.key',
    ]);
  });
});
