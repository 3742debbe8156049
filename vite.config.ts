// Vite builds the web app from web/ into dist/web, which Fastify serves (src/http/routes/web.ts).
// `npm run dev` serves web/ with hot reload and proxies /api (SSE and WebSocket too) to the API server,
// which this config starts beside it with `node --watch` unless CHIPIN_API_URL names one already running.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const apiUrl = process.env.CHIPIN_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

function chipinApi(): Plugin {
  return {
    name: 'chipin-api',
    apply: 'serve',
    configureServer(server) {
      if (process.env.CHIPIN_API_URL) return;
      const child = spawn(process.execPath, ['--watch', here('./src/main.ts')], { stdio: 'inherit', env: process.env, cwd: here('.') });
      const stop = () => child.kill('SIGTERM');
      server.httpServer?.on('close', stop);
      process.once('exit', stop);
    },
  };
}

export default defineConfig({
  root: here('./web'),
  plugins: [react(), chipinApi()],
  build: { outDir: here('./dist/web'), emptyOutDir: true, assetsDir: 'assets' },
  server: {
    host: '127.0.0.1',
    port: 5173,
    // The Host header is kept (no changeOrigin), so the API sees the dev origin in both Host and Origin
    // and its same-origin checks pass for cookies and the WebSocket upgrade.
    proxy: { '/api': { target: apiUrl, ws: true } },
  },
});
