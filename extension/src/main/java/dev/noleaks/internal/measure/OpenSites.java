package dev.noleaks.internal.measure;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Optional;

/**
 * Where a descriptor was opened, when the opt-in NoLeaks agent ({@code
 * -javaagent:noleaks-agent.jar}) runs: its recorder, on the bootstrap class path, is found by name,
 * so NoLeaks has no dependency on the agent and works the same without it (every look-up is then
 * empty).
 */
public final class OpenSites {

  /**
   * Where a descriptor was opened.
   *
   * @param thread the name of the thread that opened it
   * @param stack the stack of the open, from the JDK's opening point down
   */
  public record Site(String thread, List<StackTraceElement> stack) {
    public Site {
      stack = List.copyOf(stack);
    }
  }

  private static final String RECORDER = "dev.noleaks.agent.Recorder";

  /** {@code Object[] Recorder.site(int)}: null without the agent. */
  private static final MethodHandle SITE = recorder();

  private OpenSites() {}

  private static MethodHandle recorder() {
    try {
      // the bootstrap loader has the recorder only when the agent put it there
      Class<?> recorder = Class.forName(RECORDER, true, null);
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      MethodHandle installed =
          lookup.findStatic(recorder, "installed", MethodType.methodType(boolean.class));
      if (!(boolean) installed.invokeExact()) {
        return null;
      }
      return lookup.findStatic(recorder, "site", MethodType.methodType(Object[].class, int.class));
    } catch (Throwable absent) { // NOPMD: no agent, or not one this NoLeaks knows: no sites
      return null;
    }
  }

  /** Whether the agent runs, so that descriptors opened by Java code have a site. */
  public static boolean available() {
    return SITE != null;
  }

  /**
   * Where descriptor {@code fd} was opened: empty without the agent, for a descriptor Java code did
   * not open (the JVM's, native code's) and for one that was closed since (the recorder keys its
   * records so that a number opened again never shows the earlier open's site).
   */
  public static Optional<Site> of(int fd) {
    if (SITE == null) {
      return Optional.empty();
    }
    try {
      Object[] site = (Object[]) SITE.invokeExact(fd);
      return site == null
          ? Optional.empty()
          : Optional.of(new Site((String) site[0], List.of((StackTraceElement[]) site[1])));
    } catch (Throwable e) { // NOPMD: a site is an explanation; without it the finding stands
      return Optional.empty();
    }
  }
}
