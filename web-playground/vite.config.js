// The router embeds dist/ and serves it from its own origin: asset URLs must be relative
// and every file (scripts, styles, fonts, workers) must end up in dist/.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // Monaco alone is larger than Vite's default warning threshold.
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // React Server Components directives ("use client") mean nothing in a client bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});
