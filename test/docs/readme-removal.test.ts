/**
 * Deletion protection is on by default, so a destroy needs a step before it: the README must say which prop
 * to turn off, and that prop must do what the README says.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CustomerSubnets } from '../../lib/network/customer-subnets';
import { InternalLoadBalancer } from '../../lib/load-balancer/internal-load-balancer';
import { CERTIFICATE_ARN, newPlatform, resourcesOf, synth } from '../lib/network-fixtures';

const README = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

function section(title: string): string {
  const start = README.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "## ${title}"`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

describe('README: removing a customer', () => {
  test('GIVEN the README THEN it documents turning deletion protection off as the step before a destroy', () => {
    const removal = section('Removing a customer or the platform');
    expect(removal).toContain('`loadBalancer.deletionProtection: false`');
    expect(removal).toMatch(
      /1\. set `loadBalancer\.deletionProtection: false`[\s\S]*2\. then remove the customer/,
    );
    expect(removal).toContain('cannot be deleted because\ndeletion protection is enabled');
  });

  test('GIVEN deletionProtection false, as the README says WHEN synthesized THEN only the ALB attribute changes', () => {
    const build = (deletionProtection?: boolean) =>
      synth((scope) => {
        const subnets = new CustomerSubnets(scope, 'Subnets', {
          platform: newPlatform(scope),
          customerName: 'acme',
          cidrBlock: '10.0.128.0/24',
        });
        new InternalLoadBalancer(scope, 'Alb', {
          subnets,
          certificateArn: CERTIFICATE_ARN,
          trustedSources: [{ cidr: '10.0.1.0/24' }],
          ...(deletionProtection === undefined ? {} : { deletionProtection }),
        });
      }).json;
    const before = build();
    const after = build(false);
    expect(resourcesOf(before, 'aws_lb')[0].enable_deletion_protection).toBe(true);
    expect(resourcesOf(after, 'aws_lb')[0].enable_deletion_protection).toBe(false);
    const { enable_deletion_protection: _b, ...restBefore } = resourcesOf(before, 'aws_lb')[0];
    const { enable_deletion_protection: _a, ...restAfter } = resourcesOf(after, 'aws_lb')[0];
    expect(restAfter).toEqual(restBefore);
    expect({ ...after.resource, aws_lb: undefined }).toEqual({ ...before.resource, aws_lb: undefined });
  });
});
