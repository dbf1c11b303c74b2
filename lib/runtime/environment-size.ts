import {
  DefaultTokenResolver,
  StringConcat,
  TerraformResource,
  TerraformStack,
  Token,
  Tokenization,
} from 'cdktf';
import type { IConstruct } from 'constructs';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';

/**
 * Lambda's 4 KB limit on a function's environment, measured before deployment.
 *
 * Lambda measures the JSON form of the variables map (its InvalidParameterValueException says "String
 * measured: {"KEY":"value",...}", values with escaped quotes; quoted in terraform-aws-github-runner issue
 * #3594), so quotes inside a JSON value count twice. A value that holds tokens (secret ARNs known only
 * after apply) is measured with each token replaced by the longest form it can take, so that a document
 * that passes here also passes at apply time.
 */

/** The longest partition name (`aws-us-gov`; `aws`, `aws-cn`, `aws-iso-b`, ... are shorter). */
const LONGEST_PARTITION = 'aws-us-gov';
/** Secrets Manager names are at most 512 characters. */
const MAX_SECRET_NAME_LENGTH = 512;
/** Secrets Manager appends a hyphen and six random characters to the name in a secret's ARN. */
const SECRET_ARN_SUFFIX = '-AbCdEf';
/** Terraform's `name_prefix` appends a 26-character unique id. */
const NAME_PREFIX_SUFFIX_LENGTH = 26;

/** Where the ARNs will live, for their longest form. */
export interface ArnContext {
  readonly region: string;
  readonly accountId: string;
}

/** The longest ARN a secret of this name can have (the partition at its longest). */
export function longestSecretArn(context: ArnContext, name: string): string {
  return `arn:${LONGEST_PARTITION}:secretsmanager:${context.region}:${context.accountId}:secret:${name}${SECRET_ARN_SUFFIX}`;
}

const TOKEN_MARKER = /\$\{TfToken\[TOKEN\.\d+\]\}/g;
const RESOURCE_REFERENCE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(arn|id)\}$/;

/**
 * The longest real value of one token: a secret's ARN when the token refers to the ARN (or id) of a
 * Secrets Manager secret of the stack (with its declared name, or a name of the longest allowed length),
 * and otherwise an ARN of a secret with the longest allowed name: the configuration holds only secret ARNs
 * as tokens.
 */
function longestValueOf(scope: IConstruct, marker: string, context: ArnContext): string {
  const unknown = longestSecretArn(context, 'x'.repeat(MAX_SECRET_NAME_LENGTH));
  let resolved: unknown;
  try {
    resolved = Tokenization.resolve(marker, {
      scope: TerraformStack.of(scope),
      resolver: new DefaultTokenResolver(new StringConcat()),
    });
  } catch {
    return unknown;
  }
  const match = typeof resolved === 'string' ? RESOURCE_REFERENCE.exec(resolved) : null;
  if (!match || match[1] !== 'aws_secretsmanager_secret') return unknown;
  const stack = TerraformStack.of(scope);
  const secret = stack.node
    .findAll()
    .find(
      (c): c is SecretsmanagerSecret =>
        c instanceof TerraformResource &&
        c.terraformResourceType === 'aws_secretsmanager_secret' &&
        stack.getLogicalId(c) === match[2],
    );
  const name = secret?.nameInput;
  if (name !== undefined && !Token.isUnresolved(name)) return longestSecretArn(context, name);
  const prefix = secret?.namePrefixInput;
  if (prefix !== undefined && !Token.isUnresolved(prefix)) {
    return longestSecretArn(context, prefix + 'x'.repeat(NAME_PREFIX_SUFFIX_LENGTH));
  }
  return unknown;
}

/** The environment's variables with every token replaced by its longest real value. */
export function withLongestValues(
  scope: IConstruct,
  variables: Readonly<Record<string, string>>,
  context: ArnContext,
): Record<string, string> {
  const cache = new Map<string, string>();
  const replace = (text: string) =>
    text.replace(TOKEN_MARKER, (marker) => {
      if (!cache.has(marker)) cache.set(marker, longestValueOf(scope, marker, context));
      return cache.get(marker)!;
    });
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, replace(v)]));
}

/** The size Lambda measures: the UTF-8 bytes of the variables map as JSON. */
export function environmentBytes(variables: Readonly<Record<string, string>>): number {
  return Buffer.byteLength(JSON.stringify(variables), 'utf8');
}

/** The longest string values of a JSON document, with their paths (`backend.url`), longest first. */
export function largestValues(document: unknown, count: number): Array<{ path: string; bytes: number }> {
  const found: Array<{ path: string; bytes: number }> = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') found.push({ path, bytes: Buffer.byteLength(JSON.stringify(value)) });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    }
  };
  walk(document, '');
  return found.sort((a, b) => b.bytes - a.bytes).slice(0, count);
}
