/**
 * Where a piece of secret material comes from. A secret value is never a plain string prop: it lives in
 * Secrets Manager, is put there after deployment, or is written through a write-only Terraform argument
 * from an ephemeral variable, so that it is in neither the Terraform state nor the plan.
 */

/** The kinds of secret material a backend-security scheme needs, and the JSON keys of each secret. */
export type SecretMaterialKind =
  | 'credentials'
  | 'token'
  | 'client-certificate'
  | 'ca-bundle'
  | 'signing-key'
  | 'message-signing-key'
  | 'oauth-client-secret';

export interface SecretMaterialShape {
  readonly description: string;
  /** JSON keys the secret string must have. */
  readonly requiredKeys: readonly string[];
  /** JSON keys the secret string may have. */
  readonly optionalKeys: readonly string[];
}

/** Every secret backend-link creates is a JSON object with these keys. */
export const SECRET_MATERIAL: Readonly<Record<SecretMaterialKind, SecretMaterialShape>> = {
  credentials: {
    description: 'user name and password',
    requiredKeys: ['username', 'password'],
    optionalKeys: [],
  },
  token: { description: 'API token', requiredKeys: ['token'], optionalKeys: [] },
  'client-certificate': {
    description: 'client certificate (PEM, with chain) and private key (PEM)',
    requiredKeys: ['certificate', 'privateKey'],
    optionalKeys: ['passphrase'],
  },
  'ca-bundle': { description: 'CA bundle (PEM)', requiredKeys: ['caBundle'], optionalKeys: [] },
  'signing-key': {
    description: 'HMAC secret, or private key (PEM: RSA, EC P-256 or Ed25519)',
    requiredKeys: ['key'],
    optionalKeys: [],
  },
  'message-signing-key': {
    description: 'RFC 9421 message signing key: private key (PEM) or HMAC secret',
    requiredKeys: ['key'],
    optionalKeys: [],
  },
  'oauth-client-secret': {
    description: 'OAuth 2.0 client secret',
    requiredKeys: ['clientSecret'],
    optionalKeys: [],
  },
};

export interface ExistingSecretSource {
  readonly kind: 'existing';
  readonly secretArn: string;
  /** Maps backend-link's JSON keys to the keys the existing secret uses. */
  readonly jsonKeys: Readonly<Record<string, string>>;
}

export interface FillAfterDeploySource {
  readonly kind: 'fill-after-deploy';
}

export interface WriteOnlySource {
  readonly kind: 'write-only';
  /** Bump it to write a new value. */
  readonly version: number;
  /** @default - `<customer>_<secret>` with `-` replaced by `_` */
  readonly variableName?: string;
}

export type SecretSourceSpec = ExistingSecretSource | FillAfterDeploySource | WriteOnlySource;

/** Builders for {@link SecretSourceSpec}. */
export const SecretSource = {
  /**
   * A secret that already exists in Secrets Manager. Its string must be JSON with backend-link's keys for the
   * material (see `SECRET_MATERIAL`), unless `jsonKeys` maps them to the secret's own keys. The runtime role
   * is granted `GetSecretValue` on it; if the secret uses a customer-managed KMS key, grant `kms:Decrypt` on
   * that key yourself.
   */
  fromExistingSecret(
    secretArn: string,
    options: { jsonKeys?: Record<string, string> } = {},
  ): SecretSourceSpec {
    return { kind: 'existing', secretArn, jsonKeys: { ...(options.jsonKeys ?? {}) } };
  },
  /** backend-link creates the secret empty; put the value after deployment (the handoff document shows the command). */
  fillAfterDeploy(): SecretSourceSpec {
    return { kind: 'fill-after-deploy' };
  },
  /**
   * backend-link creates the secret and writes its value from an ephemeral, sensitive Terraform variable through
   * the write-only `secret_string_wo` argument (Terraform ≥ 1.11): the value is in neither the state nor the
   * plan. Pass the value as JSON with `TF_VAR_<name>` when you apply; bump `version` to write a new value.
   * Needs `deployerPrincipalArn` (the role Terraform applies with): hashicorp/aws 5.x reads the version back
   * with GetSecretValue on create, refresh and delete (terraform-provider-aws #42383).
   */
  fromWriteOnlyVariable(options: { version: number; variableName?: string }): SecretSourceSpec {
    return { kind: 'write-only', version: options.version, variableName: options.variableName };
  },
} as const;

/** Every JSON key a secret of this material may have: the required ones, then the optional ones. */
export function materialKeys(material: SecretMaterialKind): string[] {
  const shape = SECRET_MATERIAL[material];
  return [...shape.requiredKeys, ...shape.optionalKeys];
}

const SECRET_SOURCE_KINDS: ReadonlySet<string> = new Set<SecretSourceSpec['kind']>([
  'existing',
  'fill-after-deploy',
  'write-only',
]);

/** What a value is, in words that never show it: `a string`, `an object without a known \`kind\``. */
function describeNonSource(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object without a known `kind`';
  return `a ${typeof value}`;
}

/**
 * Why `value` is not a {@link SecretSourceSpec}, or undefined when it is one. A plain string given where a
 * source belongs (from JavaScript, or through a cast) is most likely the secret itself: the message names
 * the prop and what kind of value came, never the value. An absent optional source is no problem.
 */
export function secretSourceProblem(
  prop: string,
  value: unknown,
  options: { readonly optional?: boolean } = {},
): string | undefined {
  if (value === undefined && options.optional) return undefined;
  const kind =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as { kind?: unknown }).kind
      : undefined;
  if (typeof kind === 'string' && SECRET_SOURCE_KINDS.has(kind)) return undefined;
  return `\`${prop}\` is ${describeNonSource(value)}, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })`;
}
