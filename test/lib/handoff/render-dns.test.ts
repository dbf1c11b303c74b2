/** The handoff's firewall section names the customer's DNS servers the gateway queries. */
import { outputsFromTerraform } from '../../../lib/handoff/outputs';
import { renderHandoff } from '../../../lib/handoff/render';

const handoff = (dnsServers?: string[]) =>
  outputsFromTerraform({
    acme_handoff: {
      value: {
        customer: 'acme',
        backend_url: 'https://orders.acme.internal:8443/api',
        security: { scheme: 'none' },
        source_cidrs: ['10.40.128.0/25', '10.40.128.128/25'],
        ...(dnsServers ? { dns_servers: dnsServers } : {}),
        secret_arns: {},
        fill_after_deploy: [],
      },
    },
  });

describe('handoff document: DNS', () => {
  test('GIVEN the customer’s DNS servers THEN the firewall section asks to admit UDP and TCP DNS queries to each, with its port', () => {
    const doc = renderHandoff('acme', handoff(['172.20.0.53', '172.20.8.53:5353', '[fd00::53]:5300']));

    expect(doc).toContain(
      [
        'The gateway resolves `orders.acme.internal` through your DNS servers: from the same addresses, allow DNS queries (UDP and TCP) to',
        '',
        '- 172.20.0.53, port 53',
        '- 172.20.8.53, port 5353',
        '- fd00::53, port 5300',
      ].join('\n'),
    );
  });

  test('GIVEN no DNS servers (pinned addresses or the VPC resolver) THEN the document asks for no DNS', () => {
    expect(renderHandoff('acme', handoff())).not.toContain('DNS');
  });
});
