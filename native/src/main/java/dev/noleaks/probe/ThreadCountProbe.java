package dev.noleaks.probe;

import java.io.IOException;

/**
 * The number of native threads, field 20 ({@code num_threads}) of {@code /proc/self/stat}: one read
 * of a file kept open, against a directory listing and one {@code comm} file per thread for {@link
 * NativeThreadProbe}.
 */
final class ThreadCountProbe {

  /** The field after the command name that holds {@code num_threads}: field 20, counted from 3. */
  private static final int FIELDS_AFTER_COMM = 20 - 3;

  private final KeptOpenFile stat;

  ThreadCountProbe() throws IOException {
    this.stat = new KeptOpenFile("/proc/self/stat", 1024); // 52 numeric fields and a 15-byte name
  }

  synchronized Reading<Integer> count() {
    return stat.read(ThreadCountProbe::parse);
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
