/** CustomerSubnets `routeTablePerZone`: one route table per zone, each subnet associated with its own. */
import { CustomerSubnets } from '../../../lib/network/customer-subnets';
import { newPlatform, resourcesOf, synth } from '../network-fixtures';

describe('CustomerSubnets route tables', () => {
  test('GIVEN the default THEN one route table serves every zone (ids unchanged)', () => {
    let subnets!: CustomerSubnets;
    const { json } = synth((scope) => {
      subnets = new CustomerSubnets(scope, 'Acme', {
        platform: newPlatform(scope),
        customerName: 'acme',
        cidrBlock: '10.0.128.0/24',
      });
    });

    expect(Object.keys(json.resource.aws_route_table)).toEqual([
      expect.stringMatching(/^Acme_RouteTable_[0-9A-F]+$/),
    ]);
    expect(subnets.routeTables).toEqual([subnets.routeTable]);
    expect(subnets.subnets.map((s) => s.routeTable)).toEqual([subnets.routeTable, subnets.routeTable]);
  });

  test('GIVEN routeTablePerZone THEN each subnet is associated with a route table of its own zone', () => {
    const { json } = synth((scope) => {
      new CustomerSubnets(scope, 'Acme', {
        platform: newPlatform(scope),
        customerName: 'acme',
        cidrBlock: '10.0.128.0/24',
        routeTablePerZone: true,
      });
    });
    const tables = Object.entries(json.resource.aws_route_table);

    expect(
      tables.map(([id, t]) => [id.replace(/_[0-9A-F]+$/, ''), (t.tags as Record<string, string>).Name]),
    ).toEqual([
      ['Acme_eu-west-1a_RouteTable', 'acme-private-eu-west-1a'],
      ['Acme_eu-west-1b_RouteTable', 'acme-private-eu-west-1b'],
    ]);
    expect(
      resourcesOf(json, 'aws_route_table_association').map((a) => [a.subnet_id, a.route_table_id]),
    ).toEqual(
      ['eu-west-1a', 'eu-west-1b'].map((zone) => [
        expect.stringContaining(`aws_subnet.Acme_${zone}_`),
        expect.stringContaining(`aws_route_table.Acme_${zone}_RouteTable_`),
      ]),
    );
  });
});
