import { defineConfig } from "vite";

// The API serves the built app; in `npm run dev -w dashboard` Vite proxies API calls to it.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true },
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/v1": "http://127.0.0.1:8080" } },
});
