import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch } from "../hatch.ts";

export type ContactList = { id: string; name: string; contact_count: number };
type Rejected = { line: number; value: string; reason: string };

const REASONS: Record<string, string> = {
	INVALID_NUMBER: "not a valid phone number",
	DO_NOT_CALL: "on your do-not-call list",
};

/** Contact lists: upload a CSV, and see every row that was left out with its line and reason. */
export function Lists({
	items,
	reload,
	error,
}: {
	items: ContactList[];
	reload: () => Promise<void>;
	error: string;
}) {
	const [rejected, setRejected] = useState<Rejected[] | null>(null);
	const [uploadError, setUploadError] = useState("");
	return (
		<section aria-labelledby="lists-h" class="card stack">
			<h2 id="lists-h">Contact lists</h2>
			<Alert text={error} />
			<ul class="rows" data-testid="lists">
				{items.map((l) => (
					<li key={l.id}>
						<strong>{l.name}</strong> <span class="meta">{l.contact_count} numbers</span>
					</li>
				))}
			</ul>
			<form
				class="row"
				aria-label="Upload a contact list"
				onSubmit={async (ev) => {
					ev.preventDefault();
					const form = ev.currentTarget as HTMLFormElement;
					const file = (form.elements.namedItem("csv") as HTMLInputElement).files?.[0];
					const region = (form.elements.namedItem("region") as HTMLInputElement).value.trim().toUpperCase();
					if (!file) return;
					setUploadError("");
					setRejected(null);
					try {
						const q = new URLSearchParams({
							name: file.name.replace(/\.[^.]+$/, "").slice(0, 100) || "list",
						});
						if (region) q.set("region", region);
						const r = await hatch.api.json<{ rejected: Rejected[] }>("POST", `/v1/contact-lists?${q}`, {
							body: file,
							headers: { "Content-Type": "text/csv" },
						});
						setRejected(r.rejected);
						form.reset();
						await reload();
					} catch (e) {
						setUploadError(errorText(e));
					}
				}}
			>
				<label for="list-file">CSV of numbers</label>
				<input id="list-file" name="csv" type="file" accept=".csv,text/csv,text/plain" required />
				<label for="list-region">Default region (e.g. US)</label>
				<input id="list-region" name="region" size={3} maxLength={2} />
				<button type="submit">Upload list</button>
			</form>
			<Alert text={uploadError} />
			{rejected && (
				<div data-testid="rejected">
					<p>
						{rejected.length === 0
							? "Every row was imported."
							: `${rejected.length} row${rejected.length === 1 ? " was" : "s were"} left out:`}
					</p>
					{rejected.length > 0 && (
						<table>
							<caption class="visually-hidden">Rows left out of the upload</caption>
							<thead>
								<tr>
									<th scope="col">Line</th>
									<th scope="col">Value</th>
									<th scope="col">Reason</th>
								</tr>
							</thead>
							<tbody>
								{rejected.map((r) => (
									<tr key={r.line}>
										<td>{r.line}</td>
										<td>{r.value}</td>
										<td>{REASONS[r.reason] ?? r.reason}</td>
									</tr>
								))}
							</tbody>
						</table>
					)}
				</div>
			)}
		</section>
	);
}
