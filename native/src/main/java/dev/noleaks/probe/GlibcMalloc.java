package dev.noleaks.probe;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * glibc's allocator meters: {@code mallinfo2}, {@code malloc_info} and {@code malloc_trim}. A meter
 * whose symbol the C library lacks reads as unavailable with the reason.
 */
final class GlibcMalloc {

  private final String mallinfo2Missing;
  private final String mallocInfoMissing;
  private final String mallocTrimMissing;

  /** {@code char *} and {@code size_t} that {@code open_memstream} fills, allocated once. */
  private final Memory memstreamOut;

  private final Pointer memstreamSize;
  private final MallocInfoParser parser = new MallocInfoParser();
  private byte[] report = new byte[16 * 1024];

  GlibcMalloc() {
    mallinfo2Missing = LibC.has("mallinfo2") ? null : "mallinfo2 not found: musl or glibc < 2.33";
    mallocInfoMissing =
        LibC.has("malloc_info") && LibC.has("open_memstream")
            ? null
            : "malloc_info not found: not glibc";
    mallocTrimMissing = LibC.has("malloc_trim") ? null : "malloc_trim not found: not glibc";
    memstreamOut = mallocInfoMissing == null ? new Memory(16) : null;
    memstreamSize = memstreamOut == null ? null : memstreamOut.share(8);
    // Bind now, before any baseline: registering a class allocates JNA's call descriptors
    if (mallinfo2Missing == null) {
      malloc(); // also lays out the structure class
    }
    if (mallocInfoMissing == null) {
      LibC.bind(LibC.MallocInfoFunction.class);
    }
    if (mallocTrimMissing == null) {
      LibC.bind(LibC.MallocTrim.class);
    }
  }

  Reading<MallocStats> malloc() {
    if (mallinfo2Missing != null) {
      return Reading.unavailable(mallinfo2Missing);
    }
    LibC.Mallinfo2.Result m = LibC.Mallinfo2.mallinfo2();
    return Reading.of(
        new MallocStats(m.arena, m.ordblks, m.hblks, m.hblkhd, m.uordblks, m.fordblks, m.keepcost));
  }

  /**
   * {@code malloc_info(0, f)} into an {@code open_memstream} stream, then parsed. Allocates
   * transiently (the stream and its buffer, a few KB, in the calling thread's arena) and frees all
   * of it before returning.
   */
  synchronized Reading<MallocInfo> mallocInfo() {
    if (mallocInfoMissing != null) {
      return Reading.unavailable(mallocInfoMissing);
    }
    memstreamOut.clear();
    Pointer stream = LibC.Posix.open_memstream(memstreamOut, memstreamSize);
    if (stream == null) {
      return Reading.unavailable("open_memstream failed, errno " + Native.getLastError());
    }
    int status;
    try {
      status = LibC.MallocInfoFunction.malloc_info(0, stream);
    } finally {
      // fclose flushes, so the buffer pointer and size are final only after it
      LibC.Posix.fclose(stream);
    }
    Pointer buffer = memstreamOut.getPointer(0);
    int length = (int) Math.min(memstreamSize.getLong(0), Integer.MAX_VALUE - 8);
    try {
      if (status != 0 || buffer == null) {
        return Reading.unavailable("malloc_info failed with status " + status);
      }
      if (report.length < length) {
        report = new byte[Math.max(length, report.length * 2)];
      }
      buffer.read(0, report, 0, length);
    } finally {
      LibC.Posix.free(buffer); // free(NULL) is a no-op
    }
    return Reading.of(parser.parse(report, length));
  }

  Reading<Boolean> trim() {
    if (mallocTrimMissing != null) {
      return Reading.unavailable(mallocTrimMissing);
    }
    return Reading.of(LibC.MallocTrim.malloc_trim(0) == 1);
  }
}
