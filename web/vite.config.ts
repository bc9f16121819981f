import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// In development (`npm run dev`) the API runs on the local stack; the built app is served by the stack itself.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": "http://127.0.0.1:3000",
      "/config.json": "http://127.0.0.1:3000",
    },
  },
  build: { sourcemap: true },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
