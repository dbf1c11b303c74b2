import { Testing } from 'cdktf';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import {
  CONNECTIVITY_QUOTAS,
  connectivityQuotaProblems,
  connectivityQuotaUse,
} from '../../../lib/connectivity/quotas';
import { testStack } from '../../support/constructs';

describe('connectivity quotas', () => {
  it("GIVEN AWS's documented defaults THEN the definitions carry them", () => {
    expect(
      Object.fromEntries(Object.entries(CONNECTIVITY_QUOTAS).map(([name, q]) => [name, q.defaultValue])),
    ).toEqual({
      interfaceEndpointsPerVpc: 50,
      resourceEndpointsPerVpc: 200,
      resourceGatewaysPerVpc: 500,
      resourceConfigurationsPerRegion: 2000,
    });
  });

  it('counts Interface and Resource endpoints per VPC (a literal VPC id and a reference apart) and reports the ones over their limit', () => {
    const stack = testStack();
    const vpc = new Vpc(stack, 'Vpc', { cidrBlock: '10.0.0.0/16' });
    const endpoint = (id: string, vpcId: string, type: string) =>
      new VpcEndpoint(stack, id, {
        vpcId,
        vpcEndpointType: type,
        ...(type === 'Interface'
          ? { serviceName: `com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f6071${id.length}` }
          : {}),
      });
    endpoint('a', 'vpc-0a1b2c3d4e5f60718', 'Interface');
    endpoint('bb', 'vpc-0a1b2c3d4e5f60718', 'Interface');
    endpoint('ccc', 'vpc-0a1b2c3d4e5f60718', 'Interface');
    endpoint('d', vpc.id, 'Interface');
    endpoint('e', vpc.id, 'Resource');
    Testing.synth(stack);

    const uses = connectivityQuotaUse(stack.node.findAll());
    expect(uses.map((u) => [u.name, u.subject, u.constructs.length])).toEqual([
      ['interfaceEndpointsPerVpc', '"vpc-0a1b2c3d4e5f60718"', 3],
      ['interfaceEndpointsPerVpc', 'test "${aws_vpc.Vpc.id}"', 1],
      ['resourceEndpointsPerVpc', 'test "${aws_vpc.Vpc.id}"', 1],
    ]);
    expect(connectivityQuotaProblems(uses, { interfaceEndpointsPerVpc: 2 })).toEqual([
      'quota interface and Gateway Load Balancer endpoints per VPC: VPC "vpc-0a1b2c3d4e5f60718" has 3, over the quota of 2 (declared in `quotas.interfaceEndpointsPerVpc`); ask AWS to raise it (Service Quotas, Amazon Virtual Private Cloud (Amazon VPC) / AWS PrivateLink) and set `quotas.interfaceEndpointsPerVpc` on the platform to the new value, or put further PrivateLink customers on a platform with another VPC (the platform\'s own interface endpoints count towards this quota too)',
    ]);
    expect(connectivityQuotaProblems(uses)).toEqual([]);
  });
});
