/**
 * The esbuild plugin that makes one family's Lambda bundle (lib/runtime/runtime-families.ts): every scheme
 * factory OUTSIDE the family, as gateway-runtime/src/schemes/index.ts imports it (`import { createXxxScheme }
 * from './xxx'`), becomes a stand-in module exporting the same name, which throws the runtime's ConfigError:
 *
 *   security.type: "digest" is not in this Lambda bundle (family "sigv4": none, sigv4); the constructs deploy
 *   the "standard" bundle for it, or build one with npm run build:runtime -- DIR --family standard
 *
 * The Lambda adapter catches it when it creates the gateway (at the first request) and answers every request
 * 500 CONFIG_INVALID, logging the problem. Only imports made by schemes/index.ts are replaced: a helper that a
 * family's own scheme imports from a left-out scheme's module (say `./basic`) stays real.
 *
 * An import of schemes/index.ts that SCHEME_FACTORIES does not name fails the build (a new scheme must join a
 * family); a factory the table names that schemes/index.ts does not import is simply not there to replace.
 * esbuild runs plugins only in its asynchronous API (`build`, not `buildSync`).
 */
import type { Plugin } from 'esbuild';
import { join, resolve } from 'node:path';
import { RUNTIME_FAMILIES, RuntimeFamily, SCHEME_FACTORIES } from '../../lib/runtime/runtime-families';

const SCHEMES_DIRECTORY = resolve(__dirname, '../../gateway-runtime/src/schemes');
/** The module whose factory imports the plugin sees. */
export const SCHEMES_INDEX = join(SCHEMES_DIRECTORY, 'index.ts');
const STAND_IN_NAMESPACE = 'backend-link-scheme-stand-in';

/**
 * The namespace of the stand-ins: the prefix of their paths in esbuild's metafile (`<namespace>:./digest`,
 * and `<namespace>:left-out` for their shared module).
 */
export const SCHEME_STAND_IN_NAMESPACE = STAND_IN_NAMESPACE;

/** The stand-ins' shared module (its path in the plugin's namespace): the one place the message is made. */
const LEFT_OUT_MODULE = 'left-out';
const LEFT_OUT_IMPORT = `${STAND_IN_NAMESPACE}/${LEFT_OUT_MODULE}`;

/**
 * The JavaScript of the stand-ins' shared module in `family`'s bundle: `leftOut(scheme, fallback)` throws the
 * ConfigError for the scheme's type (`fallback` when the config has none), naming the family that deploys it.
 */
export function leftOutSource(family: RuntimeFamily, errorsModule: string): string {
  // The family that deploys each scheme type (the first that holds it, as synth looks it up).
  const owners = Object.fromEntries(
    Object.keys(SCHEME_FACTORIES).map((type) => [
      type,
      RUNTIME_FAMILIES.find((f) => f.schemes.includes(type))?.name ?? '',
    ]),
  );
  const held = `(family ${JSON.stringify(family.name)}: ${family.schemes.join(', ')})`;
  return `import { ConfigError } from ${JSON.stringify(errorsModule)};
const OWNERS = ${JSON.stringify(owners)};
export function leftOut(scheme, fallback) {
  const type = scheme && typeof scheme.type === "string" ? scheme.type : fallback;
  const owner = OWNERS[type] || OWNERS[fallback];
  throw new ConfigError([{ path: "security.type", message: JSON.stringify(type) + ${JSON.stringify(
    ` is not in this Lambda bundle ${held}; the constructs deploy the "`,
  )} + owner + '" bundle for it, or build one with npm run build:runtime -- DIR --family ' + owner }]);
}
`;
}

/** The JavaScript of the stand-in for the factory module `specifier`: the factory, calling `leftOut`. */
export function standInSource(specifier: string): string {
  const entries = Object.entries(SCHEME_FACTORIES).filter(([, f]) => f.specifier === specifier);
  const [type, { factory }] = entries[0];
  return `import { leftOut } from ${JSON.stringify(LEFT_OUT_IMPORT)};
export function ${factory}(scheme) {
  leftOut(scheme, ${JSON.stringify(type)});
}
`;
}

/**
 * The plugin for `family`'s bundle. `schemesIndex` is the module whose imports are replaced (the runtime's
 * schemes/index.ts; a test may point it at another).
 */
export function schemeFamilyPlugin(family: RuntimeFamily, schemesIndex = SCHEMES_INDEX): Plugin {
  const known = new Set(Object.values(SCHEME_FACTORIES).map((f) => f.specifier));
  const kept = new Set(family.factories);
  const errorsModule = resolve(schemesIndex, '../../core/errors.ts');
  return {
    name: 'backend-link-scheme-family',
    setup(build) {
      build.onResolve({ filter: /^\.\/[^/]+$/ }, (args) => {
        if (args.importer !== schemesIndex) return undefined;
        if (!known.has(args.path)) {
          return {
            errors: [
              {
                text:
                  `gateway-runtime/src/schemes/index.ts imports ${JSON.stringify(args.path)}, which no scheme of ` +
                  `lib/runtime/runtime-families.ts names: add the scheme to SCHEME_FACTORIES (specifier and factory) ` +
                  `and to one family's schemes, so that it is in a Lambda bundle`,
              },
            ],
          };
        }
        if (kept.has(args.path)) return undefined;
        return { path: args.path, namespace: STAND_IN_NAMESPACE };
      });
      build.onResolve({ filter: new RegExp(`^${LEFT_OUT_IMPORT}$`) }, () => ({
        path: LEFT_OUT_MODULE,
        namespace: STAND_IN_NAMESPACE,
      }));
      build.onLoad({ filter: /.*/, namespace: STAND_IN_NAMESPACE }, (args) => ({
        contents:
          args.path === LEFT_OUT_MODULE ? leftOutSource(family, errorsModule) : standInSource(args.path),
        loader: 'js',
        resolveDir: SCHEMES_DIRECTORY,
      }));
    },
  };
}
