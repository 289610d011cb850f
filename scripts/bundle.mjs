// Bundles the command into dist/cli.js (what `npx vrrpscope` runs), after tsc has built dist/.
//
// Start-up was most of the time of `read` on a small capture: Node loaded some forty modules one
// by one (resolve, read, compile each) plus commander's CommonJS files. One file and a few shared
// chunks load in a fraction of that. `live` and `read --tui` stay separate chunks, imported only
// by the commands that use them; the libpcap binding (pcap) and the dashboard library (reblessed)
// stay outside, loaded from node_modules when those chunks run. The other modules tsc wrote to
// dist/ stay too: the tests import them.

import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunks of an earlier bundle (named by their content's hash) would pile up beside the new ones.
for (const name of readdirSync('dist')) if (/-[A-Z0-9]{8}\.js$/.test(name)) rmSync(`dist/${name}`);

await build({
  // The zstd worker is an entry of its own, beside the chunks: capture/compressed.ts starts it as
  // ./zstd-worker.js from wherever its own code is (dist/capture/ unbundled, dist/ bundled).
  entryPoints: { cli: 'src/cli.ts', 'zstd-worker': 'src/capture/zstd-worker.ts' },
  outdir: 'dist',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['pcap', 'reblessed'],
  // commander is CommonJS and requires Node's modules: give the ESM bundle a require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  allowOverwrite: true,
  logLevel: 'warning',
});
