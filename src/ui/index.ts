export { Shell } from "./Shell.tsx";
export { StudioProvider } from "./StudioContext.tsx";
export type { Studio } from "./StudioContext.tsx";
