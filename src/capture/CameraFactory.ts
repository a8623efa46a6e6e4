/**
 * What the camera store needs to make cameras, as an interface: the studio's implementation
 * (simulated cameras in a worker or on the page, USB cameras, phones over WebRTC) is chosen in
 * app/cameras.ts; tests give fakes.
 */
import type { SampleSource } from "../core/LatestSample.ts";
import type { RobotKind } from "../core/robots.ts";
import type { CameraIdentity, VideoInput } from "./cameraIdentity.ts";
import type { PhonePairing } from "./phone/PhonePairing.ts";

/** A live camera: its track (previews read it), what it delivers, and how to close it. */
export interface CameraSource {
  readonly track: MediaStreamTrack;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** The track's frame timestamps are the page's performance.now() in µs (no clock mapping needed). */
  readonly pageClock: boolean;
  /** Settles once the camera delivers (rejects with its reason if it cannot); absent: at once. */
  readonly ready?: Promise<void>;
  close(): void;
}

export interface SimulatedCameraSource extends CameraSource {
  /** Where the follower's joints come from (the control loop's shared sample), or null: "no live pose yet" is drawn. */
  setSample(source: SampleSource | null): void;
}

export interface UsbCameraSource extends CameraSource {
  readonly identity: CameraIdentity;
}

interface SimulatedCameraRequest {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly robot: RobotKind;
  /** Text drawn in the picture. */
  readonly label: string;
  /** The follower's pose (URDF angles by joint), for a renderer on the page that cannot read the shared sample itself. */
  readonly pose: () => Record<string, number> | null;
}

export interface UsbCameraRequest {
  readonly deviceId: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
}

/** A track's frames as a stream (for the recorder); stop() ends it, the track itself plays on. */
export interface FrameTap {
  readonly stream: ReadableStream<VideoFrame>;
  stop(): void;
}

export interface CameraFactory {
  simulated(request: SimulatedCameraRequest): SimulatedCameraSource;
  /** Opens a USB camera (rejects with a message for the user: permission, busy, unplugged…). */
  usb(request: UsbCameraRequest): Promise<UsbCameraSource>;
  /** The video inputs, labelled once the user allowed cameras (asks first; a refusal lists them unlabelled). */
  devices(): Promise<VideoInput[]>;
  /** The engine that pairs phones over WebRTC (QR code + link); the store makes one. */
  phonePairing(): PhonePairing;
  /** Reads a track's frames (from a clone of it) as a stream. Throws if this browser cannot. */
  frames(track: MediaStreamTrack): FrameTap;
}
