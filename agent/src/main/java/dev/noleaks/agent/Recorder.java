package dev.noleaks.agent;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each descriptor that Java code holds was opened. The JDK's opening points, rewritten by
 * {@link Agent}, call {@link #opened(FileDescriptor)} with the descriptor they have just filled in;
 * {@link #site(int)} answers for a descriptor number.
 *
 * <p>Loaded by the bootstrap class loader, since the JDK's own classes call it, and so it uses
 * nothing but {@code java.base}: no lambdas, no string concatenation (both link through {@code
 * invokedynamic} at first use, inside an open), no class of the agent's but its own.
 *
 * <p>A record is kept by descriptor number, one per number, and holds the {@link FileDescriptor}
 * weakly: it is shown only while that object still holds that number. A closed descriptor (its
 * number is then -1), one collected after it was dropped, and a number the kernel handed out again
 * to a later open (whose record replaced this one) can never show a stale site, with no hook on
 * close. Records of collected descriptors are dropped at the next open or look-up, so the table
 * holds at most one record per descriptor number in use, plus those of closed descriptors that are
 * still referenced until their number is used again.
 */
public final class Recorder {

  /** One open: the stack of the call that made it, unmaterialised until asked for. */
  private static final class Opening extends WeakReference<FileDescriptor> {
    final int number;
    final Throwable site;
    final String thread;

    Opening(FileDescriptor fd, int number, String thread, ReferenceQueue<FileDescriptor> queue) {
      super(fd, queue);
      this.number = number;
      this.site = new Throwable();
      this.thread = thread;
    }
  }

  private static final ConcurrentHashMap<Integer, Opening> OPENINGS = new ConcurrentHashMap<>();
  private static final ReferenceQueue<FileDescriptor> COLLECTED = new ReferenceQueue<>();

  /** {@code FileDescriptor.fd}: {@link Agent} opens {@code java.io} to this class first. */
  private static volatile VarHandle number;

  private Recorder() {}

  /**
   * Makes the recorder ready, before any JDK class calls it: everything an open will use is loaded
   * and linked here, so that the first open does not load a class (which may itself open a jar).
   */
  static void install() throws ReflectiveOperationException {
    VarHandle handle =
        MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
            .findVarHandle(FileDescriptor.class, "fd", int.class);
    number = handle;
    FileDescriptor probe = new FileDescriptor();
    opened(probe); // -1: nothing recorded, but the path is linked
    OPENINGS.put(-1, new Opening(probe, -1, "", COLLECTED));
    OPENINGS.remove(-1);
    site(-1);
    Arrays.asList(new Throwable().getStackTrace()).size();
  }

  /** Whether the agent installed the recorder: otherwise nothing is recorded. */
  public static boolean installed() {
    return number != null;
  }

  /**
   * Called by the JDK's rewritten code with a descriptor it has just opened. Never throws: an agent
   * that broke {@code new FileInputStream} would be worse than none.
   */
  public static void opened(FileDescriptor fd) {
    try {
      VarHandle handle = number;
      if (fd == null || handle == null) {
        return;
      }
      int n = (int) handle.get(fd);
      if (n < 0) {
        return;
      }
      dropCollected();
      OPENINGS.put(n, new Opening(fd, n, Thread.currentThread().getName(), COLLECTED));
    } catch (Throwable e) { // NOPMD: nothing may reach the JDK's caller
      // an open is never failed by its record
    }
  }

  /**
   * {@link #opened(FileDescriptor)} for an accept, called with its result: {@code fd} is filled in
   * only when it accepted one. Returns {@code result}.
   */
  public static int opened(FileDescriptor fd, int result) {
    opened(fd);
    return result;
  }

  /**
   * Where descriptor {@code fd} was opened, if Java code opened it while the agent ran and it is
   * still open: {@code {String thread, StackTraceElement[] stack}}, the stack from the JDK's
   * opening point (the agent's own frames left out); null otherwise.
   */
  public static Object[] site(int fd) {
    try {
      dropCollected();
      Opening o = OPENINGS.get(fd);
      if (o == null) {
        return null;
      }
      FileDescriptor held = o.get();
      VarHandle handle = number;
      if (held == null || handle == null || !held.valid() || (int) handle.get(held) != fd) {
        return null;
      }
      StackTraceElement[] stack = o.site.getStackTrace();
      int own = 0;
      while (own < stack.length && stack[own].getClassName().startsWith("dev.noleaks.agent.")) {
        own++;
      }
      return new Object[] {o.thread, Arrays.copyOfRange(stack, own, stack.length)};
    } catch (Throwable e) { // NOPMD: a look-up that fails knows nothing
      return null;
    }
  }

  /** How many records the table holds (for tests of its bound). */
  public static int size() {
    dropCollected();
    return OPENINGS.size();
  }

  private static void dropCollected() {
    for (Reference<? extends FileDescriptor> r = COLLECTED.poll();
        r != null;
        r = COLLECTED.poll()) {
      Opening o = (Opening) r;
      OPENINGS.remove(o.number, o);
    }
  }
}
