import { describe, expect, it } from 'vitest';
import { singlePlatformIndexAnnotation } from '../../../../src/build/fixes/single-platform-index-annotation.js';
import { applyFix, CLASSIC, CONTAINERD, DOCKERD, SINGLE } from './support.js';

const OCI = ['--annotation', 'index:k=v', '-o', 'type=oci,dest=o.tar', '.'];

describe('single-platform-index-annotation', () => {
  it('force-index: the build arg, one notice, no drop', () => {
    const r = applyFix(singlePlatformIndexAnnotation, OCI, { builder: SINGLE });
    expect(r.argv).toEqual(['--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', ...OCI]);
    expect(r.notices).toEqual(['ocifix: added --build-arg BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index']);
    expect(r.decided.indexAnnotationsDropped).toBeUndefined();
  });

  it('nothing to do for several platforms, for manifest annotations, or when the image is an index anyway', () => {
    for (const args of [['--platform', 'linux/amd64,linux/arm64', ...OCI], ['--annotation', 'manifest:k=v', '-o', 'type=oci,dest=o.tar', '.'], ['--annotation', 'index:k=v', '--push', '-t', 'r/a', '.']]) {
      const r = applyFix(singlePlatformIndexAnnotation, args, { builder: SINGLE });
      expect([r.edits, r.notices], args.join(' ')).toEqual([[], []]);
    }
  });

  it('manifest-only and the classic store drop them (a decision the grammar and the push fixes read)', () => {
    const m = applyFix(singlePlatformIndexAnnotation, OCI, { builder: SINGLE }, { indexAnnotations: 'manifest-only' });
    expect(m.decided.indexAnnotationsDropped).toBe(true);
    expect(m.notices).toEqual(['ocifix: dropped --annotation index:k: one-manifest image (--ocifix-index-annotations=manifest-only)']);
    const dd = applyFix(singlePlatformIndexAnnotation, ['--annotation', 'index:k=v', '-t', 'a', '.'], { builder: DOCKERD, daemon: CLASSIC });
    expect(dd.notices).toEqual(['ocifix: dropped --annotation index:k: the classic image store holds no image index']);
  });

  const NOT_KEPT =
    'ocifix: --annotation index:k not kept in the daemon: the containerd image store keeps no index annotation of a docker-driver build (--push or a builder of another driver keeps them)';
  it('the docker driver on the containerd store: buildx succeeds (its default provenance makes an index), so the build is left alone; one notice says the store keeps no index annotation', () => {
    // observed with buildx 0.12-0.36 on Engine 29 (test/matrix/p1-containerd-store.test.ts)
    const cd = applyFix(singlePlatformIndexAnnotation, ['--annotation', 'index:k=v', '-t', 'a', '.'], { builder: DOCKERD, daemon: CONTAINERD });
    expect([cd.edits, cd.notices, cd.decided.indexAnnotationsDropped]).toEqual([[], [NOT_KEPT], undefined]);
    // two platforms: the same
    const two = applyFix(singlePlatformIndexAnnotation, ['--platform', 'linux/amd64,linux/arm64', '--annotation', 'index:k=v', '-t', 'a', '.'], {
      builder: DOCKERD,
      daemon: CONTAINERD,
    });
    expect([two.edits, two.notices]).toEqual([[], [NOT_KEPT]]);
    // without provenance the export is one manifest again, and the index is forced like on any builder
    const bare = applyFix(singlePlatformIndexAnnotation, ['--annotation', 'index:k=v', '--provenance=false', '-t', 'a', '.'], { builder: DOCKERD, daemon: CONTAINERD });
    expect(bare.notices).toEqual(['ocifix: added --build-arg BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index', NOT_KEPT]);
    // a push keeps them (the pushed index carries the annotation): nothing said
    const push = applyFix(singlePlatformIndexAnnotation, ['--annotation', 'index:k=v', '--push', '-t', 'r/a', '.'], { builder: DOCKERD, daemon: CONTAINERD });
    expect([push.edits, push.notices]).toEqual([[], []]);
    // --load and --push: the loaded copy loses them, the pushed one keeps them (and fail does not refuse)
    const both = applyFix(singlePlatformIndexAnnotation, ['--annotation', 'index:k=v', '--annotation', 'manifest:m=1', '--load', '--push', '-t', 'r/a', '.'], {
      builder: DOCKERD,
      daemon: CONTAINERD,
    });
    expect(both.notices).toEqual([
      'ocifix: --annotation index:k not kept in the daemon: the containerd image store keeps no index annotation of a docker-driver build (the pushed image keeps them)',
    ]);
    expect(
      applyFix(singlePlatformIndexAnnotation, ['--annotation', 'index:k=v', '--load', '--push', '-t', 'r/a', '.'], { builder: DOCKERD, daemon: CONTAINERD }, { indexAnnotations: 'fail' })
        .refusal,
    ).toBeUndefined();
    // a file output does not go into the store
    const file = applyFix(singlePlatformIndexAnnotation, ['--annotation', 'index:k=v', '-o', 'type=oci,dest=o.tar', '.'], { builder: DOCKERD, daemon: CONTAINERD });
    expect(file.notices.filter((n) => n.includes('not kept'))).toEqual([]);
    // policy fail refuses what the store would lose
    expect(
      applyFix(singlePlatformIndexAnnotation, ['--annotation', 'index:k=v', '-t', 'a', '.'], { builder: DOCKERD, daemon: CONTAINERD }, { indexAnnotations: 'fail' }).refusal,
    ).toMatch(/are not kept by --load: the containerd image store keeps no index annotation of a docker-driver build/);
  });

  it('fail refuses', () => {
    expect(applyFix(singlePlatformIndexAnnotation, OCI, { builder: SINGLE }, { indexAnnotations: 'fail' }).refusal).toMatch(/buildx would fail with "index annotations not supported for single platform export"/);
  });
});
