/** Problems with an ad hoc Mach-O code signature ([] = every signed page hashes as the CodeDirectory says). */
export function verifyAdhocSignature(b: Buffer): string[];
