/**
 * Versions of the multi-stack example (examples/multi-stack/main.ts) for change-safety tests: the same
 * stacks, construct IDs and props, with the everyday changes as options. Without options it synthesizes
 * exactly what the example does (test/lib/terraform/change-plan.test.ts checks that).
 */
import { join } from 'node:path';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { CustomerStack, PlatformStack, STATE, exampleCustomers } from '../../examples/multi-stack/main';
import { CustomerBackendLinkProps, configureS3State } from '../../lib';

/** The prebuilt runtime bundle the tests synthesize with (no esbuild run per synth). */
export const BUNDLE = join(__dirname, '..', 'lib', 'runtime', 'fixtures', 'bundle');

export interface MultiStackVersion {
  /**
   * The platform's tags.
   * @default { team: 'api-platform' } (the example's)
   */
  readonly platformTags?: Readonly<Record<string, string>>;
  /**
   * Changes the example's customers (acme, globex, initech, hooli, umbrella): returns the customers of this version.
   * @default - the example's customers
   */
  readonly customers?: (customers: CustomerBackendLinkProps[]) => CustomerBackendLinkProps[];
}

/** The multi-stack example's app, with the changes of `version`. */
export function buildMultiStackVersion(outdir: string, version: MultiStackVersion = {}): App {
  const app = new App({ outdir });
  const { platform } = new PlatformStack(
    app,
    'platform',
    version.platformTags ? { tags: { ...version.platformTags } } : {},
  );
  const customers = exampleCustomers(platform, { runtimeBundleDirectory: BUNDLE });
  for (const customer of version.customers ? version.customers(customers) : customers) {
    new CustomerStack(app, `customer-${customer.customerName}`, customer);
  }
  configureS3State(app, STATE);
  return app;
}

/** A producer stack with a VPC, a consumer stack with a subnet in it: the VPC's attributes cross stacks. */
export function buildProducerConsumer(outdir: string, consumerReadsArn: boolean): App {
  const app = new App({ outdir });
  const producer = new TerraformStack(app, 'producer');
  new AwsProvider(producer, 'aws', { region: 'eu-west-1' });
  const vpc = new Vpc(producer, 'Vpc', { cidrBlock: '10.50.0.0/16' });
  const consumer = new TerraformStack(app, 'consumer');
  new AwsProvider(consumer, 'aws', { region: 'eu-west-1' });
  const subnet = new Subnet(consumer, 'Subnet', {
    vpcId: vpc.id,
    cidrBlock: '10.50.1.0/24',
    ...(consumerReadsArn ? { tags: { vpc: vpc.arn } } : {}),
  });
  new TerraformOutput(consumer, 'subnet_id', { value: subnet.id });
  return app;
}
