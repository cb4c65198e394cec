/**
 * The Caddyfile of the tiny upstream the caddy-http check puts behind the proxy under test: it
 * answers every request with the forwarding headers it received, as JSON, so the check can see what
 * the proxy really sends an app. It is run by the same caddy image on another port; it shares no
 * configuration with the proxy. The padding makes the body long enough (over 512 bytes) for Caddy's
 * `encode` to compress it.
 */
export const echoUpstreamPort = 9000;

export const echoUpstreamCaddyfile = `:${echoUpstreamPort} {
	respond \`{"x_forwarded_for":"{http.request.header.X-Forwarded-For}","x_real_ip":"{http.request.header.X-Real-IP}","padding":"${"x".repeat(600)}"}\` 200
}
`;

/** What the echo upstream answers. */
export interface EchoedHeaders {
  x_forwarded_for: string;
  x_real_ip: string;
}
