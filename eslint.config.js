// Layers as folders, imports point down. Each layer lists the layers it may import;
// anything else is a lint error. See docs/architecture.md.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

const LAYERS = ["core", "protocol", "hardware", "control", "capture", "recording", "remote", "storage", "export", "state", "ui", "app"];

/** What each layer may import (besides itself). */
const ALLOWED = {
  core: [],
  protocol: ["core"],
  hardware: ["core", "protocol"],
  control: ["core", "protocol", "hardware"],
  capture: ["core"],
  recording: ["core", "protocol", "hardware", "control", "capture", "storage"],
  // remote teleoperation: the peer link (WebRTC), the station's and the operator's sessions
  remote: ["core", "protocol", "control", "capture"],
  storage: ["core"],
  export: ["core", "storage"],
  state: ["core", "protocol", "hardware", "control", "capture", "recording", "remote", "storage", "export"],
  ui: ["core", "state"],
  app: LAYERS,
};

const PURE = ["core", "protocol"];

function layerRules(layer) {
  const forbidden = LAYERS.filter((l) => l !== layer && !ALLOWED[layer].includes(l));
  const patterns = forbidden.map((l) => ({
    group: [`**/${l}/**`, `**/${l}`, `../${l}/*`, `../../${l}/*`, `../../../${l}/*`],
    message: `The ${layer} layer may not import ${l} (imports point down: ${ALLOWED[layer].join(", ") || "nothing"}).`,
  }));
  if (PURE.includes(layer)) {
    patterns.push({
      group: ["react", "react-dom", "three", "idb", "mediabunny", "zustand", "@react-three/*"],
      message: `${layer} is pure: no UI, storage or media libraries.`,
    });
  }
  return {
    files: [`src/${layer}/**/*.{ts,tsx}`],
    rules: {
      "no-restricted-imports": ["error", { patterns }],
      ...(PURE.includes(layer)
        ? {
            "no-restricted-globals": [
              "error",
              ...[
                "window",
                "document",
                "navigator",
                "setTimeout",
                "setInterval",
                "requestAnimationFrame",
                "performance",
                "fetch",
                "indexedDB",
              ].map((name) => ({ name, message: `${layer} is pure: no DOM, no timers, no I/O.` })),
            ],
          }
        : {}),
    },
  };
}

export default tseslint.config(
  { ignores: ["dist", "node_modules", "test-results", "playwright-report", "bench/results.json"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["src/**/*.{ts,tsx}", "e2e/**/*.ts", "bench/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/await-thenable": "error",
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  ...LAYERS.map(layerRules),
  {
    // The stores bind engines to React: they may name hardware and capture types, never build
    // their implementations (app/ picks those).
    files: ["src/state/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: ["hardware", "capture"].map((l) => ({
            group: [`**/${l}/**`, `**/${l}`, `../${l}/*`, `../../${l}/*`],
            allowTypeImports: true,
            message: `state may import only types from ${l}: the app builds the implementations and passes them in.`,
          })),
        },
      ],
    },
  },
);
