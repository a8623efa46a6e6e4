/**
 * The capture layer: cameras (USB, simulated), frame reading and metering, and live encoding.
 * Browser-only pieces (they need MediaStream / WebCodecs) except codecs.ts and cameraIdentity.ts.
 * Synchronisation, timecode, image statistics and QA are pure and live in core.
 */
export { SimulatedCamera } from "./SimulatedCamera.ts";
export type { SimulatedCameraOptions } from "./SimulatedCamera.ts";
export {
  CameraError,
  findCameras,
  grabThumbnail,
  listCameras,
  onCamerasChanged,
  openCamera,
  requestCameraPermission,
  startFrameMeter,
  thumbnailOf,
} from "./CameraManager.ts";
export type { CameraErrorCode, OpenCameraRequest, OpenedCamera } from "./CameraManager.ts";
export { matchCameras, matchProblem } from "./cameraIdentity.ts";
export type { CameraIdentity, CameraMatch, VideoInput } from "./cameraIdentity.ts";
export { FrameMeter, meterTrack } from "./FrameMeter.ts";
export type { FrameMeterSnapshot } from "./FrameMeter.ts";
export { hasTrackProcessor, readTrackFrames } from "./frameReader.ts";
export type { FrameReader } from "./frameReader.ts";
export { CameraEncoder, EncoderError, chooseCodec, probeEncoder, supportedEncoderConfig } from "./CameraEncoder.ts";
export type { CameraEncoderOptions, CameraEncoderStats, CameraLoad, CodecChoice, ProbeResult } from "./CameraEncoder.ts";
export { CODEC_NAMES, codecStrings, defaultBitrate, rowOfTimestampUs, rowTimestampUs } from "./codecs.ts";
export type { CodecName } from "./codecs.ts";
export { frameLuma, frameTimecode } from "./frameLuma.ts";
export type { LumaPlane } from "./frameLuma.ts";
