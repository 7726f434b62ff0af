// Builds the dashboard into dist/ (index.html and hashed files under assets/), which the feedloop
// server serves at `/` (src/http/routes/dashboard.ts). Each built file also gets a gzip copy, which
// the server sends to browsers that accept it.
import preact from '@preact/preset-vite';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

function gzipAssets(): Plugin {
  let outDir = 'dist';
  return {
    name: 'feedloop-gzip-assets',
    apply: 'build',
    configResolved(config) { outDir = config.build.outDir; },
    closeBundle() {
      const dir = join(outDir, 'assets');
      for (const name of readdirSync(dir)) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        writeFileSync(join(dir, `${name}.gz`), gzipSync(readFileSync(join(dir, name)), { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  plugins: [preact(), gzipAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser that runs the rest supports modulepreload; the polyfill would only add bytes.
    modulePreload: { polyfill: false },
    // Small files inlined as data: URLs would need a looser content security policy for some types.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev` here with a feedloop server on :8787: the API calls go to it.
    proxy: { '/api': 'http://127.0.0.1:8787' },
  },
});
