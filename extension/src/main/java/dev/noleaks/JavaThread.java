package dev.noleaks;

import java.util.List;

/**
 * A live Java thread at the moment of a snapshot.
 *
 * @param id the thread id
 * @param name the thread name
 * @param daemon whether it is a daemon thread
 * @param state its state
 * @param type the thread's class name ({@code java.lang.Thread} unless subclassed)
 * @param stack its top frames when the snapshot was taken
 */
public record JavaThread(
    long id,
    String name,
    boolean daemon,
    Thread.State state,
    String type,
    List<StackTraceElement> stack) {

  public JavaThread {
    stack = List.copyOf(stack);
  }
}
