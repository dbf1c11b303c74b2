/**
 * Where the platform's alarms go: typed subscriptions of the alarm topic (email, HTTPS, SQS, Lambda).
 * Without one, the alarms change state and nobody hears of it.
 */
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { servicePrincipal } from '../shared/partition';
import { subscriptionEndpoint as endpointOf } from './alarm-subscriptions-checks';

/** One subscription of the alarm topic. Build it with {@link AlarmSubscription}. */
export type AlarmSubscriptionSpec =
  | { readonly protocol: 'email'; readonly address: string }
  | { readonly protocol: 'https'; readonly url: string }
  | { readonly protocol: 'sqs'; readonly queueArn: string; readonly rawMessageDelivery: boolean }
  | { readonly protocol: 'lambda'; readonly functionArn: string };

/** Builders for {@link AlarmSubscriptionSpec}. */
export const AlarmSubscription = {
  /**
   * An email address. AWS sends a confirmation mail; until someone follows its link the subscription stays
   * "pending confirmation" and receives nothing (Terraform leaves a pending subscription in place on destroy).
   */
  email(address: string): AlarmSubscriptionSpec {
    return { protocol: 'email', address };
  },
  /**
   * An HTTPS endpoint (plain HTTP is refused: alarm messages name the platform's resources). It must
   * confirm the subscription by visiting the `SubscribeURL` of the first message SNS posts to it.
   */
  https(url: string): AlarmSubscriptionSpec {
    return { protocol: 'https', url };
  },
  /**
   * An SQS queue in the platform's account and region. Its queue policy must allow `sqs:SendMessage` from
   * `sns.amazonaws.com` with `aws:SourceArn` = the alarm topic's ARN (output `<platform>_alarm_topic_arn`),
   * and, if the queue is encrypted with a customer managed key, that key must let SNS use it.
   */
  sqs(queueArn: string, options: { rawMessageDelivery?: boolean } = {}): AlarmSubscriptionSpec {
    return { protocol: 'sqs', queueArn, rawMessageDelivery: options.rawMessageDelivery ?? false };
  },
  /** A Lambda function; the platform adds the permission for the alarm topic (only) to invoke it. */
  lambda(functionArn: string): AlarmSubscriptionSpec {
    return { protocol: 'lambda', functionArn };
  },
} as const;

/** Creates the subscriptions (and, for Lambda, the invoke permission) in `scope`. */
export function addAlarmSubscriptions(
  scope: Construct,
  platformName: string,
  topicArn: string,
  subscriptions: readonly AlarmSubscriptionSpec[],
): SnsTopicSubscription[] {
  return subscriptions.map((s) => {
    // Named by what it subscribes, so that reordering the list replaces nothing.
    const id = `Subscription-${s.protocol}-${createHash('sha256').update(endpointOf(s)).digest('hex').slice(0, 12)}`;
    if (s.protocol === 'lambda') {
      new LambdaPermission(scope, `${id}InvokePermission`, {
        // Statement ids are per function: two platforms may subscribe the same one.
        statementId: `AllowInvokeFromAlarmTopic-${platformName}`,
        action: 'lambda:InvokeFunction',
        functionName: s.functionArn,
        principal: servicePrincipal('sns'),
        sourceArn: topicArn,
      });
    }
    return new SnsTopicSubscription(scope, id, {
      topicArn,
      protocol: s.protocol,
      endpoint: endpointOf(s),
      ...(s.protocol === 'sqs' ? { rawMessageDelivery: s.rawMessageDelivery } : {}),
    });
  });
}
