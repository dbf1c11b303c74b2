/**
 * Pieces of an Apache httpd 2.4 configuration shared by the test servers (test/support/apache.ts) and
 * the VPN twin's on-premises side (scripts/vpn-twin/onprem.ts): Debian's module directory, the
 * `LoadModule` lines of the modules a configuration needs, and the htdigest format.
 */
import { createHash } from 'node:crypto';

/** Where Debian's apache2 package puts its modules. */
export const APACHE_MODULES = '/usr/lib/apache2/modules';

/**
 * One `LoadModule` per module (`auth_digest` → `auth_digest_module` from `mod_auth_digest.so`), each
 * inside `<IfModule !…>`, so that a module compiled into the binary is not loaded twice.
 */
export function loadModules(names: readonly string[], directory = APACHE_MODULES): string {
  return names
    .map(
      (name) =>
        `<IfModule !${name}_module>\n  LoadModule ${name}_module ${directory}/mod_${name}.so\n</IfModule>`,
    )
    .join('\n');
}

/** `user:realm:MD5(user:realm:password)`, the htdigest format. */
export function htdigestLine(username: string, realm: string, password: string): string {
  return `${username}:${realm}:${createHash('md5').update(`${username}:${realm}:${password}`).digest('hex')}`;
}
