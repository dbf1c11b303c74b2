/**
 * The SigV4 scheme's value rules (`security.type: "sigv4"`), apart from the scheme itself: the
 * definition's fields (definition.ts), the validator's cross-field rules (validate.ts) and the scheme's
 * own option check (schemes/sigv4.ts, aws-credentials.ts) all read them from here, so the validator
 * never imports the scheme's modules (the Lambda bundles of other scheme families replace those).
 */

/** An AWS region name: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`. */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
/** A service signing name: lower case letters, digits and `-`. */
export const AWS_SERVICE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Services that accept `UNSIGNED-PAYLOAD`. */
export const UNSIGNED_PAYLOAD_SERVICES: ReadonlySet<string> = new Set(['s3']);
/** ARN of an IAM role, any partition. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** RoleSessionName: 2..64 of `[\w+=,.@-]`. */
export const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** ExternalId: 2..1224 of `[\w+=,.@:/-]`. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** STS's limits on `DurationSeconds`. */
export const MIN_ASSUME_ROLE_DURATION_SECONDS = 900;
export const MAX_ASSUME_ROLE_DURATION_SECONDS = 43_200;
/** Headers the scheme sets itself (the caller's values are dropped; they can not be listed to sign). */
export const SIGV4_SCHEME_HEADERS = [
  'authorization',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-security-token',
] as const;
/** A header name to sign: an RFC 9110 token in lower case, not one the scheme sets itself. */
export const SIGV4_SIGNED_HEADER =
  /^(?!(authorization|x-amz-date|x-amz-content-sha256|x-amz-security-token)$)[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** What AWS_REGION requires, for messages. */
export const AWS_REGION_RULE = 'is not an AWS region name (e.g. "eu-west-1")';
/** What ROLE_ARN requires, for messages. */
export const ROLE_ARN_RULE = 'is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)';
/** An STS endpoint URL: https://, or http:// to a loopback host (a test's stand-in). */
export const STS_ENDPOINT =
  /^(https:\/\/[^\s/?#@]+|http:\/\/(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?)(\/[^\s?#]*)?$/;
/** The `credentials` fields that only `source: "assume-role"` reads. */
export const ASSUME_ROLE_FIELDS = [
  'roleArn',
  'externalId',
  'sessionName',
  'durationSeconds',
  'stsRegion',
  'stsEndpoint',
  'baseCredentials',
] as const;

/** The SigV4 section as far as its cross-field rules read it (values not yet known to be valid). */
export interface SigV4RuleInput {
  readonly service?: unknown;
  readonly payload?: unknown;
  readonly credentials?: unknown;
}

/**
 * The rules between fields of a SigV4 section, as `{ path, message }`: `payload: "unsigned"` only for a
 * service that accepts UNSIGNED-PAYLOAD; `credentials.roleArn` required with `source: "assume-role"`;
 * the assume-role fields only with that source. A field of the wrong kind is left to the field checks.
 */
export function sigV4CrossFieldProblems(
  s: SigV4RuleInput,
  path = 'security',
): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (
    s.payload === 'unsigned' &&
    typeof s.service === 'string' &&
    !UNSIGNED_PAYLOAD_SERVICES.has(s.service)
  ) {
    problems.push({
      path: `${path}.payload`,
      message: `"unsigned" (UNSIGNED-PAYLOAD) is accepted only by ${[...UNSIGNED_PAYLOAD_SERVICES].join(', ')}, not by service ${JSON.stringify(s.service)}`,
    });
  }
  const c = s.credentials;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return problems;
  const credentials = c as Record<string, unknown>;
  const source = credentials.source ?? 'environment';
  if (source === 'assume-role') {
    if (credentials.roleArn === undefined) {
      problems.push({
        path: `${path}.credentials.roleArn`,
        message: 'is required with "source": "assume-role" (the ARN of the role to assume)',
      });
    }
  } else if (source === 'environment' || source === 'container') {
    for (const field of ASSUME_ROLE_FIELDS) {
      if (credentials[field] !== undefined) {
        problems.push({
          path: `${path}.credentials.${field}`,
          message: `applies only with "source": "assume-role", not ${JSON.stringify(source)}`,
        });
      }
    }
  }
  return problems;
}
