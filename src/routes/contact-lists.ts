import { ShortName } from "@hatch/contract/names";
import { createRoute, z } from "@hono/zod-openapi";
import { isSupportedCountry } from "libphonenumber-js";
import { decodeUpload, EncodingError } from "../domain/contacts/decode";
import {
	deleteList,
	getOwnedList,
	importContactList,
	listContacts,
	listLists,
	listView,
} from "../domain/contacts/lists";
import {
	CONTACT_LIMITS,
	ContactFileError,
	parseContactsCsv,
	type RawContact,
} from "../domain/contacts/parse";
import { ApiError } from "../errors";
import { decodePageToken, INT_CURSOR, pageOf, pageQuery, pageSchema } from "../lib/pagination";
import { readUpload, uploadName } from "../lib/read-upload";
import { createRouter } from "../lib/router";
import { errors, IdParam, json, ownedResource, security } from "./owned-resource";

/** Largest contact file: 100,000 rows with a few columns fit comfortably. */
const MAX_LIST_BYTES = 32 * 1024 * 1024;
const tags = ["voice: contact lists"];
const Region = z
	.string()
	.regex(/^[A-Z]{2}$/, "an ISO 3166 alpha-2 region such as US or RU")
	.refine((r) => isSupportedCountry(r), "not a region libphonenumber knows");
const JsonContact = z
	.object({
		number: z.string().min(1).max(CONTACT_LIMITS.number),
		name: z.string().max(CONTACT_LIMITS.name).optional(),
		comment: z.string().max(CONTACT_LIMITS.comment).optional(),
		fields: z
			.record(z.string().max(CONTACT_LIMITS.fieldName), z.string().max(CONTACT_LIMITS.field))
			.optional(),
	})
	.strict();
const JsonList = z
	.object({
		name: ShortName(100),
		default_region: Region.optional(),
		contacts: z.array(JsonContact).min(1).max(1000),
	})
	.strict()
	.openapi("ContactListJson");
const Stats = z.record(z.string(), z.unknown());
const ContactList = z
	.object({
		id: z.string(),
		name: z.string(),
		default_region: z.string(),
		contact_count: z.number(),
		stats: Stats,
		created_at: z.string(),
	})
	.openapi("ContactList");
const ImportResult = ContactList.extend({
	rejected: z.array(
		z.object({ line: z.number(), value: z.string(), reason: z.enum(["INVALID_NUMBER", "DO_NOT_CALL"]) }),
	),
}).openapi("ContactListImport");

export const contactListRoutes = createRouter();
const lists = ownedResource(contactListRoutes, { path: "/v1/contact-lists", tags });

contactListRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/contact-lists",
		tags,
		security,
		summary:
			"Upload a contact list: CSV (raw text/csv or multipart `file`) or JSON (up to 1,000 contacts inline)",
		description:
			"CSV columns: number, then optional name and comment; other columns are kept as fields. A header row is detected. `,` `;` and tab separators are sniffed. Numbers are normalised to E.164 (`region` for national numbers). Duplicates are merged, do-not-call numbers skipped, invalid rows listed with their line.",
		request: {
			query: z.object({
				name: ShortName(100).optional(),
				region: Region.optional(),
				encoding: z.string().max(32).optional(),
			}),
			body: {
				content: {
					"text/csv": { schema: z.string().openapi({ type: "string", format: "binary" }) },
					"application/json": { schema: JsonList },
				},
				// Not `required`: that would make the validator demand JSON from CSV uploads too.
				required: false,
			},
		},
		responses: {
			201: json(ImportResult, "Imported"),
			413: { description: "PAYLOAD_TOO_LARGE / CONTACTS_TOO_MANY" },
			422: {
				description:
					"CSV_MALFORMED / CSV_FIELD_TOO_LONG (details.line) / CSV_BAD_ENCODING / CONTACTS_EMPTY / CONTACTS_NONE_VALID",
			},
			...errors,
		},
	}),
	async (c) => {
		const query = c.req.valid("query");
		const userId = c.var.auth.userId;
		const type = c.req.header("Content-Type") ?? "";
		let rows: RawContact[];
		let name = query.name;
		let region = query.region;
		const meta: Record<string, unknown> = {};
		if (/^application\/json/i.test(type)) {
			const body = c.req.valid("json") as z.infer<typeof JsonList>;
			name ??= body.name;
			region ??= body.default_region;
			rows = body.contacts.map((ct, i) => ({ ...ct, line: i + 1 }));
			meta.format = "json";
		} else {
			const upload = await readUpload(c.req.raw, MAX_LIST_BYTES);
			name ??= uploadName(upload, 100);
			const charset = /charset=([^;]+)/i.exec(upload.contentType)?.[1];
			try {
				const { text, encoding } = decodeUpload(upload.bytes, query.encoding ?? charset);
				if (text.trim() === "") throw new ContactFileError("CONTACTS_EMPTY", "The file is empty");
				const parsed = parseContactsCsv(text);
				rows = parsed.rows;
				Object.assign(meta, { format: "csv", encoding, header: parsed.header });
			} catch (err) {
				if (err instanceof EncodingError || err instanceof ContactFileError) {
					throw new ApiError(err.code, err.message, {
						status: 422,
						details: err instanceof ContactFileError && err.line ? { line: err.line } : undefined,
					});
				}
				throw err;
			}
		}
		if (!name) throw new ApiError("VALIDATION_FAILED", "Give the list a name (?name=)");
		const { list, rejected } = await importContactList(c.env, userId, {
			name,
			region: region ?? c.env.DEFAULT_PHONE_REGION,
			rows,
			meta,
		});
		return c.json({ ...listView(list), rejected }, 201);
	},
);

lists.list("Your contact lists, newest first", ContactList, listLists, listView);
lists.get("One contact list with its import statistics", ContactList, getOwnedList, listView);

const Contact = z
	.object({
		id: z.number(),
		number: z.string(),
		name: z.string().nullable(),
		comment: z.string().nullable(),
		fields: z.record(z.string(), z.string()),
		line: z.number(),
	})
	.openapi("Contact");

contactListRoutes.openapi(
	createRoute({
		method: "get",
		path: "/v1/contact-lists/{id}/contacts",
		tags,
		security,
		summary: "The list's contacts in upload order",
		request: { params: IdParam, query: pageQuery({ size: 100, max: 1000 }) },
		responses: { 200: json(pageSchema(Contact), "Contacts"), ...errors },
	}),
	async (c) => {
		const list = await getOwnedList(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		const q = c.req.valid("query");
		const after = Number(decodePageToken(q.page_token, INT_CURSOR) ?? 0);
		const rows = await listContacts(c.var.db, list.id, q.page_size + 1, after);
		return c.json(
			pageOf(rows, q.page_size, (r) => r),
			200,
		);
	},
);

lists.delete("Delete a contact list", getOwnedList, (list, env) => deleteList(env, list.id));
