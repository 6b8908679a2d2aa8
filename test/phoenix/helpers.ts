import { api } from "../helpers/http";

export type SignedIn = {
	user: {
		id: string;
		email: string;
		display_name: string;
		hidden: boolean;
		theme: string;
		magnification: number;
		recents: string[];
	};
	conversations: {
		id: string;
		private: boolean;
		alias: string | null;
		inserted_at: string;
		updated_at: string;
	}[];
	users: { id: string; email: string; display_name: string }[];
	auth_token: string;
	refresh_token: string;
};

/** POST /compat/phoenix/auth/register with the seed's example payload (a fresh address each time). */
export async function register(display_name?: string): Promise<SignedIn> {
	const email = `test-${crypto.randomUUID().slice(0, 8)}@example.com`;
	const res = await api("/compat/phoenix/auth/register", {
		method: "POST",
		json: { email, password: "VerySecurePassword1!", ...(display_name ? { display_name } : {}) },
	});
	if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
	return (await res.json()) as SignedIn;
}

export const bearer = (s: SignedIn) => ({ Authorization: `Bearer ${s.auth_token}` });
