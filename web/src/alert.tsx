/** An error line that screen readers announce; nothing when there is no error. */
export function Alert({ text }: { text: string }) {
	return text ? (
		<p role="alert" class="error">
			{text}
		</p>
	) : null;
}
