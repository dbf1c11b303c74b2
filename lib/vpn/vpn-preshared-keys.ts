/** The resource policy of the secret AWS creates for a VPN's pre-shared keys. */
import { Fn } from 'cdktf';
import type { Construct } from 'constructs';
import { SecretsmanagerSecretPolicy } from '@cdktf/provider-aws/lib/secretsmanager-secret-policy';

/**
 * The secret AWS created for the pre-shared keys (`presharedKeyArn`) gets backend-link's discipline: reading the
 * value is denied to every principal but the declared readers and the Site-to-Site VPN service-linked role (which
 * the service uses on its `s2svpn!*` secrets), and public policies are blocked. The account is taken from the
 * secret's ARN, so no data source is needed.
 */
export function addPresharedKeyPolicy(
  scope: Construct,
  presharedKeyArn: string,
  partition: string,
  readers: readonly string[],
): SecretsmanagerSecretPolicy {
  const account = Fn.element(Fn.split(':', presharedKeyArn), 4);
  const serviceRole = `arn:${partition}:iam::${account}:role/aws-service-role/s2svpn.amazonaws.com/AWSServiceRoleForVPCS2SVPN`;
  return new SecretsmanagerSecretPolicy(scope, 'PresharedKeyPolicy', {
    secretArn: presharedKeyArn,
    blockPublicPolicy: true,
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyTheDeclaredReadersReadThePresharedKeys',
          Effect: 'Deny',
          Principal: '*',
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: {
            StringNotEquals: { 'aws:PrincipalArn': [...readers, serviceRole] },
            // A call by an AWS service principal carries no aws:PrincipalArn: never deny the service itself.
            BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
          },
        },
      ],
    }),
  });
}
