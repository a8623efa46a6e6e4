/**
 * STUN/TURN settings as the user types them, one server a line:
 *
 *   stun:stun.example.org:3478
 *   turn:turn.example.org:3478?transport=udp alice s3cret
 *
 * Empty: host candidates only (both browsers on one LAN). A line `relay-only` sends everything
 * through the TURN server (to check that it works before relying on it, or to keep the two
 * computers' addresses from each other).
 */
export function parseIceServers(text: string): { servers: RTCIceServer[]; relayOnly: boolean; error: string | undefined } {
  const servers: RTCIceServer[] = [];
  let relayOnly = false;
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line === "relay-only") {
      relayOnly = true;
      continue;
    }
    const [url, username, credential, extra] = line.split(/\s+/);
    if (!url || !/^(stun|stuns|turn|turns):[^\s]+$/.test(url) || extra !== undefined)
      return {
        servers: [],
        relayOnly: false,
        error: `Line ${i + 1}: write "stun:host:port", "turn:host:port user password" or "relay-only".`,
      };
    if (url.startsWith("turn") && (username === undefined || credential === undefined))
      return { servers: [], relayOnly: false, error: `Line ${i + 1}: a TURN server needs a user name and a password after its address.` };
    servers.push(username !== undefined && credential !== undefined ? { urls: url, username, credential } : { urls: url });
  }
  if (relayOnly && !servers.some((s) => String(s.urls).startsWith("turn")))
    return { servers: [], relayOnly: false, error: `"relay-only" needs a TURN server line ("turn:host:port user password").` };
  return { servers, relayOnly, error: undefined };
}
