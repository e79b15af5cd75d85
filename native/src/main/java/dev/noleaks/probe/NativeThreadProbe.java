package dev.noleaks.probe;

import java.io.File;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

/** Native threads from {@code /proc/self/task/<tid>/comm}. */
final class NativeThreadProbe {

  private final File directory = new File("/proc/self/task");
  private final CPath comm = new CPath("/proc/self/task/", "/comm");
  private final ProcFiles files = new ProcFiles(64); // comm is at most 15 bytes and a newline
  private final Charset charset = ProcFiles.pathCharset();

  synchronized Reading<List<NativeThread>> nativeThreads() {
    int[] tids = ProcFiles.numberedEntries(directory).orElse(null);
    if (tids == null) {
      return Reading.unavailable("cannot list /proc/self/task");
    }
    List<NativeThread> threads = new ArrayList<>(tids.length);
    for (int tid : tids) {
      int length = files.read(comm.of(Integer.toString(tid)));
      if (length >= 0) { // a thread that exited since the listing has no comm any more
        byte[] bytes = files.bytes();
        int end = length > 0 && bytes[length - 1] == '\n' ? length - 1 : length;
        threads.add(new NativeThread(tid, new String(bytes, 0, end, charset)));
      }
    }
    return Reading.of(List.copyOf(threads));
  }
}
