/**
 * legacy-annotation-grammar — buildx < 0.16 reads `--annotation index,manifest:k=v` as one
 * manifest annotation whose key is `index,manifest:k` (fixed by docker/buildx#2522 in 0.16): the multi-type prefix
 * is split into one flag per type, checked against what the old grammar can parse.
 */
import semverLt from 'semver/functions/lt.js';
import semverValid from 'semver/functions/valid.js';
import { annotationEdits } from '../annotation-edits.js';
import type { Fix } from './fix.js';

const ID = 'legacy-annotation-grammar';

export const legacyAnnotationGrammar: Fix = {
  id: ID,
  title: 'multi-type annotation prefixes (`index,manifest:k=v`) on buildx < 0.16',
  help: 'buildx < 0.16 takes `index,manifest:k=v` as a manifest key: the flag is split into one flag per type (`index:k=v`, `manifest:k=v`).',
  reads: ['indexAnnotationsDropped'],
  writes: ['legacyAnnotations'],

  apply(r, d, facts) {
    if (!r.annotations.some((a) => a.multiType && a.parsed && a.parsed.length > 1)) return;
    const v = facts.buildxVersion();
    const legacy = v !== undefined && semverValid(v) !== null && semverLt(v, '0.16.0');
    d.decide('legacyAnnotations', legacy, ID);
    if (!legacy) return;
    const rw = annotationEdits(r, { dropIndex: d.decision('indexAnnotationsDropped') ?? false, legacy });
    if (rw.refusal) d.refuse(rw.refusal);
    if (rw.split.length) {
      const what = rw.split.length === 1 ? d.words.annotation(rw.split[0]!) : `${rw.split.length} multi-type annotations`;
      d.notice(`ocifix: split ${what} into one flag per type (buildx ${v} predates 0.16)`);
    }
  },
};
