package dev.noleaks.internal.measure;

import dev.noleaks.BufferPool;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What settling watches: buffer pools, descriptor targets and thread ids. */
final class Fingerprint {
  private final BufferPool direct;
  private final BufferPool mapped;
  private final Optional<List<String>> descriptorTargets;
  private final long[] threadIds;

  Fingerprint(
      BufferPool direct,
      BufferPool mapped,
      Optional<List<String>> descriptorTargets,
      long[] threadIds) {
    this.direct = direct;
    this.mapped = mapped;
    this.descriptorTargets = descriptorTargets;
    this.threadIds = threadIds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Fingerprint f
        && direct.equals(f.direct)
        && mapped.equals(f.mapped)
        && descriptorTargets.equals(f.descriptorTargets)
        && Arrays.equals(threadIds, f.threadIds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(direct, mapped, descriptorTargets, Arrays.hashCode(threadIds));
  }
}
