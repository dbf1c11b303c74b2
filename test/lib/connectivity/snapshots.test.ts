/** One snapshot per connectivity construct, beside the targeted assertions of the other test files. */
import { Testing } from 'cdktf';
import { BackendResourceShare } from '../../../lib/connectivity/backend-resource-share';
import { PrivateLinkEndpoint } from '../../../lib/connectivity/privatelink-endpoint';
import { ResourceEndpoint } from '../../../lib/connectivity/resource-endpoint';
import { testStack } from '../../support/constructs';

const base = {
  platformName: 'apiplatform',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f60711', 'subnet-0a1b2c3d4e5f60722'],
  functionSecurityGroupId: 'sg-0f1e2d3c4b5a69788',
};

test('ResourceEndpoint with a share to accept matches the snapshot', () => {
  const stack = testStack();
  new ResourceEndpoint(stack, 'acme', {
    ...base,
    customerName: 'acme',
    resourceConfigurationArn:
      'arn:aws:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718',
    resourceShareArn:
      'arn:aws:ram:eu-west-1:210987654321:resource-share/6f1c1a52-0d1e-4f6a-8b4e-2b8a3c9d0e1f',
    ports: [8443],
  });
  expect(Testing.synth(stack, true)).toMatchSnapshot();
});

test('PrivateLinkEndpoint matches the snapshot', () => {
  const stack = testStack();
  new PrivateLinkEndpoint(stack, 'globex', {
    ...base,
    customerName: 'globex',
    serviceName: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718',
    ports: [443],
  });
  expect(Testing.synth(stack, true)).toMatchSnapshot();
});

test('BackendResourceShare matches the snapshot', () => {
  const stack = testStack();
  new BackendResourceShare(stack, 'Orders', {
    name: 'orders-for-apiplatform',
    vpcId: 'vpc-0c0c0c0c0c0c0c0c0',
    subnetIds: ['subnet-0c0c0c0c0c0c0c0c1', 'subnet-0c0c0c0c0c0c0c0c2'],
    backend: { domainName: 'orders.acme.internal', ports: [8443] },
    backendCidrs: ['10.9.0.0/24'],
    platformAccountId: '123456789012',
  });
  expect(Testing.synth(stack, true)).toMatchSnapshot();
});
