package dev.noleaks.probe;

import java.util.List;

/**
 * glibc's {@code malloc_info()} report, parsed: the free chunks each arena holds.
 *
 * @param arenas one entry per arena, main arena first
 */
public record MallocInfo(List<Arena> arenas) {

  public MallocInfo {
    arenas = List.copyOf(arenas);
  }

  /**
   * Free chunks of one size class.
   *
   * @param from smallest chunk size in the class, bytes
   * @param to largest chunk size in the class, bytes
   * @param count number of free chunks
   * @param bytes total bytes in those chunks
   */
  public record FreeChunks(long from, long to, long count, long bytes) {}

  /**
   * One arena.
   *
   * @param index the arena number as malloc_info prints it
   * @param freeChunks free chunks by size class (fast bins and bins)
   * @param freeBytes all free bytes in the arena, including the top chunk
   * @param largestFreeChunk the largest single free chunk (an upper bound of its size class when
   *     the class is a range), including the top chunk
   * @param topBytes the top chunk, reported by malloc_info only inside {@code rest}
   * @param systemBytes bytes the arena obtained from the system ({@code system type="current"})
   */
  public record Arena(
      int index,
      List<FreeChunks> freeChunks,
      long freeBytes,
      long largestFreeChunk,
      long topBytes,
      long systemBytes) {
    public Arena {
      freeChunks = List.copyOf(freeChunks);
    }

    /** Number of free chunks in the arena. */
    public long freeChunkCount() {
      return freeChunks.stream().mapToLong(FreeChunks::count).sum();
    }
  }

  /** Free chunks across all arenas. */
  public long freeChunkCount() {
    return arenas.stream().mapToLong(Arena::freeChunkCount).sum();
  }

  /** Free bytes across all arenas. */
  public long freeBytes() {
    return arenas.stream().mapToLong(Arena::freeBytes).sum();
  }

  /** The largest free chunk in any arena. */
  public long largestFreeChunk() {
    return arenas.stream().mapToLong(Arena::largestFreeChunk).max().orElse(0);
  }
}
