package dev.noleaks.probe;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * Resident set size from {@code /proc/self/statm}, kept open and re-read from offset 0: procfs
 * regenerates the content on each read at offset 0. The descriptor is opened when the probe is
 * created, before any baseline, so it never shows as a leak.
 */
final class ResidentMemoryProbe {

  private final RandomAccessFile statm;
  private final long pageSize;
  private final byte[] buffer = new byte[128]; // "size resident shared text lib data dt\n"

  ResidentMemoryProbe(long pageSize) throws IOException {
    this.statm = new RandomAccessFile("/proc/self/statm", "r");
    this.pageSize = pageSize;
  }

  synchronized Reading<Long> residentBytes() {
    int length;
    try {
      statm.seek(0);
      length = statm.read(buffer);
    } catch (IOException e) {
      return Reading.unavailable("cannot read /proc/self/statm: " + e.getMessage());
    }
    // the second field: resident pages
    int i = 0;
    while (i < length && buffer[i] != ' ') {
      i++;
    }
    long pages = ProcFiles.decimalAt(buffer, i + 1, length);
    if (pages < 0) {
      return Reading.unavailable("unexpected /proc/self/statm content");
    }
    return Reading.of(pages * pageSize);
  }
}
