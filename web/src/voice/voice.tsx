import { useState } from "preact/hooks";
import { CampaignDetail } from "./campaign-detail.tsx";
import { CampaignForm } from "./campaign-form.tsx";
import { type ContactList, Lists } from "./lists.tsx";
import { Sounds } from "./sounds.tsx";
import { type Sound, type Trunk, Trunks } from "./trunks.tsx";
import { useItems } from "./use-items.tsx";

type Campaign = { id: string; name: string; status: string };

/**
 * Voice campaigns (loaded on demand: the chat screens do not pay for it):
 * trunks, sounds, contact lists, then campaigns built from them.
 */
export default function Voice() {
	const sounds = useItems<Sound>("/v1/sounds");
	const lists = useItems<ContactList>("/v1/contact-lists");
	const trunks = useItems<Trunk>("/v1/sip-trunks");
	const campaigns = useItems<Campaign>("/v1/campaigns");
	const [open, setOpen] = useState<Campaign | null>(null);
	return (
		<div class="voice">
			<Trunks {...trunks} sounds={sounds.items} />
			<Sounds {...sounds} />
			<Lists {...lists} />
			<CampaignForm
				trunks={trunks.items}
				sounds={sounds.items}
				lists={lists.items}
				onCreated={async (id) => {
					await campaigns.reload();
					setOpen({ id, name: "", status: "draft" });
				}}
			/>
			<section class="card stack" aria-labelledby="campaigns-h">
				<h2 id="campaigns-h">Campaigns</h2>
				<ul class="rows" data-testid="campaigns">
					{campaigns.items.map((c) => (
						<li key={c.id}>
							<button type="button" aria-current={open?.id === c.id} onClick={() => setOpen(c)}>
								{c.name} <span class="meta">({c.status})</span>
							</button>
						</li>
					))}
				</ul>
			</section>
			{open && (
				<CampaignDetail
					key={open.id}
					onStatus={() => void campaigns.reload()}
					id={open.id}
					name={open.name || campaigns.items.find((c) => c.id === open.id)?.name || ""}
				/>
			)}
		</div>
	);
}
