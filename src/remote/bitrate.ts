/** Each station camera's video bitrate, adapted to the link (applied with RTCRtpSender.setParameters). */
export const VIDEO_BITRATE = { min: 150_000, start: 1_500_000, max: 4_000_000 } as const;

/** Loss above 5 %: down by 30 %; below 1 %: up by 10 %; in between: keep. Bits per second. */
export function nextBitrate(current: number, lossFraction: number): number {
  const next = lossFraction > 0.05 ? current * 0.7 : lossFraction < 0.01 ? current * 1.1 : current;
  return Math.round(Math.min(VIDEO_BITRATE.max, Math.max(VIDEO_BITRATE.min, next)));
}
