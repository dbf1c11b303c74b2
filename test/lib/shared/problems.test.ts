import { App, TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { hasProblems, problemsOf, reportProblems, within } from '../../../lib/shared/problems';
import { ValidationError } from '../../../lib/shared/validation';

/** A construct that checks its props purely, reports what is wrong and builds nothing then. */
class Checked extends Construct {
  public readonly built: boolean;
  constructor(scope: Construct, id: string, props: { name: string; port: number; token?: string }) {
    super(scope, id);
    const problems = [
      ...(/^[a-z]+$/.test(props.name)
        ? []
        : [{ prop: 'name', value: props.name, message: 'must be lowercase letters' }]),
      ...(props.port > 0 && props.port < 65536
        ? []
        : [{ prop: 'port', value: props.port, message: 'must be a TCP port (1-65535)' }]),
      ...(props.token && props.token.length < 8
        ? [{ prop: 'token', value: props.token, message: 'is shorter than 8 characters', secret: true }]
        : []),
    ];
    this.built = !reportProblems(this, problems);
  }
}

function synthError(run: () => void): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the synth to throw a ValidationError');
}

describe('problems reported by constructs', () => {
  it('reports every problem of every construct of every stack in one app.synth, grouped by construct path', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const one = new TerraformStack(app, 'one');
    const two = new TerraformStack(app, 'two');
    const a = new Checked(one, 'a', { name: 'Acme', port: 0, token: 'short' });
    const ok = new Checked(one, 'ok', { name: 'fine', port: 443 });
    const b = new Checked(two, 'b', { name: 'b2', port: 8443 });
    expect([a.built, ok.built, b.built]).toEqual([false, true, false]);
    expect(hasProblems(a)).toBe(true);
    expect(hasProblems(ok)).toBe(false);

    const error = synthError(() => app.synth());
    expect(error.message).toBe(
      [
        '4 problems in 2 constructs:',
        'one/a:',
        '  - `name` "Acme" must be lowercase letters',
        '  - `port` 0 must be a TCP port (1-65535)',
        '  - `token` is shorter than 8 characters',
        'two/b:',
        '  - `name` "b2" must be lowercase letters',
      ].join('\n'),
    );
    expect(error.message).not.toContain('short"');
    expect(error.details.map((d) => [d.path, d.prop])).toEqual([
      ['one/a', 'name'],
      ['one/a', 'port'],
      ['one/a', 'token'],
      ['two/b', 'name'],
    ]);
    expect(problemsOf(app)).toHaveLength(4);
  });

  it('keeps the one-construct message shape', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new Checked(stack, 'a', { name: 'x', port: 70000 });
    expect(synthError(() => Testing.synth(stack, true)).message).toBe(
      'stack/a: `port` 70000 must be a TCP port (1-65535)',
    );
  });

  it('fails a synth that skips validations too, instead of writing a stack without the construct', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new Checked(stack, 'a', { name: 'x', port: -1 });
    expect(synthError(() => Testing.synth(stack)).problems).toEqual([
      '`port` -1 must be a TCP port (1-65535)',
    ]);
  });

  it('writes nothing extra when there is no problem', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new Checked(stack, 'a', { name: 'x', port: 1 });
    expect(JSON.parse(Testing.synth(stack, true)).locals).toBeUndefined();
  });

  it('prefixes a child check with the parent prop, so messages use the names the user wrote', () => {
    expect(
      within('vpn', [
        { prop: 'asn', value: 1, message: 'm' },
        { prop: '[0].cidr', message: 'n' },
        { prop: '', message: 'o' },
      ]).map((p) => p.prop),
    ).toEqual(['vpn.asn', 'vpn[0].cidr', '']);
  });
});
