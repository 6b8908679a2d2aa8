/**
 * The Goertzel algorithm: the power of one frequency in a block of samples, at
 * the cost of one multiply-add per sample (a DFT bin without the FFT).
 */

/**
 * The share of the block's energy that lies at `hz`: about 1 for a pure tone
 * at that frequency, well under 0.5 for speech or noise.
 * @example tonePurity(sine1k, 160, 1000, 8000) // → ~0.95
 */
export function tonePurity(x: ArrayLike<number>, n: number, hz: number, rate: number): number {
	const coeff = 2 * Math.cos((2 * Math.PI * hz) / rate);
	let s1 = 0;
	let s2 = 0;
	let energy = 0;
	for (let i = 0; i < n; i++) {
		const v = x[i];
		energy += v * v;
		const s0 = v + coeff * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	if (energy === 0) return 0;
	const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
	// A sinusoid of amplitude A: power ≈ (A·n/2)², energy ≈ A²·n/2, so 2·power/(n·energy) ≈ 1.
	return (2 * power) / (n * energy);
}
