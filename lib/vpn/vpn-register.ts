/**
 * The VPN's registrations, the checks that need every VPN of the app: the customer's device (address and ASN),
 * recorded app-wide, and the VPN's attachment point, ranges and inside blocks, recorded by the platform's
 * register (`platform-register.ts`). Not pure: a registration is kept, so that the next VPN is checked against it.
 */
import type { IConstruct } from 'constructs';
import type { GatewayPlatform } from '../platform/gateway-platform';
import { registerVpn, registeredVpns } from '../platform/platform-register';
import type { Cidr } from '../shared/cidr';
import type { Problem } from '../shared/problems';
import { isUnresolved, show } from '../shared/validation';
import type { SiteToSiteVpnOptions } from './site-to-site-vpn-props';
import { planSiteToSiteVpn } from './site-to-site-vpn-checks';

/** What registers a VPN: the platform, the customer, the VPN construct's path and the props it is built from. */
export interface SiteToSiteVpnRegistration {
  readonly platform: GatewayPlatform;
  readonly customerName: string;
  /** The path of the `SiteToSiteVpn` (or the one about to be created): it names the VPN in other VPNs' problems. */
  readonly constructPath: string;
  readonly options: SiteToSiteVpnOptions;
}

/**
 * Registers a VPN with the app (its device) and its platform, and returns the problems found there, named as the
 * VPN's props (`onPremCidrs`, `customerGatewayIp`): a parent reports them `within('vpn', …)`, with those of
 * `checkSiteToSiteVpnOptions`. Props with problems of their own are left out of the registration (an invalid
 * address registers no device; without an attachment point nothing is registered with the platform), the valid
 * rest is registered: conflicts with other VPNs are reported in the same synth as the props' own mistakes.
 * Registering the same construct path again does nothing: a parent can register the VPN before it creates it,
 * and the VPN then finds itself registered.
 */
export function registerSiteToSiteVpn(scope: IConstruct, registration: SiteToSiteVpnRegistration): Problem[] {
  const { platform, customerName, constructPath, options } = registration;
  if (isSiteToSiteVpnRegistered(platform, constructPath)) return [];
  const plan = planSiteToSiteVpn(options, platform);
  const wrong = new Set(plan.problems.map((p) => p.prop));
  const problems: Problem[] = [];
  const device = ['customerGatewayIp', 'bgpAsn', 'routing'];
  if (!device.some((prop) => wrong.has(prop)) && !isUnresolved(options.customerGatewayIp)) {
    const shared = registerDevice(scope, {
      ip: options.customerGatewayIp,
      asn: plan.bgpAsn,
      customerName,
      platformName: platform.name,
      path: constructPath,
    });
    if (shared) {
      problems.push({
        prop: 'customerGatewayIp',
        message: `${options.customerGatewayIp} with BGP ASN ${plan.bgpAsn} is also customer ${show(shared.customerName)}'s device (${shared.path}): AWS keeps one customer gateway per type, address, ASN and device name, so two customers behind one device would share it. Give each customer its own device (address or ASN), or model them as one customer`,
      });
    }
  }
  if (plan.attachment && !wrong.has('routing')) {
    const found = registerVpn(platform, {
      customerName,
      constructPath,
      attachment: plan.attachment,
      onPremCidrs: plan.onPremCidrs,
      tunnelInsideCidrs: plan.insideCidrs.filter((c): c is Cidr => c !== undefined),
      routing: plan.routing,
      bgpOnSharedVpnGatewayReason: options.bgpOnSharedVpnGatewayReason,
    });
    problems.push(...found);
  }
  return problems;
}

/** True when the VPN at `constructPath` is registered (by itself, or by its parent before creating it). */
function isSiteToSiteVpnRegistered(platform: GatewayPlatform, constructPath: string): boolean {
  return registeredVpns(platform).some((r) => r.constructPath === constructPath);
}

interface DeviceRegistration {
  readonly ip: string;
  readonly asn: number;
  readonly customerName: string;
  readonly platformName: string;
  readonly path: string;
}

const devicesByApp = new WeakMap<IConstruct, DeviceRegistration[]>();

/**
 * Records a customer's device (address and ASN) in the app; returns another customer's registration of the
 * same device. The same customer on two platforms (staging and production) is one device with two tunnel
 * pairs, and the device names keep their gateways apart.
 */
function registerDevice(scope: IConstruct, device: DeviceRegistration): DeviceRegistration | undefined {
  const root = scope.node.root;
  const all = devicesByApp.get(root) ?? [];
  devicesByApp.set(root, all);
  const other = all.find(
    (d) => d.ip === device.ip && d.asn === device.asn && d.customerName !== device.customerName,
  );
  if (!other) all.push(device);
  return other;
}
