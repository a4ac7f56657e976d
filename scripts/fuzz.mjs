// `npm run fuzz`: the property tests of test/unit/fuzz.test.ts for a long run. The unit suite
// runs them a few hundred times each with a fixed seed; this runs them FUZZ_RUNS times each
// (default 200000) with a fresh seed, printed so that a failure can be replayed:
//   npm run fuzz -- --runs 200000 --seed 1234
//   FUZZ_SEED=1234 FUZZ_PATH="5:2:1" npm run fuzz     (the seed and path a failure prints)
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(opt('--runs') ?? process.env.FUZZ_RUNS ?? 200000);
const seed = Number(opt('--seed') ?? process.env.FUZZ_SEED ?? randomInt(2 ** 31));
if (!(runs > 0) || !Number.isInteger(seed)) {
  console.error('usage: node scripts/fuzz.mjs [--runs N] [--seed S]');
  process.exit(2);
}

const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.test.json'], { cwd: repoRoot, stdio: 'inherit' });
// Type errors elsewhere in the tree do not stop the run as long as the tests were emitted.
if (tsc.status !== 0) console.log('fuzz: tsc reported errors; running what it emitted');
if (!existsSync(join(repoRoot, 'out', 'test', 'unit', 'fuzz.test.js'))) process.exit(1);

console.log(`fuzz: ${runs} runs per property, seed ${seed}`);
const t0 = Date.now();
const r = spawnSync(
  process.execPath,
  [join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--reporter', 'spec', '--no-colors', '--grep', 'fuzz: properties', join('out', 'test', 'unit', 'fuzz.test.js')],
  { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed) } },
);
console.log(`fuzz: seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(0)} s${r.status === 0 ? '' : `; replay with FUZZ_SEED=${seed} (and the path printed above)`}`);
process.exit(r.status ?? 1);
