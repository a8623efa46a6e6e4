import { Component, type ReactNode } from "react";
import { messageOf } from "../core/messages.ts";

/** Keeps one broken panel (e.g. no WebGL for the 3D view) from taking the page down. */
export class ErrorBoundary extends Component<
  { fallback: (message: string) => ReactNode; children: ReactNode },
  { error: string | undefined }
> {
  override state: { error: string | undefined } = { error: undefined };

  static getDerivedStateFromError(e: unknown): { error: string } {
    return { error: messageOf(e) };
  }

  override render(): ReactNode {
    return this.state.error === undefined ? this.props.children : this.props.fallback(this.state.error);
  }
}
