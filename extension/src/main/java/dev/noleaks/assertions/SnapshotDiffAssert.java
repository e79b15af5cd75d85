package dev.noleaks.assertions;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Ignores;
import dev.noleaks.internal.config.Sizes;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Rules;
import dev.noleaks.internal.report.Messages;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on what changed between two snapshots: {@code
 * assertThat(before.diff(Snapshot.take())).hasNoLeakedDescriptors()}. Obtain it from {@link
 * MemoryAssertions#assertThat(SnapshotDiff)}. The rules are the extension's single-run rules:
 * descriptors, threads and buffers are exact; the JVM's, JUnit's and JNA's own threads and
 * descriptors are ignored.
 */
public final class SnapshotDiffAssert extends AbstractAssert<SnapshotDiffAssert, SnapshotDiff> {

  private Ignores ignores = Ignores.builtIn();

  SnapshotDiffAssert(SnapshotDiff actual) {
    super(actual, SnapshotDiffAssert.class);
  }

  /** Threads whose whole name matches one of these regular expressions are not leaks. */
  public SnapshotDiffAssert ignoringThreads(String... regex) {
    ignores = ignores.plus(Ignores.patterns("ignoringThreads", regex), List.of());
    return myself;
  }

  /** Descriptors whose whole target matches one of these regular expressions are not leaks. */
  public SnapshotDiffAssert ignoringDescriptors(String... regex) {
    ignores = ignores.plus(List.of(), Ignores.patterns("ignoringDescriptors", regex));
    return myself;
  }

  /** No file descriptor (file, socket, pipe, …) open in the later snapshot only. */
  public SnapshotDiffAssert hasNoLeakedDescriptors() {
    isNotNull();
    actual
        .newDescriptors()
        .unavailableReason()
        .ifPresent(r -> fail(Rules.unreadable(Check.DESCRIPTORS, r)));
    return failIfPresent(Rules.descriptors(actual.diff(), ignores));
  }

  /** No thread alive in the later snapshot only. */
  public SnapshotDiffAssert hasNoLeakedThreads() {
    isNotNull();
    return failIfPresent(Rules.threads(actual.diff(), ignores));
  }

  /** No more direct or mapped buffers (count or capacity) in the later snapshot. */
  public SnapshotDiffAssert hasNoLeakedBuffers() {
    isNotNull();
    // Exact: any growth, as its name says.
    List<Finding.Leak> found = Rules.buffers(actual.diff(), 0);
    return found.isEmpty() ? myself : fail(found.get(0));
  }

  /** Heap used after a full GC grew by at most {@code size} ({@code "64 KB"}, {@code "1 MiB"}). */
  public SnapshotDiffAssert hasHeapGrowthAtMost(String size) {
    isNotNull();
    long limit = Sizes.parse(size);
    if (!actual.after().heapExact() || !actual.before().heapExact()) {
      fail(new Finding.Unavailable(Check.HEAP, new Finding.HeapIncludesGarbage(true)));
    }
    return failIfPresent(Rules.heap(actual.diff(), limit));
  }

  /** Native malloc memory in use grew by at most {@code size}. */
  public SnapshotDiffAssert hasNativeGrowthAtMost(String size) {
    isNotNull();
    long limit = Sizes.parse(size);
    actual
        .nativeGrowth()
        .unavailableReason()
        .ifPresent(r -> fail(Rules.unreadable(Check.NATIVE, r)));
    return failIfPresent(Rules.nativeMemory(actual.diff(), limit, 0));
  }

  private SnapshotDiffAssert failIfPresent(Optional<? extends Finding> finding) {
    return finding.isPresent() ? fail(finding.get()) : myself;
  }

  private SnapshotDiffAssert fail(Finding finding) {
    failWithMessage("%s", Messages.finding(finding));
    return myself;
  }
}
