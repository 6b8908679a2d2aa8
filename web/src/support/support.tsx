import { HatchError } from "@hatch/client";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch, type Me } from "../hatch.ts";
import { CustomerChat } from "./customer-chat.tsx";
import { OperatorQueue } from "./operator-queue.tsx";

/**
 * Support: operators (and admins) get the queue; everyone else their own
 * conversation with support. The role is whatever the desk says: the queue
 * answers 403 to a customer.
 */
export default function Support({ me }: { me: Me }) {
	const [role, setRole] = useState<"operator" | "customer" | null>(null);
	const [error, setError] = useState("");
	useEffect(() => {
		hatch.api
			.json("GET", "/v1/support/queue")
			.then(() => setRole("operator"))
			.catch((e) => {
				if (e instanceof HatchError && e.status === 403) setRole("customer");
				else setError(errorText(e));
			});
	}, []);
	if (error) return <Alert text={error} />;
	if (!role) return <p class="card">Loading…</p>;
	return role === "operator" ? <OperatorQueue me={me} /> : <CustomerChat />;
}
