package dev.noleaks.probe;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.File;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Open file descriptors from {@code /proc/self/fd} and {@code readlink}. */
final class DescriptorProbe {

  /** Linux's PATH_MAX; a longer target is cut at this length. */
  private static final int PATH_MAX = 4096;

  /** Room for ~1,000 directory entries per {@code getdents64} call; more take more calls. */
  private static final int ENTRIES_BUFFER = 32 * 1024;

  private final File directory = new File("/proc/self/fd");
  private final CPath link = new CPath("/proc/self/fd/", "");

  /** The directory's own path, written once: it never changes. */
  private final Memory directoryPath = new CPath("/proc/self/fd", "").of("");

  private final Memory target = new Memory(PATH_MAX);
  private final byte[] targetBytes = new byte[PATH_MAX];
  private final Charset pathCharset = ProcFiles.pathCharset();
  private final boolean directoryEntries;
  private final Memory entries;
  private final byte[] entryBytes;

  /** Reads the directory with {@code getdents64} where the C library has it (glibc 2.30+). */
  DescriptorProbe() {
    this(LibC.has("getdents64") && LibC.has("readlinkat"));
  }

  /**
   * @param directoryEntries whether to read the directory with {@code getdents64} and each link
   *     with {@code readlinkat} relative to it, rather than list it through {@link File#list()} and
   *     read each link by its full path (~2× slower: a Java string per entry and a path walk per
   *     link)
   */
  DescriptorProbe(boolean directoryEntries) {
    this.directoryEntries = directoryEntries;
    if (directoryEntries) {
      LibC.bind(LibC.DirectoryEntries.class);
    }
    this.entries = directoryEntries ? new Memory(ENTRIES_BUFFER) : null;
    this.entryBytes = directoryEntries ? new byte[ENTRIES_BUFFER] : null;
  }

  /**
   * Lists the directory first and then reads each link. The listing's own directory descriptor is
   * left out, and so is any descriptor closed meanwhile (its {@code readlink} fails). A descriptor
   * another thread opened with the same number in between is real and is reported.
   */
  synchronized Reading<List<Descriptor>> descriptors() {
    return directoryEntries ? fromDirectoryEntries() : fromFileList();
  }

  private Reading<List<Descriptor>> fromDirectoryEntries() {
    int dir = LibC.Posix.open(directoryPath, LibC.Posix.O_RDONLY | LibC.Posix.O_CLOEXEC);
    if (dir < 0) {
      return Reading.unavailable("cannot open /proc/self/fd");
    }
    try {
      List<Descriptor> descriptors = new ArrayList<>();
      long base = Pointer.nativeValue(entries);
      long length;
      while ((length = LibC.DirectoryEntries.getdents64(dir, entries, ENTRIES_BUFFER)) > 0) {
        entries.read(0, entryBytes, 0, (int) length);
        // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name (NUL-ended)
        for (int at = 0; at < length; ) {
          int recordLength = (entryBytes[at + 16] & 0xFF) | (entryBytes[at + 17] & 0xFF) << 8;
          int fd = number(entryBytes, at + 19);
          if (fd >= 0 && fd != dir) {
            long read =
                LibC.DirectoryEntries.readlinkat(
                    dir, new Pointer(base + at + 19), target, PATH_MAX);
            if (read >= 0) {
              descriptors.add(descriptor(fd, (int) read));
            }
          }
          at += recordLength;
        }
      }
      if (length < 0) {
        return Reading.unavailable("cannot read the entries of /proc/self/fd");
      }
      descriptors.sort(Comparator.comparingInt(Descriptor::fd));
      return Reading.of(List.copyOf(descriptors));
    } finally {
      LibC.Posix.close(dir);
    }
  }

  /** The decimal number a NUL-ended name starting at {@code at} holds; -1 for "." and "..". */
  static int number(byte[] bytes, int at) {
    int value = 0;
    int i = at;
    for (; i < bytes.length && bytes[i] != 0; i++) {
      if (bytes[i] < '0' || bytes[i] > '9') {
        return -1;
      }
      value = value * 10 + (bytes[i] - '0');
    }
    return i == at ? -1 : value;
  }

  private Reading<List<Descriptor>> fromFileList() {
    int[] fds = ProcFiles.numberedEntries(directory).orElse(null);
    if (fds == null) {
      return Reading.unavailable("cannot list /proc/self/fd");
    }
    List<Descriptor> descriptors = new ArrayList<>(fds.length);
    for (int fd : fds) {
      long length = LibC.Posix.readlink(link.of(Integer.toString(fd)), target, PATH_MAX);
      if (length >= 0) {
        descriptors.add(descriptor(fd, (int) length));
      }
    }
    return Reading.of(List.copyOf(descriptors));
  }

  private Descriptor descriptor(int fd, int length) {
    target.read(0, targetBytes, 0, length);
    String path = new String(targetBytes, 0, length, pathCharset);
    return new Descriptor(fd, path, kindOf(path));
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
