package dev.noleaks.probe;

/**
 * One open file descriptor.
 *
 * @param fd the descriptor number
 * @param target what it points at: a path, {@code socket:[81234]}, {@code pipe:[5678]}, {@code
 *     anon_inode:[eventpoll]}, …
 * @param kind the kind of target
 */
public record Descriptor(int fd, String target, Kind kind) {

  /** What a descriptor points at. */
  public enum Kind {
    FILE,
    SOCKET,
    PIPE,
    ANON_INODE,
    DEVICE,
    OTHER;

    /** Lower-case name for messages: {@code file}, {@code socket}, … */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
  }

  @Override
  public String toString() {
    return target + " (" + kind.label() + ")";
  }
}
