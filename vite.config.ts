import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { phoneCameraPlugin } from "./server/vitePlugin.ts";

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

const page = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // phoneCameraPlugin: the phone-camera signaling WebSocket on /signal (dev and preview), and in dev
  // an extra HTTPS listener on the LAN (port 5443) for phones; see docs/phone-camera.md.
  plugins: [react(), phoneCameraPlugin()],
  worker: { format: "es" },
  // onnxruntime-web is served as it ships (one self-contained ES module; it is only imported by the
  // ONNX worker, which the dev server's dependency scan does not see — pre-bundling it on first use
  // would reload the page). Its .wasm comes from a `?url` import (app/onnx.worker.ts).
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  // Cross-origin isolation, so the control loop's newest sample can live in a
  // SharedArrayBuffer that the page reads at render rate (no messages, no React state).
  server: { port: 5173, strictPort: false, headers: ISOLATION },
  preview: { port: 4173, strictPort: true, headers: ISOLATION },
  build: {
    target: "es2022",
    sourcemap: true,
    rollupOptions: {
      input: {
        main: page("./index.html"),
        // the page a phone opens to stream its camera into the studio
        phone: page("./phone.html"),
        // e2e only: drives the studio side of the phone-camera link (e2e/phoneCamera.spec.ts)
        "phone-studio-harness": page("./e2e/harness/phone-studio.html"),
        // e2e only: the peer link's contract against WebRtcLink (e2e/linkContract.spec.ts)
        "link-contract-harness": page("./e2e/harness/link-contract.html"),
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts", "server/**/*.test.ts"],
    environment: "node",
    // A guard against hangs, not a performance budget: on a busy 2-core machine a heavy property
    // test may take several times its idle time. Budgets live in `npm run bench`.
    testTimeout: 30_000,
  },
});
