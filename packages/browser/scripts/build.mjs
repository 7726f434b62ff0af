// Builds the library: dist/feedloop.js (the dependency-free ES module, minified) and dist/react.js
// (the React hook, importing React and ./feedloop.js), then measures the library minified and
// gzipped. The declarations (dist/*.d.ts) come from tsc. The size is written to dist/size.json and
// checked by test/size.test.ts against the 3 KB budget.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const common = { bundle: true, format: 'esm', minify: true, target: 'es2020', legalComments: 'none', logLevel: 'warning' };
await build({ ...common, entryPoints: ['src/feedloop.ts'], outfile: 'dist/feedloop.js' });
await build({ ...common, entryPoints: ['src/react.ts'], outfile: 'dist/react.js', external: ['react', './feedloop.js'] });

const code = readFileSync('dist/feedloop.js');
const size = { minified: code.length, gzip: gzipSync(code, { level: 9 }).length, budget: 3072 };
writeFileSync('dist/size.json', JSON.stringify(size) + '\n');
console.log(`@feedloop/browser: dist/feedloop.js ${size.minified} B minified, ${size.gzip} B minified+gzipped (budget ${size.budget} B)`);
