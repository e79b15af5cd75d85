package dev.noleaks.assertions;

import java.lang.ref.Reference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The one entry point of NoLeaks' fluent memory assertions, AssertJ style:
 *
 * <pre>{@code
 * import static dev.noleaks.assertions.MemoryAssertions.*;
 *
 * assertThatRunning(() -> parser.parse(doc)).repeated(20).doesNotLeak();
 * assertThatRunning(() -> codec.encode(frame)).allocatesAtMost("1 KB");
 * assertThat(new WeakReference<>(session)).isGarbageCollected();
 * Snapshot before = Snapshot.take();
 * server.stop();
 * assertThat(before.diff(Snapshot.take())).hasNoLeakedDescriptors().hasNoLeakedThreads();
 * assertThat(Snapshot.take()).nativeFragmentation().isLessThan(0.3);
 * }</pre>
 *
 * These read process-wide meters (except {@code allocatesAtMost}); under parallel execution run the
 * test with {@code @ResourceLock(Resources.GLOBAL)} or {@code @NoLeaks}.
 */
public final class MemoryAssertions {

  private MemoryAssertions() {}

  /** Assertions on what {@code code} leaks or allocates when run. */
  public static CodeAssert assertThatRunning(ThrowingCallable code) {
    return new CodeAssert(code);
  }

  /** Assertions on what changed between two snapshots. */
  public static SnapshotDiffAssert assertThat(SnapshotDiff diff) {
    return new SnapshotDiffAssert(diff);
  }

  /** Assertions on one snapshot (native fragmentation). */
  public static SnapshotAssert assertThat(Snapshot snapshot) {
    return new SnapshotAssert(snapshot);
  }

  /** Assertions on a reference: {@link ReferenceAssert#isGarbageCollected()}. */
  public static ReferenceAssert assertThat(Reference<?> reference) {
    return new ReferenceAssert(reference);
  }
}
