package dev.noleaks.probe;

import java.io.IOException;

/** Resident set size from {@code /proc/self/statm}, kept open. */
final class ResidentMemoryProbe {

  private final KeptOpenFile statm;
  private final long pageSize;
  private final KeptOpenFile.Parser<Long> parser = this::parse;

  ResidentMemoryProbe(long pageSize) throws IOException {
    this.statm = new KeptOpenFile("/proc/self/statm", 128); // "size resident shared text lib …\n"
    this.pageSize = pageSize;
  }

  synchronized Reading<Long> residentBytes() {
    return statm.read(parser);
  }

  private Reading<Long> parse(byte[] buffer, int length) {
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
