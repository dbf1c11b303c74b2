/**
 * Construct ids keyed by content. A construct id is part of a resource's Terraform address: an id taken
 * from a list position moves every later resource when an entry is added or removed in the middle, and
 * Terraform then destroys and re-creates them. Ids from content (a range, a port) stay put.
 */
import { Token } from 'cdktf';

/**
 * A construct id for a CIDR block (`10.40.0.0/24` → `10.40.0.0_24`). A block that is a token (known only to
 * Terraform) has no content yet: `token-<position>` stands in for it.
 */
export function cidrConstructId(cidr: string, position: number): string {
  return Token.isUnresolved(cidr) ? `token-${position}` : cidr.replace(/[/:]/g, '_');
}

/** A construct id for a destination and port (`10.40.0.0_24-443`). */
export function destinationConstructId(cidr: string, port: number, position: number): string {
  return `${cidrConstructId(cidr, position)}-${Token.isUnresolved(port) ? `port${position}` : port}`;
}
