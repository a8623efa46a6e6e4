/** Phone (or second laptop) as a camera over WebRTC; see docs/phone-camera.md. */
export {
  PhoneCameraLink,
  PhoneLinkError,
  type PhoneCamera,
  type PhoneCameraLinkOptions,
  type PhoneLinkErrorReason,
  type PhoneLinkState,
  type PhoneLinkStatus,
  type PhonePairing,
} from "./PhoneCameraLink.ts";
export {
  describeCameraError,
  PHONE_RESOLUTIONS,
  PhoneCameraSender,
  type PhoneResolution,
  type PhoneSenderOptions,
  type PhoneSenderState,
  type PhoneSenderStatus,
} from "./PhoneCameraSender.ts";
export { type SocketFactory, type SocketLike } from "./signalingClient.ts";
export { codeFromHash, phoneLink, SIGNAL_PATH, signalingUrlFor } from "./signalingProtocol.ts";
