/** Pure checks of the platform's `alarmSubscriptions` (see `alarm-subscriptions.ts`). */
import type { Partition } from '../shared/partition';
import type { Problem } from '../shared/problems';
import { isUnresolved, show } from '../shared/validation';
import type { AlarmSubscriptionSpec } from './alarm-subscriptions';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SQS_ARN = /^arn:aws(-cn|-us-gov)?:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const LAMBDA_ARN =
  /^arn:aws(-cn|-us-gov)?:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;

/** The problems of every subscription that is not well formed, or listed twice, or in another partition. */
export function checkAlarmSubscriptions(
  subscriptions: readonly AlarmSubscriptionSpec[],
  partition: Partition,
): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  subscriptions.forEach((s, i) => {
    const prop = `alarmSubscriptions[${i}]`;
    const endpoint = subscriptionEndpoint(s);
    if (isUnresolved(endpoint)) return;
    if (seen.has(`${s.protocol} ${endpoint}`)) {
      problems.push({ prop, message: `${s.protocol} ${show(endpoint)} is listed twice` });
    }
    seen.add(`${s.protocol} ${endpoint}`);
    switch (s.protocol) {
      case 'email':
        if (!EMAIL.test(s.address))
          problems.push({ prop, value: s.address, message: 'is not an email address' });
        break;
      case 'https': {
        let url: URL | undefined;
        try {
          url = new URL(s.url);
        } catch {
          url = undefined;
        }
        if (!url || url.protocol !== 'https:') {
          problems.push({
            prop,
            value: s.url,
            message:
              "is not an https:// URL (plain HTTP is refused: alarm messages name the platform's resources)",
          });
        }
        break;
      }
      case 'sqs':
      case 'lambda': {
        const arn = s.protocol === 'sqs' ? s.queueArn : s.functionArn;
        const pattern = s.protocol === 'sqs' ? SQS_ARN : LAMBDA_ARN;
        if (!pattern.test(arn)) {
          problems.push({
            prop,
            value: arn,
            message: `is not ${s.protocol === 'sqs' ? 'an SQS queue' : 'a Lambda function'} ARN`,
          });
        } else if (arn.split(':')[1] !== partition) {
          problems.push({
            prop,
            value: arn,
            message: `is in partition ${arn.split(':')[1]}, the platform in ${partition}`,
          });
        }
        break;
      }
      default:
        problems.push({
          prop,
          message: `protocol ${show((s as { protocol: unknown }).protocol)} is not email, https, sqs or lambda`,
        });
    }
  });
  return problems;
}

/** What a subscription subscribes: the address, URL or ARN (also what its construct id is keyed by). */
export function subscriptionEndpoint(s: AlarmSubscriptionSpec): string {
  switch (s.protocol) {
    case 'email':
      return s.address;
    case 'https':
      return s.url;
    case 'sqs':
      return s.queueArn;
    case 'lambda':
      return s.functionArn;
  }
}
