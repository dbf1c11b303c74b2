/** The platform's alarm topic, when it creates one: an SNS topic encrypted with its own KMS key. */
import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { standardTags } from '../shared/names';
import { servicePrincipal } from '../shared/partition';
import { ALARM_TOPIC_KEY_DEFAULTS } from './platform-defaults';

/**
 * A new SNS topic, in `platform`'s `AlarmTopic` scope, encrypted with its own KMS key. CloudWatch alarms
 * can only publish to an encrypted topic when the key policy admits `cloudwatch.amazonaws.com`; the
 * AWS-managed `alias/aws/sns` key does not. The account id and partition are taken from the topic's ARN,
 * so no data source is needed.
 */
export function createAlarmTopic(
  platform: Construct,
  platformName: string,
  platformTags: Readonly<Record<string, string>>,
): SnsTopic {
  const scope = new Construct(platform, 'AlarmTopic');
  const tags = standardTags(platformName, `${platformName}-alarms`, platformTags);
  const key = new KmsKey(scope, 'Key', {
    ...ALARM_TOPIC_KEY_DEFAULTS,
    description: `Encrypts the alarm topic of backend-link platform ${platformName}`,
    tags,
  });
  const topic = new SnsTopic(scope, 'Resource', {
    name: `${platformName}-alarms`,
    kmsMasterKeyId: key.arn,
    tags: standardTags(platformName, `${platformName}-alarms`, platformTags),
  });
  const partition = Fn.element(Fn.split(':', topic.arn), 1);
  const account = Fn.element(Fn.split(':', topic.arn), 4);
  const region = Fn.element(Fn.split(':', topic.arn), 3);
  new KmsKeyPolicy(scope, 'KeyPolicy', {
    keyId: key.id,
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AccountAdministers',
          Effect: 'Allow',
          Principal: { AWS: `arn:${partition}:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          // Only alarms of this account and region (no confused deputy through another account's alarm).
          Sid: 'CloudWatchAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: servicePrincipal('cloudwatch') },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
          },
        },
      ],
    }),
  });
  return topic;
}
