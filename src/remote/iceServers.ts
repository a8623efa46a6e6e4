/**
 * STUN/TURN settings as the user types them, one server a line:
 *
 *   stun:stun.example.org:3478
 *   turn:turn.example.org:3478?transport=udp alice s3cret
 *
 * Empty: host candidates only (both browsers on one LAN).
 */
export function parseIceServers(text: string): { servers: RTCIceServer[]; error: string | undefined } {
  const servers: RTCIceServer[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [url, username, credential, extra] = line.split(/\s+/);
    if (!url || !/^(stun|stuns|turn|turns):[^\s]+$/.test(url) || extra !== undefined)
      return { servers: [], error: `Line ${i + 1}: write "stun:host:port" or "turn:host:port user password".` };
    if (url.startsWith("turn") && (username === undefined || credential === undefined))
      return { servers: [], error: `Line ${i + 1}: a TURN server needs a user name and a password after its address.` };
    servers.push(username !== undefined && credential !== undefined ? { urls: url, username, credential } : { urls: url });
  }
  return { servers, error: undefined };
}
