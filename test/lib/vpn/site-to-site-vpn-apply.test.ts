/**
 * What a real apply needs of the VPN: BGP refused on a shared virtual private gateway, associations that
 * replace an existing transit gateway's default one, and the AWS-created pre-shared-key secret under the
 * same resource-policy discipline as backend-link's own secrets.
 */
import { Construct } from 'constructs';
import { Ec2TransitGatewayRouteTableAssociation } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table-association';
import { GatewayPlatform, GatewayPlatformProps } from '../../../lib/platform/gateway-platform';
import { SiteToSiteVpn, SiteToSiteVpnProps } from '../../../lib/vpn/site-to-site-vpn';
import { newCustomer, newPlatform, resourcesOf, synth, validationErrorOf } from '../network-fixtures';

function vpnFor(
  scope: Construct,
  platform: GatewayPlatform,
  name: string,
  n: number,
  props: Partial<SiteToSiteVpnProps> = {},
): SiteToSiteVpn {
  return new SiteToSiteVpn(scope, `Vpn-${name}`, {
    subnets: newCustomer(scope, platform, name, n),
    customerGatewayIp: `85.214.10.${20 + n}`,
    onPremCidrs: [`172.${20 + n}.0.0/16`],
    attachment: 'vpn-gateway',
    ...props,
  });
}

const BGP = { routing: 'bgp' as const, bgpAsn: 65010 };
const FIX =
  "a BGP customer on a shared virtual private gateway can attract the others' traffic by advertising their ranges (the VGW routes by the longest prefix among all its connections). Put the BGP customer on the transit gateway (`attachment: 'transit-gateway'`, one route table per customer), use static routing, or state why it is acceptable in its `bgpOnSharedVpnGatewayReason`";

describe('SiteToSiteVpn: BGP on a shared virtual private gateway', () => {
  it('prevents a BGP customer from joining a VGW that already serves another customer', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      vpnFor(scope, platform, 'acme', 0);
      vpnFor(scope, platform, 'globex', 1, BGP);
    });
    expect(error.constructPath).toBe('stack/Vpn-globex');
    expect(error.problems).toEqual([
      `customer "globex" uses BGP on platform "plat"'s virtual private gateway, which also serves "acme": ${FIX}`,
    ]);
  });

  it('prevents a customer from joining a VGW whose earlier customer uses BGP', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      vpnFor(scope, platform, 'globex', 1, BGP);
      vpnFor(scope, platform, 'acme', 0);
    });
    expect(error.constructPath).toBe('stack/Vpn-acme');
    expect(error.problems).toEqual([
      `customer "acme" would share platform "plat"'s virtual private gateway with "globex", which uses BGP: ${FIX}`,
    ]);
  });

  it.each<[string, Partial<SiteToSiteVpnProps>]>([
    ['alone on the VGW', {}],
    ['on the transit gateway', { attachment: 'transit-gateway' }],
    ['with a stated reason', { bgpOnSharedVpnGatewayReason: 'both sites belong to the same company' }],
  ])('accepts a BGP customer %s', (_case, props) => {
    expect(() =>
      synth((scope) => {
        const platform = newPlatform(scope);
        vpnFor(scope, platform, 'globex', 1, { ...BGP, ...props });
        if (_case !== 'alone on the VGW') vpnFor(scope, platform, 'acme', 0);
      }),
    ).not.toThrow();
  });
});

