import { describeProblem, within } from '../../../lib/shared/problems';
import { ProblemList, problem, renamed } from '../../../lib/shared/problem-list';
import { checkPrincipalArns } from '../../../lib/shared/validation';

describe('ProblemList', () => {
  test.each([
    [
      '`accountId` "12345" is not a 12-digit AWS account id',
      'accountId',
      '"12345" is not a 12-digit AWS account id',
    ],
    ['`sources[0].cidr` 0.0.0.0/0 admits any address', 'sources[0].cidr', '0.0.0.0/0 admits any address'],
    ['give `backend.cidrs` when there is no `vpn`', '', 'give `backend.cidrs` when there is no `vpn`'],
    ['`runtime.timeouts.connectMs`: must be a number', '', '`runtime.timeouts.connectMs`: must be a number'],
    ['`` is odd', '', '`` is odd'],
  ])(
    'GIVEN the sentence %j THEN the prop is %j and the sentence reads the same',
    (sentence, prop, message) => {
      const list = new ProblemList();
      list.add(sentence);
      expect(list.problems).toEqual([{ prop, message }]);
      expect(describeProblem(list.problems[0])).toBe(sentence);
      expect(list.count).toBe(1);
    },
  );

  test('GIVEN a shared string check THEN a parent prefixes its problems with within, the messages unchanged', () => {
    const list = new ProblemList();
    checkPrincipalArns(list, 'additionalReaderArns', ['arn:aws:iam::123456789012:role/*']);
    expect(within('secrets', list.problems).map(describeProblem)).toEqual([
      '`secrets.additionalReaderArns[0]` "arn:aws:iam::123456789012:role/*" has a wildcard: it would let any matching principal read the secrets; give the ARNs of IAM roles or users',
    ]);
  });

  test('GIVEN structured problems THEN addAll keeps them and counts them', () => {
    const list = new ProblemList();
    list.addAll([problem('port', 0, 'must be 1-65535'), problem('name', undefined, 'is empty')]);
    expect(list.count).toBe(2);
    expect(list.problems).toEqual([
      { prop: 'port', value: 0, message: 'must be 1-65535' },
      { prop: 'name', message: 'is empty' },
    ]);
  });
});

describe('renamed', () => {
  test.each([
    ['sources', 'trustedSources'],
    ['sources[2].cidr', 'trustedSources[2].cidr'],
    ['networkAclCidrs[0]', 'trustedNetworkAclCidrs[0]'],
    ['ports[0]', 'ports[0]'],
    ['sourcesExtra', 'sourcesExtra'],
    ['', ''],
  ])('GIVEN the child prop %j THEN the parent reads %j', (prop, expected) => {
    const [p] = renamed([{ prop, message: 'm' }], {
      sources: 'trustedSources',
      networkAclCidrs: 'trustedNetworkAclCidrs',
    });
    expect(p).toEqual({ prop: expected, message: 'm' });
  });
});
