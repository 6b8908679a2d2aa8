import { Container } from "@cloudflare/containers";

/**
 * The dialer (dialer/, SIP + RTP in Node) as a Cloudflare Container, used in
 * production through the DIALER_CONTAINER binding (src/domain/dialer). In
 * development and tests DIALER_URL points at a local process instead.
 */
export class DialerContainer extends Container<Env> {
	override defaultPort = 8788;
	// Campaigns dial in bursts; keep the instance warm across short gaps.
	override sleepAfter = "15m";

	constructor(ctx: ConstructorParameters<typeof Container<Env>>[0], env: Env) {
		super(ctx, env);
		this.envVars = {
			DIALER_SECRET: env.DIALER_SECRET,
			DIALER_PORT: "8788",
			DIALER_HOST: "0.0.0.0",
			// Required with a wildcard bind: the dialer exits at start-up without it.
			DIALER_PUBLIC_IP: env.DIALER_PUBLIC_IP,
		};
	}
}