describe('SiteToSiteVpn: existing transit gateway', () => {
  const existing: Partial<GatewayPlatformProps> = {
    vpnGateway: undefined,
    transitGateway: {
      existingTransitGatewayId: 'tgw-0123456789abcdef0',
      existingDefaultRouteTablePropagation: 'disable',
      existingAttachmentSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    },
  };

  it('replaces the default route table association of the VPN and VPC attachments (no Resource.AlreadyAssociated)', () => {
    const { json } = synth((scope) => {
      vpnFor(scope, newPlatform(scope, existing), 'acme', 0, { attachment: 'transit-gateway' });
    });
    const associations = resourcesOf(json, 'aws_ec2_transit_gateway_route_table_association');
    expect(associations).toHaveLength(2);
    for (const a of associations) expect(a.replace_existing_association).toBe(true);
  });

  it('leaves associations on a new transit gateway as they are (it has default association disabled)', () => {
    const { text, json } = synth((scope) => {
      vpnFor(scope, newPlatform(scope, { vpnGateway: undefined }), 'acme', 0, {
        attachment: 'transit-gateway',
      });
    });
    expect(text).toHaveResourceWithProperties(Ec2TransitGatewayRouteTableAssociation, {});
    for (const a of resourcesOf(json, 'aws_ec2_transit_gateway_route_table_association')) {
      expect(a).not.toHaveProperty('replace_existing_association');
    }
  });

  it.each<[string, Partial<NonNullable<GatewayPlatformProps['transitGateway']>>, string]>([
    [
      'default propagation is on (routes would leak into the default route table)',
      { existingDefaultRouteTablePropagation: 'enable' },
      "`transitGateway.existingDefaultRouteTablePropagation` is 'enable': every customer's VPN attachment would propagate its on-premises routes into the transit gateway's default route table, and every attachment associated with that table (other VPCs, other customers) would learn them. Turn it off (`aws ec2 modify-transit-gateway --transit-gateway-id <id> --options DefaultRouteTablePropagation=disable`) and declare 'disable', or let the platform create its own transit gateway",
    ],
    [
      'default propagation is not declared',
      { existingDefaultRouteTablePropagation: undefined },
      "`transitGateway.existingDefaultRouteTablePropagation` is required with `existingTransitGatewayId`: declare the transit gateway's DefaultRouteTablePropagation ('disable' is required; check it with `aws ec2 describe-transit-gateways`)",
    ],
  ])('fails when %s', (_case, override, message) => {
    const error = validationErrorOf((scope) => {
      newPlatform(scope, { ...existing, transitGateway: { ...existing.transitGateway!, ...override } });
    });
    expect(error.problems).toEqual([message]);
  });
});

describe('SiteToSiteVpn: the pre-shared-key secret', () => {
  const READER = 'arn:aws:iam::123456789012:role/network-team';

  it('denies reading the keys to every principal but the declared readers and the VPN service role, and blocks public policies', () => {
    const { json } = synth((scope) => {
      vpnFor(scope, newPlatform(scope), 'acme', 0, { presharedKeyReaderArns: [READER] });
    });
    const [policy] = resourcesOf(json, 'aws_secretsmanager_secret_policy');
    expect(policy.secret_arn).toMatch(/^\$\{aws_vpn_connection\.Vpn-acme_[0-9A-F]{8}\.preshared_key_arn\}$/);
    expect(policy.block_public_policy).toBe(true);
    const account = `\${element(split(":", ${String(policy.secret_arn).slice(2, -1)}), 4)}`;
    expect(policy.policy).toBe(
      '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Sid" = "OnlyTheDeclaredReadersReadThePresharedKeys", "Effect" = "Deny", "Principal" = "*", "Action" = "secretsmanager:GetSecretValue", "Resource" = "*", "Condition" = {"StringNotEquals" = {"aws:PrincipalArn" = [' +
        `"${READER}", "arn:aws:iam::${account}:role/aws-service-role/s2svpn.amazonaws.com/AWSServiceRoleForVPCS2SVPN"` +
        ']}, "BoolIfExists" = {"aws:PrincipalIsAWSService" = "false"}}}]})}',
    );
  });

  it('fails when a reader is an STS session', () => {
    const error = validationErrorOf((scope) => {
      vpnFor(scope, newPlatform(scope), 'acme', 0, {
        presharedKeyReaderArns: ['arn:aws:sts::123456789012:assumed-role/network-team/alice'],
      });
    });
    expect(error.problems).toEqual([
      '`presharedKeyReaderArns[0]` "arn:aws:sts::123456789012:assumed-role/network-team/alice" is an STS session; give its role\'s ARN (arn:<partition>:iam::<account>:role/<path/><name>), which is what `aws:PrincipalArn` holds for every session of the role',
    ]);
  });
});
