import fc from "fast-check";

/**
 * fast-check arbitraries from JSON Schema (what /openapi.json and
 * `z.toJSONSchema` give): values shaped like the schema, and hostile ones
 * tagged `invalid` when no handler may accept them. Patterns and formats are
 * only approximated; the point is to reach the validators and what is behind
 * them, not to satisfy them.
 */

export type JsonSchema = {
	$ref?: string;
	type?: string | string[];
	properties?: Record<string, JsonSchema>;
	required?: string[];
	additionalProperties?: boolean | JsonSchema;
	items?: JsonSchema;
	enum?: unknown[];
	const?: unknown;
	anyOf?: JsonSchema[];
	oneOf?: JsonSchema[];
	allOf?: JsonSchema[];
	minLength?: number;
	maxLength?: number;
	minimum?: number;
	maximum?: number;
	minItems?: number;
	maxItems?: number;
	format?: string;
};

/** A generated body and whether the schema forbids it outright. */
export type Sample = { body: unknown; invalid: boolean; why: string };

const MAX_DEPTH = 4;

/** Odd strings: control and bidi characters, NUL, huge, injection-shaped, unicode edge cases. */
const oddString = fc.oneof(
	fc.string({ maxLength: 40 }),
	fc.string({ unit: "binary", maxLength: 40 }),
	fc.constantFrom(
		"",
		" ",
		"\u0000",
		"a\u0000b",
		"\u202Egnp.exe",
		"\u2066x\u2069",
		"=cmd|'/c calc'!A1",
		"<script>alert(1)</script>",
		"' OR 1=1 --",
		"../../etc/passwd",
		"\uD800",
		"🙂".repeat(300),
		"x".repeat(5000),
		"http://169.254.169.254/",
		"2130706433",
		"0x7f000001",
		"__proto__",
	),
);

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
	fc.constant(null),
	fc.boolean(),
	fc.integer(),
	fc.double(),
	fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, -0),
	oddString,
	fc.array(fc.integer(), { maxLength: 3 }),
	fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

function resolve(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
	let s = schema;
	for (let i = 0; s.$ref && i < 8; i++) s = components[s.$ref.split("/").pop() ?? ""] ?? {};
	return s;
}

function typesOf(s: JsonSchema): string[] {
	if (Array.isArray(s.type)) return s.type;
	if (s.type) return [s.type];
	if (s.properties) return ["object"];
	return [];
}

/** A value shaped like `schema` (its types, required keys, enums, bounds). */
export function shaped(
	schema: JsonSchema,
	components: Record<string, JsonSchema>,
	depth = 0,
): fc.Arbitrary<unknown> {
	const s = resolve(schema, components);
	if (depth > MAX_DEPTH) return anyJson;
	if (s.const !== undefined) return fc.constant(s.const);
	if (s.enum) return fc.constantFrom(...s.enum);
	const alts = s.anyOf ?? s.oneOf;
	if (alts?.length) return fc.oneof(...alts.map((a) => shaped(a, components, depth + 1)));
	if (s.allOf?.length) return shaped(s.allOf[0] ?? {}, components, depth + 1);
	const types = typesOf(s);
	if (!types.length) return anyJson;
	return fc.oneof(...types.map((t) => ofType(t, s, components, depth)));
}

function ofType(
	t: string,
	s: JsonSchema,
	components: Record<string, JsonSchema>,
	depth: number,
): fc.Arbitrary<unknown> {
	switch (t) {
		case "null":
			return fc.constant(null);
		case "boolean":
			return fc.boolean();
		case "integer":
			return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1_000_000 });
		case "number":
			return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
		case "string":
			return stringFor(s);
		case "array":
			return fc.array(s.items ? shaped(s.items, components, depth + 1) : anyJson, {
				minLength: s.minItems ?? 0,
				maxLength: Math.min(s.maxItems ?? 4, 4),
			});
		case "object":
			return objectFor(s, components, depth);
		default:
			return anyJson;
	}
}

function stringFor(s: JsonSchema): fc.Arbitrary<string> {
	const min = s.minLength ?? 0;
	const max = Math.max(min, Math.min(s.maxLength ?? 64, 64));
	const plain = fc.string({ minLength: min, maxLength: max });
	switch (s.format) {
		case "email":
			return fc.oneof(fc.emailAddress(), plain);
		case "uri":
		case "url":
			return fc.oneof(
				fc.webUrl(),
				fc.constantFrom("https://10.0.0.1:8443/", "https://169.254.169.254/"),
				plain,
			);
		case "date-time":
			return fc.oneof(
				fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
				plain,
			);
		default:
			return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: oddString });
	}
}

function objectFor(
	s: JsonSchema,
	components: Record<string, JsonSchema>,
	depth: number,
): fc.Arbitrary<unknown> {
	const props = s.properties ?? {};
	const model = Object.fromEntries(
		Object.entries(props).map(([k, v]) => [k, shaped(v, components, depth + 1)]),
	);
	const required = (s.required ?? []).filter((k) => k in props);
	return fc.record(model, { requiredKeys: required });
}

/**
 * Bodies for an operation: shaped ones (may pass), and hostile ones. The
 * hostile ones tagged `invalid` break the schema for certain: a wrong type at
 * the root, a required key missing, or a required key of a type it never takes.
 */
export function bodies(schema: JsonSchema, components: Record<string, JsonSchema>): fc.Arbitrary<Sample> {
	const s = resolve(schema, components);
	const isObject = typesOf(s).includes("object") && !typesOf(s).includes("array");
	const arbs: fc.Arbitrary<Sample>[] = [
		shaped(s, components).map((body) => ({ body, invalid: false, why: "shaped" })),
	];
	if (isObject) {
		arbs.push(
			fc
				.constantFrom("a string", 42, true, [1, 2], null)
				.map((body) => ({ body, invalid: true, why: "root not an object" })),
		);
		const required = (s.required ?? []).filter((k) => s.properties?.[k]);
		if (required.length) {
			arbs.push(
				fc.tuple(shaped(s, components), fc.constantFrom(...required)).map(([body, drop]) => {
					const copy = { ...(body as Record<string, unknown>) };
					delete copy[drop];
					return { body: copy, invalid: true, why: `missing ${drop}` };
				}),
			);
			const typed = required.filter((k) => {
				const p = resolve(s.properties?.[k] ?? {}, components);
				const t = typesOf(p);
				return (
					t.length === 1 &&
					!p.anyOf &&
					!p.oneOf &&
					["string", "integer", "number", "boolean"].includes(t[0] ?? "")
				);
			});
			if (typed.length) {
				arbs.push(
					fc.tuple(shaped(s, components), fc.constantFrom(...typed)).map(([body, key]) => {
						const t = typesOf(resolve(s.properties?.[key] ?? {}, components))[0] ?? "string";
						const wrong = t === "string" ? { nested: ["x"] } : "not-a-number-or-bool";
						return {
							body: { ...(body as Record<string, unknown>), [key]: wrong },
							invalid: true,
							why: `${key} mistyped`,
						};
					}),
				);
			}
		}
		arbs.push(
			shaped(s, components).map((body) => ({
				body: JSON.parse(
					`{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},${JSON.stringify(body ?? {}).slice(1)}`.replace(
						/,}$/,
						"}",
					),
				),
				invalid: false,
				why: "prototype keys",
			})),
		);
	}
	arbs.push(anyJson.map((body) => ({ body, invalid: false, why: "any json" })));
	return fc.oneof(...arbs);
}
