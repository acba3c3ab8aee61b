// Verify an ad hoc Mach-O code signature the way the macOS kernel checks one: the CodeDirectory's
// page hashes must be the SHA-256 of every signed page of the file, its requirements slot the hash
// of the requirement set, and it must cover the file up to the signature. (`rcodesign verify` 0.29
// cannot do this for ad hoc signatures: it fails parsing their empty CMS blob, "CMS error: missing
// further values".) Exports verifyAdhocSignature(buffer) → list of problems ([] = valid).
//   node scripts/macho-verify.mjs FILE…
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_REQUIREMENTS = 2;

function codeSignature(b) {
  if (b.readUInt32LE(0) !== 0xfeedfacf) throw new Error('not a 64-bit little-endian Mach-O');
  const ncmds = b.readUInt32LE(16);
  let off = 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = b.readUInt32LE(off);
    const size = b.readUInt32LE(off + 4);
    if (cmd === LC_CODE_SIGNATURE) return { dataoff: b.readUInt32LE(off + 8), datasize: b.readUInt32LE(off + 12) };
    off += size;
  }
  return undefined;
}

export function verifyAdhocSignature(b) {
  const problems = [];
  const cs = codeSignature(b);
  if (!cs) return ['no LC_CODE_SIGNATURE'];
  const sb = cs.dataoff;
  if (b.readUInt32BE(sb) !== CSMAGIC_EMBEDDED_SIGNATURE) return [`no embedded signature superblob at ${sb}`];
  const count = b.readUInt32BE(sb + 8);
  const slots = new Map();
  for (let i = 0; i < count; i++) slots.set(b.readUInt32BE(sb + 12 + i * 8), sb + b.readUInt32BE(sb + 16 + i * 8));
  const cd = slots.get(CSSLOT_CODEDIRECTORY);
  if (cd === undefined || b.readUInt32BE(cd) !== CSMAGIC_CODEDIRECTORY) return ['no CodeDirectory'];
  const flags = b.readUInt32BE(cd + 12);
  const hashOffset = b.readUInt32BE(cd + 16);
  const nSpecial = b.readUInt32BE(cd + 24);
  const nCode = b.readUInt32BE(cd + 28);
  const codeLimit = b.readUInt32BE(cd + 32);
  const hashSize = b.readUInt8(cd + 36);
  const hashType = b.readUInt8(cd + 37);
  const page = 2 ** b.readUInt8(cd + 39);
  if (!(flags & 0x2)) problems.push('CodeDirectory is not ad hoc (flag 0x2 missing)');
  if (hashType !== 2 || hashSize !== 32) problems.push(`hash type ${hashType}/${hashSize}, expected SHA-256 (2/32)`);
  if (codeLimit !== cs.dataoff) problems.push(`signature covers ${codeLimit} bytes, the code ends at ${cs.dataoff}`);
  if (nCode !== Math.ceil(codeLimit / page)) problems.push(`${nCode} page hashes for ${codeLimit} bytes of ${page}-byte pages`);
  let bad = 0;
  for (let i = 0; i < nCode; i++) {
    const want = b.subarray(cd + hashOffset + i * hashSize, cd + hashOffset + (i + 1) * hashSize);
    const got = createHash('sha256')
      .update(b.subarray(i * page, Math.min((i + 1) * page, codeLimit)))
      .digest();
    if (!got.equals(want)) bad++;
  }
  if (bad) problems.push(`${bad} of ${nCode} page hashes do not match the file`);
  const req = slots.get(CSSLOT_REQUIREMENTS);
  if (req !== undefined && nSpecial >= CSSLOT_REQUIREMENTS) {
    const len = b.readUInt32BE(req + 4);
    const want = b.subarray(cd + hashOffset - CSSLOT_REQUIREMENTS * hashSize, cd + hashOffset - (CSSLOT_REQUIREMENTS - 1) * hashSize);
    if (
      !createHash('sha256')
        .update(b.subarray(req, req + len))
        .digest()
        .equals(want)
    )
      problems.push('the requirements slot hash does not match the requirement set');
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let failed = 0;
  for (const f of process.argv.slice(2)) {
    const p = verifyAdhocSignature(readFileSync(f));
    console.log(`${f}: ${p.length ? p.join('; ') : 'valid ad hoc signature'}`);
    if (p.length) failed++;
  }
  process.exit(failed ? 1 : 0);
}
