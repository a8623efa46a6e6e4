import type { VideoTrackInfo } from "./dataset.ts";

/**
 * The WebCodecs decoder configuration of a stored video track: its codec string, coded size and,
 * when the encoder gave one, its description (avcC / av1C / vpcC). Every decoder of stored video
 * (the episode player, the episode check, image statistics, the MP4 muxer's track header) is
 * configured from this one function, so they all read a track the same way. Pure: it only builds
 * the object.
 */
export function decoderConfigFor(track: VideoTrackInfo): VideoDecoderConfig {
  return {
    codec: track.codec,
    codedWidth: track.width,
    codedHeight: track.height,
    ...(track.description ? { description: track.description } : {}),
  };
}
