package dev.noleaks.probe;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * The number of native threads, field 20 ({@code num_threads}) of {@code /proc/self/stat}: one read
 * of a file kept open, against a directory listing and one {@code comm} file per thread for {@link
 * NativeThreadProbe}. Opened when the probe is created, before any baseline, like {@link
 * ResidentMemoryProbe}'s file.
 */
final class ThreadCountProbe {

  /** The field after the command name that holds {@code num_threads}: field 20, counted from 3. */
  private static final int FIELDS_AFTER_COMM = 20 - 3;

  private final RandomAccessFile stat;
  private final byte[] buffer = new byte[1024]; // 52 numeric fields and a 15-byte name fit

  ThreadCountProbe() throws IOException {
    this.stat = new RandomAccessFile("/proc/self/stat", "r");
  }

  synchronized Reading<Integer> count() {
    int length;
    try {
      stat.seek(0);
      length = stat.read(buffer);
    } catch (IOException e) {
      return Reading.unavailable("cannot read /proc/self/stat: " + e.getMessage());
    }
    return parse(buffer, Math.max(length, 0));
  }

  /**
   * {@code num_threads} from the text of a {@code stat} file: {@code pid (comm) state ppid …}. The
   * command name may itself hold spaces and parentheses, so the fields are counted from the last
   * {@code ')'}.
   */
  static Reading<Integer> parse(byte[] text, int length) {
    int i = length - 1;
    while (i >= 0 && text[i] != ')') {
      i--;
    }
    if (i < 0) {
      return Reading.unavailable("unexpected /proc/self/stat content: no command name");
    }
    i += 2; // past ") ", at the first field after the name
    for (int field = 0; field < FIELDS_AFTER_COMM && i < length; i++) {
      if (text[i] == ' ') {
        field++;
      }
    }
    long count = ProcFiles.decimalAt(text, i, length);
    if (count < 0 || count > Integer.MAX_VALUE) {
      return Reading.unavailable("unexpected /proc/self/stat content: no num_threads field");
    }
    return Reading.of((int) count);
  }
}
