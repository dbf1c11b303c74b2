/**
 * Synthesizes the example apps (the single-stack showcase and the multi-stack example) into one directory,
 * without planning: the second provider line's pass (`tsx --tsconfig tsconfig.provider-aws-21.json
 * scripts/synth-examples.ts <outdir>`, run by test/examples/provider-aws-21.test.ts) uses it, since no
 * hashicorp/aws 6.x binary is at hand to plan with.
 *
 *   npx tsx scripts/synth-examples.ts [outdir]   # default cdktf.out
 */
import { join, resolve } from 'node:path';
import { buildExampleApp } from '../examples/main';
import { buildMultiStackApp } from '../examples/multi-stack/main';

const outdir = resolve(process.argv[2] ?? 'cdktf.out');
buildExampleApp(outdir).synth();
buildMultiStackApp(join(outdir, 'multi-stack')).app.synth();
console.log(`synthesized into ${outdir}`);
