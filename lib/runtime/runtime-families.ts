/**
 * The Lambda bundle's scheme families: the one table both the package build (scripts/build-runtime.ts,
 * through the esbuild plugin of scripts/runtime-bundle/families.ts) and synth (lib/runtime/runtime-bundle.ts,
 * `bundleGatewayRuntime`) read. It imports nothing, esbuild least of all: a user's synth loads it.
 *
 * Why families: issue 22 adds RFC 9421 message signatures (~8 KB minified), AWS SigV4 (~13 KB) and the OAuth
 * client authentication methods (~3 KB) to a Lambda bundle of 187,915 bytes; with all of them it measured
 * 211 KB, over the 200,000-byte budget (issue 13: a bundle that loads fast at every cold start). A customer
 * runs one scheme, so the package builds ONE LAMBDA BUNDLE PER FAMILY of schemes and synth deploys the one of
 * the customer's `security.type`. With the three wired, one bundle of the static-credential schemes and OAuth
 * measured 199,622 bytes (378 under the budget): OAuth 2.0 (its token client and the five client
 * authentication methods, ~8 KB) is a family of its own, so every family has room to grow. Everything that is not a header scheme (mTLS, trusted sources, DNS, the
 * proxy, the adapters) is in every family; so is `none`.
 *
 * In a family's bundle, each scheme factory OUTSIDE the family, as schemes/index.ts imports it, is a stand-in
 * that throws the runtime's ConfigError naming `security.type`, the family and the fix (a bundle brought with
 * `runtimeBundleDirectory` that does not hold the configured scheme answers every request 500
 * CONFIG_INVALID and logs why). A factory the table names that schemes/index.ts does not import (yet) is not
 * replaced; an import of schemes/index.ts the table does not name fails the build, so a new scheme can not
 * land in no family. The standalone proxy (dist/gateway-runtime.js) holds every scheme.
 */

/** A scheme factory as gateway-runtime/src/schemes/index.ts imports it: `import { factory } from specifier`. */
export interface SchemeFactory {
  /** The module specifier, relative to gateway-runtime/src/schemes/ (e.g. `./digest`). */
  readonly specifier: string;
  /** The factory's exported name (e.g. `createDigestScheme`). */
  readonly factory: string;
}

/**
 * Every header scheme's factory, by `security.type` (`none` has none: schemes/index.ts builds it inline).
 */
export const SCHEME_FACTORIES: Readonly<Record<string, SchemeFactory>> = {
  basic: { specifier: './basic', factory: 'createBasicScheme' },
  digest: { specifier: './digest', factory: 'createDigestScheme' },
  token: { specifier: './token', factory: 'createTokenScheme' },
  signature: { specifier: './signature', factory: 'createSignatureScheme' },
  'oauth2-client-credentials': { specifier: './oauth2', factory: 'createOAuth2Scheme' },
  'message-signature': { specifier: './message-signature', factory: 'createMessageSignatureScheme' },
  sigv4: { specifier: './sigv4', factory: 'createSigV4Scheme' },
};

/** One Lambda bundle: the schemes it holds and where the package ships it. */
export interface RuntimeFamily {
  /** The family's name (the manifest's `family`). */
  readonly name: string;
  /**
   * The bundle's directory under the package's dist/runtime/: `lambda` for `standard` (the directory the
   * package shipped before the families, so existing paths hold), `lambda-<name>` for the others.
   */
  readonly directory: string;
  /** The `security.type` values the bundle holds (`none` first: every family holds it). */
  readonly schemes: readonly string[];
  /** The specifiers of the factories the bundle holds (SCHEME_FACTORIES of `schemes`). */
  readonly factories: readonly string[];
}

function family(name: string, directory: string, schemes: readonly string[]): RuntimeFamily {
  const factories = schemes.map((scheme) => {
    const known = SCHEME_FACTORIES[scheme];
    if (!known) throw new Error(`runtime family "${name}": scheme "${scheme}" has no SCHEME_FACTORIES entry`);
    return known.specifier;
  });
  return { name, directory, schemes: ['none', ...schemes], factories };
}

/** The name of the family synth deploys for `none` and the default of `npm run build:runtime -- DIR`. */
export const DEFAULT_RUNTIME_FAMILY = 'standard';

/**
 * The families, in the order synth looks a scheme up (`none` is in each; it deploys the first, `standard`).
 * Sizes (minified, `@aws-sdk/*` external): see README "The Lambda bundle" and `npx tsx
 * scripts/runtime-bundle/breakdown.ts`.
 */
export const RUNTIME_FAMILIES: readonly RuntimeFamily[] = [
  family(DEFAULT_RUNTIME_FAMILY, 'lambda', ['basic', 'digest', 'token', 'signature']),
  family('oauth2', 'lambda-oauth2', ['oauth2-client-credentials']),
  family('message-signature', 'lambda-message-signature', ['message-signature']),
  family('sigv4', 'lambda-sigv4', ['sigv4']),
];

/** The family named `name`; throws naming the families there are. */
export function runtimeFamilyNamed(name: string): RuntimeFamily {
  const found = RUNTIME_FAMILIES.find((f) => f.name === name);
  if (!found) {
    throw new Error(
      `runtime family ${JSON.stringify(name)} does not exist: the families are ${RUNTIME_FAMILIES.map((f) => f.name).join(', ')}`,
    );
  }
  return found;
}

/**
 * The family synth deploys for a customer's `security.type`: the first that holds it (`standard` for
 * `none`). Throws naming the type when no family holds it (the table is behind the config).
 */
export function runtimeFamilyOf(schemeType: string): RuntimeFamily {
  const found = RUNTIME_FAMILIES.find((f) => f.schemes.includes(schemeType));
  if (!found) {
    throw new Error(
      `security.type ${JSON.stringify(schemeType)} is in no Lambda bundle family (lib/runtime/runtime-families.ts: ` +
        `${RUNTIME_FAMILIES.map((f) => `${f.name}: ${f.schemes.join(', ')}`).join('; ')}); add it to one`,
    );
  }
  return found;
}
