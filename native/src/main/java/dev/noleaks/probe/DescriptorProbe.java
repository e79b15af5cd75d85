package dev.noleaks.probe;

import com.sun.jna.Memory;
import java.io.File;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

/** Open file descriptors from {@code /proc/self/fd} and {@code readlink}. */
final class DescriptorProbe {

  /** Linux's PATH_MAX; a longer target is cut at this length. */
  private static final int PATH_MAX = 4096;

  private final File directory = new File("/proc/self/fd");
  private final CPath link = new CPath("/proc/self/fd/", "");
  private final Memory target = new Memory(PATH_MAX);
  private final byte[] targetBytes = new byte[PATH_MAX];
  private final Charset pathCharset = ProcFiles.pathCharset();

  /**
   * Lists the directory first and then reads each link. The listing's own directory descriptor is
   * closed by then, so its {@code readlink} fails and it drops out; so does any descriptor closed
   * meanwhile. A descriptor another thread opened with the same number in between is real and is
   * reported.
   */
  synchronized Reading<List<Descriptor>> descriptors() {
    int[] fds = ProcFiles.numberedEntries(directory).orElse(null);
    if (fds == null) {
      return Reading.unavailable("cannot list /proc/self/fd");
    }
    List<Descriptor> descriptors = new ArrayList<>(fds.length);
    for (int fd : fds) {
      long length = LibC.Posix.readlink(link.of(Integer.toString(fd)), target, PATH_MAX);
      if (length >= 0) {
        target.read(0, targetBytes, 0, (int) length);
        String path = new String(targetBytes, 0, (int) length, pathCharset);
        descriptors.add(new Descriptor(fd, path, kindOf(path)));
      }
    }
    return Reading.of(List.copyOf(descriptors));
  }

  static Descriptor.Kind kindOf(String target) {
    if (target.startsWith("socket:")) {
      return Descriptor.Kind.SOCKET;
    } else if (target.startsWith("pipe:")) {
      return Descriptor.Kind.PIPE;
    } else if (target.startsWith("anon_inode:")) {
      return Descriptor.Kind.ANON_INODE;
    } else if (target.startsWith("/dev/")) {
      return Descriptor.Kind.DEVICE;
    } else if (target.startsWith("/")) {
      return Descriptor.Kind.FILE;
    }
    return Descriptor.Kind.OTHER;
  }
}
