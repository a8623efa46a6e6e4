/**
 * e2e harness (e2e/phoneCamera.spec.ts): the studio side of a phone camera, until the studio's UI
 * shows the QR code. `?origin=` overrides the phone link's origin.
 */
import { PhoneCameraLink } from "../../src/capture/phone/PhoneCameraLink.ts";

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const params = new URLSearchParams(location.search);
const origin = params.get("origin");
const link = new PhoneCameraLink(origin !== null ? { phoneOrigin: origin } : {});
(window as unknown as { __phoneLink: PhoneCameraLink }).__phoneLink = link;

const video = $("video") as HTMLVideoElement;
let frames = 0;
function countFrames(): void {
  video.requestVideoFrameCallback(() => {
    frames++;
    $("frames").textContent = String(frames);
    $("size").textContent = `${video.videoWidth}x${video.videoHeight}`;
    countFrames();
  });
}
countFrames();

link.subscribe(() => {
  const s = link.getState();
  $("status").textContent = s.status;
  $("message").textContent = s.message;
  if (s.pairing) {
    const a = $("link") as HTMLAnchorElement;
    a.href = s.pairing.link;
    a.textContent = s.pairing.link;
    $("qr").innerHTML = s.pairing.qrSvg;
  }
  $("camera").textContent = s.camera ? `${s.camera.label} ${s.camera.width ?? "?"}x${s.camera.height ?? "?"}` : "";
  if (s.camera && video.srcObject !== s.camera.stream) {
    video.srcObject = s.camera.stream;
    void video.play().catch(() => {});
  }
});

link.open().catch(() => {
  // shown through the state
});
