export { Shell } from "./Shell.tsx";
export { StudioProvider } from "./StudioContext.tsx";
