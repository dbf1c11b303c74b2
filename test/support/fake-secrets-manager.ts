/**
 * A loopback stand-in for the Secrets Manager API (JSON 1.1 protocol), for running the real hashicorp/aws
 * provider binary against it (`endpoints { secretsmanager = … }`): it answers the operations the
 * provider's secret, secret-policy and secret-version resources call, records every call with the
 * caller's access key, and evaluates one policy shape the way IAM would for it: a `Deny` of
 * `secretsmanager:GetSecretValue` with `StringNotEquals aws:PrincipalArn [...]`, the statement
 * BackendSecrets writes. Everything else is allowed (the caller is assumed to have IAM permissions).
 */
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';

export interface RecordedCall {
  readonly operation: string;
  /** The access key id of the SigV4 signature: which principal called. */
  readonly accessKeyId: string;
  readonly secretId?: string;
  readonly versionId?: string;
  /** The response: `ok` or the error type. */
  readonly outcome: string;
}

interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Array<{ Key: string; Value: string }>;
  policy?: string;
  deletedDate?: number;
  versions: Map<string, { value?: string; stages: string[]; created: number }>;
}

export interface FakeSecretsManagerOptions {
  readonly accountId: string;
  readonly region: string;
  /** The principal ARN behind each access key id. */
  readonly principals: Readonly<Record<string, string>>;
  /** Deny every GetSecretValue (what a secret whose policy omits the caller does, on a real account). */
  readonly denyAllReads?: boolean;
}

export class FakeSecretsManager {
  public readonly calls: RecordedCall[] = [];
  private readonly secrets = new Map<string, Secret>();
  private server?: Server;

  constructor(private readonly options: FakeSecretsManagerOptions) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** The calls that touched a secret's value (what the version resource does). */
  public valueCalls(): RecordedCall[] {
    return this.calls.filter((c) =>
      ['PutSecretValue', 'GetSecretValue', 'UpdateSecretVersionStage'].includes(c.operation),
    );
  }

  private find(id: unknown): Secret | undefined {
    if (typeof id !== 'string') return undefined;
    return this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.name === id);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body =
      chunks.length > 0
        ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        : {};
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    const accessKeyId =
      /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '(unsigned)';
    const record = (outcome: string) =>
      this.calls.push({
        operation,
        accessKeyId,
        secretId:
          typeof body.SecretId === 'string'
            ? body.SecretId
            : typeof body.Name === 'string'
              ? body.Name
              : undefined,
        versionId: typeof body.VersionId === 'string' ? body.VersionId : undefined,
        outcome,
      });
    const reply = (status: number, payload: object) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    const fail = (type: string, message: string, status = 400) => {
      record(type);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
      res.end(JSON.stringify({ __type: type, message }));
    };
    const ok = (payload: object) => {
      record('ok');
      reply(200, payload);
    };

    const now = Math.floor(Date.now() / 1000);
    if (operation === 'CreateSecret') {
      const name = String(body.Name);
      const arn = `arn:aws:secretsmanager:${this.options.region}:${this.options.accountId}:secret:${name}-${randomBytes(3).toString('hex')}`;
      this.secrets.set(arn, {
        arn,
        name,
        description: body.Description as string | undefined,
        kmsKeyId: body.KmsKeyId as string | undefined,
        tags: (body.Tags as Secret['tags'] | undefined) ?? [],
        versions: new Map(),
      });
      return ok({ ARN: arn, Name: name });
    }
    const secret = this.find(body.SecretId);
    if (!secret) return fail('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    const ids = { ARN: secret.arn, Name: secret.name };
    switch (operation) {
      case 'DescribeSecret':
        return ok({
          ...ids,
          Description: secret.description,
          KmsKeyId: secret.kmsKeyId,
          Tags: secret.tags,
          ...(secret.deletedDate ? { DeletedDate: secret.deletedDate } : {}),
          VersionIdsToStages: Object.fromEntries([...secret.versions].map(([id, v]) => [id, v.stages])),
        });
      case 'GetResourcePolicy':
        return ok({ ...ids, ...(secret.policy ? { ResourcePolicy: secret.policy } : {}) });
      case 'PutResourcePolicy':
        secret.policy = String(body.ResourcePolicy);
        return ok(ids);
      case 'DeleteResourcePolicy':
        secret.policy = undefined;
        return ok(ids);
      case 'TagResource':
      case 'UntagResource':
        return ok({});
      case 'PutSecretValue': {
        const versionId = String(body.ClientRequestToken ?? randomBytes(16).toString('hex'));
        for (const v of secret.versions.values())
          v.stages = v.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : [];
        secret.versions.set(versionId, {
          value: body.SecretString as string | undefined,
          stages: ['AWSCURRENT'],
          created: now,
        });
        return ok({ ...ids, VersionId: versionId, VersionStages: ['AWSCURRENT'] });
      }
      case 'GetSecretValue': {
        if (!this.mayRead(secret, accessKeyId)) {
          return fail(
            'AccessDeniedException',
            `User: ${this.options.principals[accessKeyId] ?? accessKeyId} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret.arn} with an explicit deny in a resource-based policy`,
          );
        }
        const versionId =
          typeof body.VersionId === 'string'
            ? body.VersionId
            : [...secret.versions].find(([, v]) => v.stages.includes('AWSCURRENT'))?.[0];
        const version = versionId ? secret.versions.get(versionId) : undefined;
        if (!version)
          return fail('ResourceNotFoundException', "Secrets Manager can't find the specified secret value.");
        return ok({
          ...ids,
          VersionId: versionId,
          SecretString: version.value,
          VersionStages: version.stages,
          CreatedDate: version.created,
        });
      }
      case 'DeleteSecret':
        secret.deletedDate = now;
        return ok({ ...ids, DeletionDate: now + 7 * 86400 });
      default:
        return fail('UnknownOperationException', `the fake does not answer ${operation}`);
    }
  }

  /** IAM's answer for the one policy shape BackendSecrets writes: an explicit deny unless the caller is listed. */
  private mayRead(secret: Secret, accessKeyId: string): boolean {
    if (this.options.denyAllReads) return false;
    if (!secret.policy) return true;
    const caller = this.options.principals[accessKeyId];
    const statements = (JSON.parse(secret.policy) as { Statement: Array<Record<string, unknown>> }).Statement;
    return !statements.some((s) => {
      if (s.Effect !== 'Deny') return false;
      const actions = ([] as unknown[]).concat(s.Action);
      if (!actions.includes('secretsmanager:GetSecretValue')) return false;
      const allowed = ([] as unknown[]).concat(
        (s.Condition as { StringNotEquals?: Record<string, unknown> } | undefined)?.StringNotEquals?.[
          'aws:PrincipalArn'
        ] ?? [],
      );
      return !allowed.includes(caller);
    });
  }
}
