import { TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { ValidationError } from '../../lib/shared/validation';

/** A stack with an aws provider, built inside a test app. */
export function testStack(id = 'test'): TerraformStack {
  const app = Testing.app();
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  return stack;
}

/**
 * Runs `fn` and returns the ValidationError it throws; fails the test when it throws anything else or nothing.
 * Constructs report problems instead of throwing (lib/shared/problems.ts) and the synth throws them all: when `fn`
 * returns a construct, its stack is synthesized, as `cdktf synth` would.
 */
export function validationErrorOf(fn: () => unknown): ValidationError {
  try {
    const result = fn();
    if (Construct.isConstruct(result)) Testing.synth(TerraformStack.of(result), true);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, but neither the call nor the synth threw');
}

/** Synthesizes a scope built by `build` and returns the parsed Terraform JSON. */
export function synthJson(build: (scope: Construct) => void): {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
} {
  return JSON.parse(Testing.synthScope(build));
}
