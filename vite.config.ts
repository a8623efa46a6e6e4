import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  plugins: [react()],
  worker: { format: "es" },
  // Cross-origin isolation, so the control loop's newest sample can live in a
  // SharedArrayBuffer that the page reads at render rate (no messages, no React state).
  server: { port: 5173, strictPort: false, headers: ISOLATION },
  preview: { port: 4173, strictPort: true, headers: ISOLATION },
  build: { target: "es2022", sourcemap: true },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
