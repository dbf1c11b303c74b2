/**
 * The example app: one gateway platform and two customers, in one stack.
 *
 *   npm run example   # synthesize into cdktf.out/ and plan every stack offline
 *   cdktf deploy      # with the cdktf CLI and real AWS credentials
 */
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CustomerSubnets, GatewayPlatform } from '../lib';

export class ExampleStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });

    const platform = new GatewayPlatform(this, 'Platform', {
      name: 'apicloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      tags: { team: 'api-platform' },
    });

    new CustomerSubnets(this, 'Acme', { platform, customerName: 'acme', cidrBlock: '10.40.128.0/24' });
    new CustomerSubnets(this, 'Globex', { platform, customerName: 'globex', cidrBlock: '10.40.129.0/24' });
  }
}

export function buildExampleApp(outdir?: string): App {
  const app = new App(outdir ? { outdir } : {});
  new ExampleStack(app, 'backend-link-example');
  return app;
}

if (require.main === module) {
  buildExampleApp().synth();
}
