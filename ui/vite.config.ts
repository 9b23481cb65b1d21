// Vite and Vitest configuration for the app's web view (served to Tauri from
// `ui/dist`, or from the dev server on port 5173 under `tauri dev`).
import { defineConfig } from "vitest/config";

export default defineConfig({
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.ts"],
  },
});
