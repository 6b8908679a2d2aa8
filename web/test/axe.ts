/**
 * axe-core injected from node_modules (no network) and run on the page as
 * it is; answers the violations a person would be blocked by (impact
 * serious or critical), as short lines for an assertion message.
 */
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

type Violation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

export async function seriousViolations(page: Page): Promise<string[]> {
	if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
	const violations = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: unknown[] }> } })
			.axe;
		return (await axe.run(document)).violations;
	});
	return (violations as Violation[])
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
